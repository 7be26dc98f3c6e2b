"""HTTP entry points: the REST API, health and metrics, platform webhooks, the help center and console."""
