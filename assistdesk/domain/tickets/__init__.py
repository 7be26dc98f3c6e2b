"""Tickets, their comments and attachments, and the status workflow."""
