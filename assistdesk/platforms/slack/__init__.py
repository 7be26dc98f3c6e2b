"""Slack: Bolt wiring, payload parsing, Block Kit rendering and the Web API client.

Nothing here touches the database or the domain: listeners parse Slack's payloads into the neutral
values of `ports` and hand them to the bridge; renderers are pure functions of view-models.
"""
