"""Outbound webhooks: signed JSON POSTs to the vendor's own systems."""
