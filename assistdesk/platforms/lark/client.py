"""The Open API calls the bot makes, through lark-oapi, each answered with an Outcome.

lark-oapi fetches and caches the tenant_access_token itself (until 10 minutes before it expires, in
a process-wide cache keyed by app id); when Lark refuses a cached token we drop it so the next
attempt fetches a new one. The SDK's calls are synchronous (`requests`), and even its `a*` twins
fetch tokens synchronously, so every call runs in a worker thread: the event loop never blocks.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
import lark_oapi as lark
from lark_oapi.api.contact.v3 import GetUserRequest
from lark_oapi.api.im.v1 import (
    CreateMessageRequest,
    CreateMessageRequestBody,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)
from lark_oapi.core.exception import ObtainAccessTokenException
from lark_oapi.core.token import TokenManager

from assistdesk.outcomes import Delivered, Outcome, TransientFailure
from assistdesk.platforms.lark import codes

ALREADY_DELETED = 18051  # ephemeral/v1/delete: the user removed the card already
JSON_UTF8 = "application/json; charset=utf-8"
LOOKUP_SECONDS = 3.0


class LarkUnavailable(RuntimeError):
    """Lark could not be asked (network, credentials); the caller decides whether to wait."""


@dataclass(frozen=True)
class LarkUser:
    open_id: str
    name: str
    email: str | None


def _card_content(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False, separators=(",", ":"))


class LarkApi:
    def __init__(self, *, app_id: str, app_secret: str, domain: str, timeout: float = 8.0) -> None:
        self.app_id = app_id
        self._client = (
            lark.Client.builder()
            .app_id(app_id)
            .app_secret(app_secret)
            .domain(domain)
            .timeout(timeout)
            .log_level(lark.LogLevel.WARNING)
            .build()
        )
        self._bot_open_id: str | None = None
        self._bot_lock = threading.Lock()

    # Messages --------------------------------------------------------------------------------

    async def send_ephemeral(self, *, chat_id: str, open_id: str, card: dict[str, Any]) -> Outcome:
        """https://open.larksuite.com/document/ukTMukTMukTM/uETOyYjLxkjM24SM5IjN: `card` is an object
        here (a JSON string elsewhere), and the API takes no `uuid`."""
        body = {"chat_id": chat_id, "open_id": open_id, "msg_type": "interactive", "card": card}
        return await self._raw(lark.HttpMethod.POST, "/open-apis/ephemeral/v1/send", body)

    async def delete_ephemeral(self, *, message_id: str) -> Outcome:
        return await self._raw(
            lark.HttpMethod.POST, "/open-apis/ephemeral/v1/delete", {"message_id": message_id}
        )

    async def reply_card(self, *, message_id: str, card: dict[str, Any], uuid: str) -> Outcome:
        """A reply in the thread of `message_id`; `uuid` makes Lark post it at most once an hour."""
        request = (
            ReplyMessageRequest.builder()
            .message_id(message_id)
            .request_body(
                ReplyMessageRequestBody.builder()
                .msg_type("interactive")
                .content(_card_content(card))
                .reply_in_thread(True)
                .uuid(uuid)
                .build()
            )
            .build()
        )
        return await self._generated(lambda: self._client.im.v1.message.reply(request))

    async def send_card(self, *, chat_id: str, card: dict[str, Any], uuid: str) -> Outcome:
        request = (
            CreateMessageRequest.builder()
            .receive_id_type("chat_id")
            .request_body(
                CreateMessageRequestBody.builder()
                .receive_id(chat_id)
                .msg_type("interactive")
                .content(_card_content(card))
                .uuid(uuid)
                .build()
            )
            .build()
        )
        return await self._generated(lambda: self._client.im.v1.message.create(request))

    async def patch_card(self, *, message_id: str, card: dict[str, Any]) -> Outcome:
        request = (
            PatchMessageRequest.builder()
            .message_id(message_id)
            .request_body(PatchMessageRequestBody.builder().content(_card_content(card)).build())
            .build()
        )
        return await self._generated(lambda: self._client.im.v1.message.patch(request))

    # People and the bot ----------------------------------------------------------------------

    async def user(self, open_id: str, *, within: float = LOOKUP_SECONDS) -> LarkUser | None:
        """Name and email from the contact API; None when Lark will not say (scope, other tenant) or
        not quickly: they only prefill a form, which must not wait long for them."""
        request = GetUserRequest.builder().user_id(open_id).user_id_type("open_id").build()
        try:
            with anyio.fail_after(within):
                response = await anyio.to_thread.run_sync(
                    lambda: self._client.contact.v3.user.get(request), abandon_on_cancel=True
                )
        except Exception:
            return None
        if not response.success() or response.data is None or response.data.user is None:
            return None
        user = response.data.user
        email = user.email or user.enterprise_email or None
        return LarkUser(open_id=open_id, name=user.name or "", email=email)

    def bot_open_id(self) -> str:
        """The bot's own open_id (https://open.larksuite.com/document/ukTMukTMukTM/uAjMxEjLwITMx4CMyETM),
        asked once per process: it tells mentions of the bot from others. Blocking; raises
        LarkUnavailable."""
        if self._bot_open_id is not None:
            return self._bot_open_id
        with self._bot_lock:
            if self._bot_open_id is None:
                self._bot_open_id = self._fetch_bot_open_id()
            return self._bot_open_id

    def _fetch_bot_open_id(self) -> str:
        request = (
            lark.BaseRequest.builder()
            .http_method(lark.HttpMethod.GET)
            .uri("/open-apis/bot/v3/info")
            .token_types({lark.AccessTokenType.TENANT})
            .build()
        )
        try:
            response = self._client.request(request)
            data = json.loads(response.raw.content or b"{}")
        except Exception as exc:
            raise LarkUnavailable(f"bot info: {type(exc).__name__}: {exc}") from exc
        data = data if isinstance(data, dict) else {}
        open_id = (data.get("bot") or {}).get("open_id")
        if data.get("code") != 0 or not open_id:
            self._check_token(data.get("code"))
            raise LarkUnavailable(f"bot info: {codes.describe(data.get('code'), data.get('msg'))}")
        return str(open_id)

    # Plumbing --------------------------------------------------------------------------------

    async def _raw(self, method: lark.HttpMethod, uri: str, body: dict[str, Any]) -> Outcome:
        # lark-oapi's raw path sends no Content-Type unless told; Lark requires it.
        request = (
            lark.BaseRequest.builder()
            .http_method(method)
            .uri(uri)
            .token_types({lark.AccessTokenType.TENANT})
            .headers({"Content-Type": JSON_UTF8})
            .body(body)
            .build()
        )

        def call() -> Outcome:
            response = self._client.request(request)
            raw = response.raw
            try:
                data = json.loads(raw.content or b"{}")
            except ValueError:
                data = {}
            code = data.get("code") if isinstance(data, dict) else None
            if code == 0 or (code == ALREADY_DELETED and uri.endswith("/delete")):
                message_id = (data.get("data") or {}).get("message_id")
                return Delivered(reference=message_id, data={"message_id": message_id} if message_id else {})
            return self._failure(raw.status_code, code, data.get("msg"), raw.headers, response.get_log_id())

        return await self._in_thread(call)

    async def _generated(self, send: Callable[[], Any]) -> Outcome:
        def call() -> Outcome:
            response = send()
            raw = response.raw
            if response.success():
                # send/reply answer the message (with its thread); patch answers nothing
                posted = {k: getattr(response.data, k, None) for k in ("message_id", "root_id", "thread_id")}
                return Delivered(reference=posted["message_id"], data={k: v for k, v in posted.items() if v})
            return self._failure(
                raw.status_code if raw else None,
                response.code,
                response.msg,
                raw.headers if raw else {},
                response.get_log_id(),
            )

        return await self._in_thread(call)

    async def _in_thread(self, call: Callable[[], Outcome]) -> Outcome:
        try:
            return await anyio.to_thread.run_sync(call)
        except ObtainAccessTokenException as exc:
            return TransientFailure(f"cannot get a tenant_access_token: {codes.describe(exc.code, exc.msg)}")
        except Exception as exc:  # network errors, a body that is not JSON
            return TransientFailure(f"Lark unreachable: {type(exc).__name__}: {exc}")

    def _failure(
        self, status: int | None, code: Any, msg: Any, headers: dict[str, str], log_id: str | None
    ) -> Outcome:
        number = code if isinstance(code, int) else None
        self._check_token(number)
        return codes.failure(
            status=status, code=number, msg=str(msg) if msg else None, headers=headers, log_id=log_id
        )

    def _check_token(self, code: Any) -> None:
        if code in codes.TOKEN_REFUSED:
            # Expire the cached token now (the cache drops entries whose expiry has passed).
            TokenManager.cache.set(f"self_tenant_token:{self.app_id}", "", 0)
