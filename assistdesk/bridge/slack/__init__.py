"""Slack joined to the desk: installations, inbound events to chat use cases, ticket events to
outbox jobs, and the delivery of those jobs."""
