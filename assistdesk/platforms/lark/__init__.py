"""Lark (and Feishu): verifying pushes, typed events, card renderers, the Open API client.

Nothing here touches the database or the domain; `assistdesk.bridge.lark` joins this to them.
"""
