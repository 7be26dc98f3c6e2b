"""Business rules and their persistence. Knows no chat platform, no web framework, no delivery."""
