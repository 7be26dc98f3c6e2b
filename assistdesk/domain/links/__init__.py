"""Where tickets meet chats. Platform ids (channels, threads, messages, users) live only here."""
