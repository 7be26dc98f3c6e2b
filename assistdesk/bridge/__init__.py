"""The application layer: joins the domain to chat platforms and delivery.

Inbound: neutral requests from platform adapters become domain calls. Outbound: domain events become
outbox jobs, and outbox jobs become platform calls.
"""
