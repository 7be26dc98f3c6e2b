"""The `assistdesk` command (INTERFACE.md)."""
