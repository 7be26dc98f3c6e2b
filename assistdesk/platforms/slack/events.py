"""Events API callbacks: Bolt's guards for events, then straight to the event's listener.

Bolt dispatches a request through its global middleware (SSL check, authorization, our own bot's
events, URL verification, function tokens), then tries each listener's matchers and, for the one
that matches, builds every argument a listener may ask for (say, respond, complete and some thirty
others) before calling it: about a fifth of the server's CPU per acknowledged event in a profile of
`serve` under a stream of thread replies, for events whose listener needs only the body and the
installation's credentials. `EventDispatch` does, for an `event_callback` with a listener here, what
those steps do for it, in Bolt's order (slack-bolt 1.30):

- authorization: the installation's credentials (`FindCredentials`, Bolt's `authorize`); none is
  Bolt's 200 with its "installation is no longer available" text. `app_uninstalled` and
  `tokens_revoked` need none (Bolt asks no authorization for them either: the installation may be
  gone already);
- our own bot's events (its user or its bot id) are answered 200 and go no further, as Bolt's
  IgnoringSelfEvents does (member_joined_channel and member_left_channel excepted);
- the listener runs before the answer (`process_before_response`): 200 once it returned; an error
  goes to the app's error handler (`answer_error`), as Bolt's listener runner hands it over.

Everything else (interactivity, the slash command, URL verification, SSL checks, events without a
listener here) still goes through Bolt. Socket Mode's envelopes come through `AsyncApp.async_dispatch`
too, so both transports take the same path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.middleware.authorization.internals import _build_user_facing_authorize_error_message
from slack_bolt.middleware.ignoring_self_events.ignoring_self_events import IgnoringSelfEvents
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from assistdesk.platforms.slack import payloads
from assistdesk.platforms.slack.ports import (
    Credentials,
    FindCredentials,
    Inbound,
    Reaction,
    Uninstall,
)

log = logging.getLogger(__name__)
Listener = Callable[[dict[str, Any], Credentials | None], Awaitable[None]]
ErrorHandler = Callable[[Exception], Awaitable[BoltResponse | None]]
MALFORMED = (AttributeError, KeyError, TypeError, IndexError, ValueError)
# Bolt authorizes these without an installation (its no_auth_test_events).
NO_AUTHORIZATION = frozenset({"app_uninstalled", "tokens_revoked"})
KEPT_FROM_SELF = frozenset(IgnoringSelfEvents.events_that_should_be_kept)
NOT_INSTALLED = _build_user_facing_authorize_error_message()


async def answer_error(error: Exception) -> BoltResponse | None:
    """The app's error handler (Bolt's `@app.error`): what to answer for a request that failed."""
    if isinstance(error, MALFORMED):
        # Signed, but a shape Slack does not send (a string where an object belongs, a missing
        # field): retrying cannot help, and a traceback per request would only fill the log.
        log.warning("a signed Slack request was not understood: %s: %s", type(error).__name__, error)
        return BoltResponse(status=400, body="")
    log.error("a Slack listener failed; Slack will retry", exc_info=error)
    return None  # keeps the 500, so that Slack redelivers


class EventDispatch:
    def __init__(self, listeners: EventListeners, find_credentials: FindCredentials) -> None:
        self._by_type = listeners.by_type
        self._find_credentials = find_credentials

    def listener_for(self, body: dict[str, Any]) -> Listener | None:
        """The listener of an event callback we listen to; None sends the request through Bolt."""
        if body.get("type") != "event_callback":
            return None
        event = body.get("event")
        kind = event.get("type") if isinstance(event, dict) else None
        return self._by_type.get(kind) if isinstance(kind, str) else None

    async def dispatch(self, req: AsyncBoltRequest, listener: Listener) -> BoltResponse:
        body, context = req.body, req.context
        event: dict[str, Any] = body["event"]
        try:
            credentials = None
            if event.get("type") not in NO_AUTHORIZATION:
                credentials = await self._find_credentials(context.enterprise_id, context.team_id)
                if credentials is None:
                    log.error(
                        "Although the app should be installed into this workspace, "
                        "the AuthorizeResult (returned value from authorize) for it was not found."
                    )
                    return BoltResponse(status=200, body=NOT_INSTALLED)
                if _from_self(event, context.user_id, credentials):
                    return BoltResponse(status=200, body="")
            await listener(body, credentials)
        except Exception as error:
            answer = BoltResponse(status=500, body="")
            given = await answer_error(error)
            return given if given is not None else answer
        return BoltResponse(status=200, body="")


def _from_self(event: dict[str, Any], user_id: str | None, credentials: Credentials) -> bool:
    """Bolt's IgnoringSelfEvents._is_self_event, for an installation's credentials."""
    bot_id = event.get("bot_id")
    return (
        (user_id is not None and user_id == credentials.bot_user_id)
        or (bot_id is not None and bot_id == credentials.bot_id)
    ) and event.get("type") not in KEPT_FROM_SELF


class EventListeners:
    """Events API: record what happened and return (the work is done by the outbox). Each listener
    takes the request's body and the credentials of the installation it came to."""

    def __init__(self, inbound: Inbound) -> None:
        self._inbound = inbound
        self.by_type: dict[str, Listener] = {
            "reaction_added": self.reaction_added,
            "message": self.message,
            "app_mention": self.app_mention,
            "app_uninstalled": self.app_uninstalled,
            "tokens_revoked": self.tokens_revoked,
        }

    async def reaction_added(self, body: dict[str, Any], credentials: Credentials | None) -> None:
        envelope = payloads.parse(payloads.Envelope, body)
        event = payloads.event_of(payloads.ReactionAddedEvent, body)
        if envelope is None or event is None or event.reaction not in payloads.TICKET_REACTIONS:
            return
        item = event.item
        if item.type != "message" or not item.channel or not item.ts:
            return
        await self._inbound.reaction_added(
            Reaction(
                event_id=envelope.event_id,
                workspace=envelope.workspace,
                channel=item.channel,
                message_ts=item.ts,
                user=event.user,
                reaction=event.reaction,
            )
        )

    async def message(self, body: dict[str, Any], credentials: Credentials | None) -> None:
        envelope = payloads.parse(payloads.Envelope, body)
        event = payloads.event_of(payloads.MessageEvent, body)
        if envelope is None or event is None:
            return
        own = {
            "app_id": envelope.api_app_id,
            "bot_id": credentials.bot_id if credentials else None,
            "bot_user_id": credentials.bot_user_id if credentials else None,
        }
        for message in (event, event.message, event.previous_message):
            if message is not None and payloads.is_own(message, **own):
                return
        bot_user = (credentials.bot_user_id if credentials else None) or payloads.bot_user_of(envelope)
        if (mention := payloads.mention(envelope, event, bot_user)) is not None:
            # The same message also arrives as app_mention; both are claimed by (channel, ts).
            await self._inbound.mentioned(mention)
        elif (reply := payloads.thread_reply(envelope, event)) is not None:
            await self._inbound.thread_reply(reply)
        elif (edit := payloads.reply_edit(envelope, event)) is not None:
            await self._inbound.reply_edited(edit)
        elif (deletion := payloads.reply_deletion(envelope, event)) is not None:
            await self._inbound.reply_deleted(deletion)

    async def app_mention(self, body: dict[str, Any], credentials: Credentials | None) -> None:
        envelope = payloads.parse(payloads.Envelope, body)
        event = payloads.event_of(payloads.AppMentionEvent, body)
        if envelope is None or event is None:
            return
        bot_user = (credentials.bot_user_id if credentials else None) or payloads.bot_user_of(envelope)
        if (mention := payloads.mention(envelope, event, bot_user)) is not None:
            await self._inbound.mentioned(mention)

    async def app_uninstalled(self, body: dict[str, Any], credentials: Credentials | None) -> None:
        envelope = payloads.parse(payloads.Envelope, body)
        if envelope is not None:
            await self._inbound.uninstalled(Uninstall(envelope.workspace or None, envelope.enterprise_id))

    async def tokens_revoked(self, body: dict[str, Any], credentials: Credentials | None) -> None:
        envelope = payloads.parse(payloads.Envelope, body)
        event = payloads.event_of(payloads.TokensRevokedEvent, body)
        if envelope is not None and event is not None and event.tokens.bot:
            await self._inbound.uninstalled(
                Uninstall(
                    envelope.workspace or None,
                    envelope.enterprise_id,
                    tokens_only=True,
                    user_ids=tuple(event.tokens.bot),
                )
            )
