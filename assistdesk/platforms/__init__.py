"""Chat platforms and other outbound destinations. Talk HTTP and render messages; know no SQL and
no domain model (the bridge hands them neutral values)."""
