"""Outbound webhooks: the vendor's own systems subscribe to ticket events."""
