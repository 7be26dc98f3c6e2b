"""Who may enter the help center and the console: one-time login codes, sessions, rate limits."""
