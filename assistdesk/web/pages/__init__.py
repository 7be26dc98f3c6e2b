"""Server-rendered pages: the customers' help center (`/help`), the agents' console and admin (`/agent`).

Plain HTML forms with a little progressive enhancement; no front-end build. Every POST carries a CSRF
token; every page is sent with a strict Content-Security-Policy.
"""
