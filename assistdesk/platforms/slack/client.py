"""The Slack Web API as the app uses it: slack_sdk's AsyncWebClient, answers turned into outcomes.

Every call goes to `SLACK_API_URL` (GovSlack, or a test server) through one aiohttp session per
event loop. slack_sdk retries nothing but connection errors here: rate limits and outages come back
as `RetryAfter` / `TransientFailure` and the outbox decides when to try again (slack.md §5).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from yarl import URL

from assistdesk.outcomes import Delivered, PermanentFailure, TransientFailure
from assistdesk.platforms.slack.answers import Access, Identity, OpenedView, ReactedMessage, UserInfo
from assistdesk.platforms.slack.blocks import SlackMessage
from assistdesk.platforms.slack.errors import Failed, classify
from assistdesk.platforms.slack.files import may_fetch

Data = dict[str, Any]
DEFAULT_TIMEOUT = 10.0
MAX_REDIRECTS = 3
TRIGGER_WINDOW = 2.5  # a trigger_id expires 3 s after Slack issued it, and the ack must follow
TRIGGER_EXPIRED = "Slack views.open: expired_trigger_id (no answer within the trigger window)"
UNEXPECTED_ANSWER = "Slack {method}: an answer of an unexpected shape"


DELIVERY_EVENT = "assistdesk_delivery"


class SlackApi:
    def __init__(self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self._sessions[loop] = session
        return session

    def client(self, token: str | None = None) -> AsyncWebClient:
        return AsyncWebClient(
            token=token, base_url=self.base_url, timeout=int(self.timeout), session=self._session()
        )

    async def aclose(self) -> None:
        """Close the sessions of the running loop (each loop closes its own)."""
        loop = asyncio.get_running_loop()
        session = self._sessions.pop(loop, None)
        if session is not None:
            await session.close()

    async def _call(
        self,
        method: str,
        where: str,
        send: Callable[[AsyncWebClient], Awaitable[AsyncSlackResponse]],
        token: str | None,
    ) -> Data | Failed:
        try:
            response = await send(self.client(token))
        except SlackApiError as exc:
            answer = exc.response
            data = answer.data if isinstance(answer.data, dict) else {}
            return classify(
                method=method,
                status=answer.status_code,
                error=data.get("error"),
                retry_after=answer.headers.get("Retry-After") or answer.headers.get("retry-after"),
                needed=data.get("needed"),
                where=where,
            )
        except TimeoutError:
            return TransientFailure(f"Slack {method}: timed out")
        except aiohttp.ClientError as exc:
            return TransientFailure(f"Slack {method}: {type(exc).__name__}: {exc}")
        data = dict(response.data) if isinstance(response.data, dict) else {}
        data["_scopes"] = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes")
        return data

    # Messages --------------------------------------------------------------------------------------

    async def post_message(
        self,
        token: str,
        *,
        channel: str,
        message: SlackMessage,
        thread_ts: str | None = None,
        username: str | None = None,
        delivery_key: str | None = None,
    ) -> Delivered | Failed:
        """`delivery_key` travels as message metadata, by which `find_delivery` recognises a post
        whose answer was lost (Slack's chat.postMessage has no idempotency key of its own)."""
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        if username:
            extra["username"] = username[:80]
        if delivery_key:
            extra["metadata"] = {"event_type": DELIVERY_EVENT, "event_payload": {"delivery": delivery_key}}
        answer = await self._call(
            "chat.postMessage",
            channel,
            lambda c: c.chat_postMessage(channel=channel, unfurl_links=False, **message.body(), **extra),
            token,
        )
        if not isinstance(answer, dict):
            return answer
        return Delivered(reference=str(answer.get("ts")), data={"channel": answer.get("channel", channel)})

    async def find_delivery(
        self, token: str, *, channel: str, thread_ts: str | None, delivery_key: str, oldest: float
    ) -> str | None:
        """The ts of a message we posted with `delivery_key` since `oldest` (unix seconds), in the
        thread or, without one, in the channel. None when there is none, or when Slack cannot tell us
        (then posting again is the lesser evil: at least once)."""
        window: dict[str, Any] = {"oldest": f"{oldest:.6f}", "include_all_metadata": True, "limit": 200}
        if thread_ts:
            answer = await self._call(
                "conversations.replies",
                channel,
                lambda c: c.conversations_replies(channel=channel, ts=thread_ts, **window),
                token,
            )
        else:
            answer = await self._call(
                "conversations.history",
                channel,
                lambda c: c.conversations_history(channel=channel, **window),
                token,
            )
        if not isinstance(answer, dict):
            return None
        for message in answer.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == DELIVERY_EVENT and payload.get("delivery") == delivery_key:
                return str(message.get("ts"))
        return None

    async def post_ephemeral(
        self, token: str, *, channel: str, user: str, message: SlackMessage, thread_ts: str | None = None
    ) -> Delivered | Failed:
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        answer = await self._call(
            "chat.postEphemeral",
            channel,
            lambda c: c.chat_postEphemeral(channel=channel, user=user, **message.body(), **extra),
            token,
        )
        if not isinstance(answer, dict):
            return answer
        return Delivered(reference=str(answer.get("message_ts")), data={"ephemeral": True})

    async def update_message(
        self, token: str, *, channel: str, ts: str, message: SlackMessage
    ) -> Delivered | Failed:
        answer = await self._call(
            "chat.update", channel, lambda c: c.chat_update(channel=channel, ts=ts, **message.body()), token
        )
        if not isinstance(answer, dict):
            return answer
        return Delivered(reference=ts, data={"updated": True})

    async def delete_message(self, token: str, *, channel: str, ts: str) -> Delivered | Failed:
        answer = await self._call(
            "chat.delete", channel, lambda c: c.chat_delete(channel=channel, ts=ts), token
        )
        if not isinstance(answer, dict):
            return answer
        return Delivered(reference=ts, data={"deleted": True})

    # Reading ---------------------------------------------------------------------------------------

    async def reacted_message(self, token: str, *, channel: str, ts: str) -> ReactedMessage | Failed:
        """The message a reaction points at: reaction_added carries no text (slack.md §1.4)."""
        answer = await self._call(
            "reactions.get", channel, lambda c: c.reactions_get(channel=channel, timestamp=ts), token
        )
        return _typed(ReactedMessage, "reactions.get", answer)

    async def user_info(self, token: str, *, user: str) -> UserInfo | Failed:
        answer = await self._call(
            "users.info", user, lambda c: c.users_info(user=user, include_locale=True), token
        )
        return _typed(UserInfo, "users.info", answer)

    async def auth_test(self, token: str) -> Identity | Failed:
        answer = await self._call("auth.test", "the workspace", lambda c: c.auth_test(), token)
        return _typed(Identity, "auth.test", answer)

    async def oauth_access(
        self, *, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> Access | Failed:
        answer = await self._call(
            "oauth.v2.access",
            "the workspace",
            lambda c: c.oauth_v2_access(
                client_id=client_id, client_secret=client_secret, code=code, redirect_uri=redirect_uri
            ),
            None,
        )
        return _typed(Access, "oauth.v2.access", answer)

    # Views -----------------------------------------------------------------------------------------

    async def open_view(
        self, token: str, *, trigger_id: str, view: dict[str, Any], within: float = TRIGGER_WINDOW
    ) -> OpenedView | Failed:
        """Called while Slack waits for the ack: bounded by the trigger's 3 seconds (slack.md §3.3)."""
        try:
            answer = await asyncio.wait_for(
                self._call(
                    "views.open", "the form", lambda c: c.views_open(trigger_id=trigger_id, view=view), token
                ),
                within,
            )
        except TimeoutError:
            return TransientFailure(TRIGGER_EXPIRED)
        return _typed(OpenedView, "views.open", answer)

    async def update_view(
        self, token: str, *, view_id: str, view: dict[str, Any], view_hash: str | None
    ) -> OpenedView | Failed:
        extra = {"hash": view_hash} if view_hash else {}
        answer = await self._call(
            "views.update", "the form", lambda c: c.views_update(view_id=view_id, view=view, **extra), token
        )
        return _typed(OpenedView, "views.update", answer)

    # Files -----------------------------------------------------------------------------------------

    async def download(self, token: str, *, url: str, limit: int) -> bytes | Failed | None:
        """A shared file's bytes (needs files:read), or None when it is larger than `limit` or lives
        anywhere but Slack's file hosts and SLACK_API_URL's origin (`files.may_fetch`): the token
        goes nowhere else, and a redirect is followed only while it stays there."""
        for _ in range(MAX_REDIRECTS + 1):
            if not may_fetch(url, api_url=self.base_url):
                return None
            try:
                async with self._session().get(
                    url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False
                ) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        location = response.headers.get("Location")
                        if not location:
                            return None
                        url = str(response.url.join(URL(location)))
                        continue
                    if response.status != 200:
                        return classify(
                            method="file download",
                            status=response.status,
                            error=None,
                            retry_after=response.headers.get("Retry-After"),
                            where="the file",
                        )
                    if (response.content_length or 0) > limit:
                        return None
                    content = await response.content.read(limit + 1)
                    return None if len(content) > limit else content
            except TimeoutError:
                return TransientFailure("Slack file download: timed out")
            except (aiohttp.ClientError, ValueError) as exc:
                return TransientFailure(f"Slack file download: {type(exc).__name__}")
        return None


A = TypeVar("A", bound=BaseModel)


def _typed(model: type[A], method: str, answer: Data | Failed) -> A | Failed:
    """Slack's answer as `model`; an answer of another shape cannot get better by retrying."""
    if not isinstance(answer, dict):
        return answer
    try:
        return model.model_validate(answer)
    except ValidationError:
        return PermanentFailure(UNEXPECTED_ANSWER.format(method=method))
