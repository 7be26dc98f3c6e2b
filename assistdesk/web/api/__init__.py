"""REST API v1 (INTERFACE.md), mounted at /api/v1 with its own OpenAPI schema."""
