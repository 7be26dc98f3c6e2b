"""Outgoing mail over SMTP."""
