"""A fake Lark Open API on loopback, following what the platform documents.

lark-oapi is pointed at it through LARK_DOMAIN (`http://127.0.0.1:<port>`, which the SDK allows for
loopback only). It implements what the bot calls, with the documented bodies and errors:

- `POST /open-apis/auth/v3/tenant_access_token/internal`: tokens at the top level with `expire`
  (seconds); every other call needs `Authorization: Bearer <live token>` (99991663 otherwise);
- `GET /open-apis/bot/v3/info` (`bot` at the top level);
- `POST /open-apis/ephemeral/v1/send` (`card` an object) and `/delete` (18051 when already gone);
- `POST /open-apis/im/v1/messages?receive_id_type=chat_id`, `POST …/messages/{id}/reply`,
  `PATCH …/messages/{id}`: `content` a JSON string; at most one message per `uuid` per hour (a
  repeated uuid answers with the message already sent); at most 5 messages per second per group
  (230020); cards checked like Lark checks JSON 2.0 (230099);
- `GET /open-apis/contact/v3/users/{open_id}` (41050 for users outside the contact scope);
- JSON bodies must say `Content-Type: application/json; charset=utf-8`;
- the long connection's endpoint and WebSocket (`tests/fakes/lark_ws.py`).

Tests script faults per endpoint (`fail`): an HTTP status and body (429 with `x-ogw-ratelimit-*`,
230020, 230002, 500), or `lose_answer` (the call takes effect, then the answer never arrives).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import lark_cards
from tests.fakes.lark_ws import LongConnectionEndpoint
from tests.fakes.loopback import LoopThread

BOT_OPEN_ID = "ou_7b1e0f3c9a2d4e5f8a6b7c8d9e0f1a2b"
ENDPOINTS = (
    "token", "bot", "ephemeral.send", "ephemeral.delete", "message.create",
    "message.reply", "message.patch", "contact.user",
)  # fmt: skip


@dataclass
class Fault:
    status: int = 500
    body: dict[str, Any] = field(default_factory=lambda: {"code": 1000004, "msg": "internal error"})
    headers: dict[str, str] = field(default_factory=dict)
    lose_answer: bool = False  # do the work, then hang until the client gives up


def rate_limited(reset: float = 1) -> Fault:
    return Fault(
        429,
        {"code": 99991400, "msg": "request trigger frequency limit"},
        {"x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": str(reset)},
    )


def chat_rate_limited() -> Fault:
    return Fault(400, {"code": 230020, "msg": "This operation triggers the frequency limit.", "data": {}})


def bot_not_in_chat() -> Fault:
    return Fault(400, {"code": 230002, "msg": "The bot can not be outside the group.", "data": {}})


@dataclass
class Posted:
    """A message as the group (or, for ephemeral cards, one person) sees it."""

    kind: str  # ephemeral, message, reply
    message_id: str
    chat_id: str
    msg_type: str
    content: Any  # the card (a dict) or the text
    open_id: str | None = None  # ephemeral: who sees it
    reply_to: str | None = None
    root_id: str | None = None
    thread_id: str | None = None
    in_thread: bool = False
    uuid: str | None = None
    deleted: bool = False
    versions: list[Any] = field(default_factory=list)  # earlier contents, when patched
    at: float = field(default_factory=time.monotonic)


class FakeLark:
    def __init__(self, *, app_id: str, app_secret: str, token_ttl: int = 7200) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_ttl = token_ttl
        self.users: dict[str, dict[str, str]] = {}
        self.chats_without_bot: set[str] = set()
        self.posted: list[Posted] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []  # (endpoint, what it was asked) in order
        self.answers: list[tuple[str, int, int]] = []  # (endpoint, HTTP status, code)
        self.tokens_issued: list[str] = []
        self.issued_at: list[float] = []  # time.monotonic() of each token
        self.user_messages: dict[str, str] = {}  # message id -> group, for messages people wrote
        self.enforce_chat_rate = True
        self._tokens: dict[str, float] = {}
        self._uuids: dict[str, tuple[float, str]] = {}
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._thread = LoopThread("fake-lark")
        self._runner: web.AppRunner | None = None
        self.long_connection = LongConnectionEndpoint(self)
        self.port = self._thread.call(self._start())
        self.url = f"http://127.0.0.1:{self.port}"

    # Test controls -------------------------------------------------------------------------

    def fail(self, endpoint: str, *faults: Fault) -> None:
        assert endpoint in ENDPOINTS, endpoint
        with self._lock:
            self._faults[endpoint].extend(faults)

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def visible(self, kind: str | None = None, chat_id: str | None = None) -> list[Posted]:
        with self._lock:
            return [
                p
                for p in self.posted
                if not p.deleted
                and (kind is None or p.kind == kind)
                and (chat_id is None or p.chat_id == chat_id)
            ]

    def wait_for(self, count: int, *, kind: str | None = None, timeout: float = 15.0) -> list[Posted]:
        deadline = time.monotonic() + timeout
        found: list[Posted] = []
        while time.monotonic() < deadline:
            found = self.visible(kind)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(
            f"fake Lark shows {len(found)} of {count} expected {kind or ''} messages: {found}"
        )

    def answered(self, endpoint: str) -> list[tuple[int, int]]:
        with self._lock:
            return [(status, code) for name, status, code in self.answers if name == endpoint]

    def close(self) -> None:
        if self._runner is not None:
            self._thread.call(self._runner.cleanup())
        self._thread.close()

    # Server --------------------------------------------------------------------------------

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_post("/open-apis/auth/v3/tenant_access_token/internal", self._token)
        app.router.add_get("/open-apis/bot/v3/info", self._bot)
        app.router.add_post("/open-apis/ephemeral/v1/send", self._ephemeral_send)
        app.router.add_post("/open-apis/ephemeral/v1/delete", self._ephemeral_delete)
        app.router.add_post("/open-apis/im/v1/messages", self._create)
        app.router.add_post("/open-apis/im/v1/messages/{message_id}/reply", self._reply)
        app.router.add_patch("/open-apis/im/v1/messages/{message_id}", self._patch)
        app.router.add_get("/open-apis/contact/v3/users/{user_id}", self._user)
        self.long_connection.install(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    def _answer(self, endpoint: str, body: dict[str, Any], status: int = 200, **headers: str) -> web.Response:
        with self._lock:
            self.answers.append((endpoint, status, int(body.get("code", 0))))
        return web.json_response(body, status=status, headers=headers or None)

    def _error(self, endpoint: str, status: int, code: int, msg: str) -> web.Response:
        return self._answer(endpoint, {"code": code, "msg": msg, "data": {}}, status)

    async def _fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            return self._faults[endpoint].popleft() if self._faults[endpoint] else None

    async def _deliver(self, endpoint: str, fault: Fault | None, answer: web.Response) -> web.Response:
        if fault is not None and fault.lose_answer:
            await asyncio.sleep(3600)
        return answer

    def _authorised(self, request: web.Request) -> bool:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and expires > time.time()

    async def _json(self, request: web.Request) -> dict[str, Any] | None:
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return None
        value = json.loads(await request.read() or b"{}")
        return value if isinstance(value, dict) else None

    async def _guard(
        self, request: web.Request, endpoint: str
    ) -> tuple[web.Response | None, dict[str, Any], Fault | None]:
        """Auth, body and scripted faults, in Lark's order; an answer here ends the call."""
        if not self._authorised(request):
            return self._error(endpoint, 400, 99991663, "Invalid access token for authorization."), {}, None
        body: dict[str, Any] = {}
        if request.method in ("POST", "PATCH"):
            parsed = await self._json(request)
            if parsed is None:
                return (
                    self._error(endpoint, 400, 9499, "Bad Request: Content-Type must be application/json"),
                    {},
                    None,
                )
            body = parsed
        with self._lock:
            self.calls.append((endpoint, {**body, **dict(request.query), **dict(request.match_info)}))
        fault = await self._fault(endpoint)
        if fault is not None and not fault.lose_answer:
            return self._answer(endpoint, fault.body, fault.status, **fault.headers), body, None
        return None, body, fault

    # Auth and identity ------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        # lark-oapi posts this one without a Content-Type, and Lark accepts it.
        body = json.loads(await request.read() or b"{}")
        fault = await self._fault("token")
        if fault is not None:
            return self._answer("token", fault.body, fault.status, **fault.headers)
        if body.get("app_id") != self.app_id or body.get("app_secret") != self.app_secret:
            return self._answer("token", {"code": 10014, "msg": "app secret invalid"}, 400)
        token = "t-" + secrets.token_hex(20)
        with self._lock:
            self._tokens[token] = time.time() + self.token_ttl
            self.tokens_issued.append(token)
            self.issued_at.append(time.monotonic())
        return self._answer(
            "token", {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": self.token_ttl}
        )

    async def _bot(self, request: web.Request) -> web.Response:
        refused, _, _fault = await self._guard(request, "bot")
        if refused is not None:
            return refused
        bot = {
            "activate_status": 2,
            "app_name": "Support Bot",
            "avatar_url": "",
            "ip_white_list": [],
            "open_id": BOT_OPEN_ID,
        }
        return self._answer("bot", {"code": 0, "msg": "ok", "bot": bot})

    async def _user(self, request: web.Request) -> web.Response:
        refused, _, fault = await self._guard(request, "contact.user")
        if refused is not None:
            return refused
        user = self.users.get(request.match_info["user_id"])
        if user is None or request.query.get("user_id_type", "open_id") != "open_id":
            return self._error("contact.user", 400, 41050, "no user authority error")
        data = {"user": {"open_id": request.match_info["user_id"], **user}}
        return await self._deliver(
            "contact.user", fault, self._answer("contact.user", {"code": 0, "msg": "success", "data": data})
        )

    # Messages ---------------------------------------------------------------------------------

    def _new_id(self) -> str:
        return f"om_fake{next(self._ids):06d}"

    def _card_refused(self, endpoint: str, card: Any) -> web.Response | None:
        found = lark_cards.problems(card)
        if not found:
            return None
        return self._error(
            endpoint,
            400,
            230099,
            "Failed to create card content, ext=ErrCode: 200621; ErrMsg: " + "; ".join(found),
        )

    def _over_rate(self, chat_id: str) -> bool:
        """Lark: 5 QPS per group, shared by every bot in it."""
        if not self.enforce_chat_rate:
            return False
        now = time.monotonic()
        with self._lock:
            recent = self._recent[chat_id]
            while recent and recent[0] <= now - 1.0:
                recent.popleft()
            if len(recent) >= 5:
                return True
            recent.append(now)
            return False

    def _seen_uuid(self, uuid: str | None) -> Posted | None:
        if not uuid:
            return None
        with self._lock:
            found = self._uuids.get(uuid)
            if found is None or found[0] < time.time() - 3600:
                return None
            return next(p for p in self.posted if p.message_id == found[1])

    def _message_body(self, posted: Posted) -> dict[str, Any]:
        content = posted.content if isinstance(posted.content, str) else json.dumps(posted.content)
        data = {
            "message_id": posted.message_id, "root_id": posted.root_id, "parent_id": posted.reply_to,
            "thread_id": posted.thread_id, "msg_type": posted.msg_type, "chat_id": posted.chat_id,
            "deleted": False, "updated": False, "body": {"content": content},
            "sender": {"id": self.app_id, "id_type": "app_id", "sender_type": "app", "tenant_key": "fake"},
        }  # fmt: skip
        return {"code": 0, "msg": "success", "data": {k: v for k, v in data.items() if v is not None}}

    def _content(self, endpoint: str, body: dict[str, Any]) -> tuple[Any, web.Response | None]:
        msg_type = body.get("msg_type")
        try:
            content = json.loads(body.get("content") or "")
        except (TypeError, ValueError):
            return None, self._error(endpoint, 400, 230001, "content must be a JSON string")
        if msg_type == "interactive":
            return content, self._card_refused(endpoint, content)
        if msg_type == "text" and isinstance(content, dict) and isinstance(content.get("text"), str):
            return content["text"], None
        return None, self._error(endpoint, 400, 230001, f"unsupported msg_type {msg_type!r} for this fake")

    async def _create(self, request: web.Request) -> web.Response:
        refused, body, fault = await self._guard(request, "message.create")
        if refused is not None:
            return refused
        chat_id = str(body.get("receive_id", ""))
        if request.query.get("receive_id_type") != "chat_id":
            return self._error("message.create", 400, 230001, "receive_id_type must be chat_id here")
        return await self._post(
            "message.create", fault, body, Posted("message", "", chat_id, str(body.get("msg_type")), None)
        )

    async def _reply(self, request: web.Request) -> web.Response:
        refused, body, fault = await self._guard(request, "message.reply")
        if refused is not None:
            return refused
        parent = request.match_info["message_id"]
        with self._lock:
            known = next((p for p in self.posted if p.message_id == parent), None)
        root = (known.root_id or known.message_id) if known else parent
        chat_id = known.chat_id if known else self.user_messages.get(parent, "")
        if not chat_id:
            return self._error("message.reply", 400, 230001, f"no message {parent}")
        in_thread = bool(body.get("reply_in_thread"))
        posted = Posted(
            "reply",
            "",
            chat_id,
            str(body.get("msg_type")),
            None,
            reply_to=parent,
            root_id=root,
            in_thread=in_thread,
        )
        posted.thread_id = f"omt_{root[-12:]}" if in_thread else None
        return await self._post("message.reply", fault, body, posted)

    def said(self, message_id: str, chat_id: str) -> None:
        """Tell the fake a person wrote `message_id` in `chat_id` (so replies know their group)."""
        with self._lock:
            self.user_messages[message_id] = chat_id

    async def _post(
        self, endpoint: str, fault: Fault | None, body: dict[str, Any], posted: Posted
    ) -> web.Response:
        uuid = body.get("uuid")
        if uuid is not None and (not isinstance(uuid, str) or len(uuid) > 50):
            return self._error(endpoint, 400, 230001, "uuid must be at most 50 characters")
        earlier = self._seen_uuid(uuid)
        if earlier is not None:
            return await self._deliver(endpoint, fault, self._answer(endpoint, self._message_body(earlier)))
        if posted.chat_id in self.chats_without_bot:
            return self._error(endpoint, 400, 230002, "The bot can not be outside the group.")
        content, refused = self._content(endpoint, body)
        if refused is not None:
            return refused
        if self._over_rate(posted.chat_id):
            return self._error(endpoint, 400, 230020, "This operation triggers the frequency limit.")
        posted.message_id, posted.content, posted.uuid = self._new_id(), content, uuid
        with self._lock:
            self.posted.append(posted)
            if uuid:
                self._uuids[uuid] = (time.time(), posted.message_id)
        return await self._deliver(endpoint, fault, self._answer(endpoint, self._message_body(posted)))

    async def _patch(self, request: web.Request) -> web.Response:
        refused, body, fault = await self._guard(request, "message.patch")
        if refused is not None:
            return refused
        with self._lock:
            target = next((p for p in self.posted if p.message_id == request.match_info["message_id"]), None)
        if target is None or target.kind == "ephemeral":
            return self._error("message.patch", 400, 230001, "no such message of this bot")
        if target.msg_type != "interactive":
            return self._error("message.patch", 400, 230001, "only cards can be updated")
        try:
            card = json.loads(body.get("content") or "")
        except ValueError:
            return self._error("message.patch", 400, 230001, "content must be a JSON string")
        if (refusal := self._card_refused("message.patch", card)) is not None:
            return refusal
        with self._lock:
            target.versions.append(target.content)
            target.content = card
        return await self._deliver(
            "message.patch", fault, self._answer("message.patch", {"code": 0, "msg": "success", "data": {}})
        )

    async def _ephemeral_send(self, request: web.Request) -> web.Response:
        refused, body, fault = await self._guard(request, "ephemeral.send")
        if refused is not None:
            return refused
        chat_id, card = str(body.get("chat_id", "")), body.get("card")
        if not chat_id or not body.get("open_id") or body.get("msg_type") != "interactive":
            return self._error(
                "ephemeral.send", 400, 230001, "chat_id, open_id and msg_type interactive are required"
            )
        if not isinstance(card, dict):
            return self._error("ephemeral.send", 400, 230001, "card must be an object")
        if chat_id in self.chats_without_bot:
            return self._error("ephemeral.send", 400, 230002, "The bot can not be outside the group.")
        if (refusal := self._card_refused("ephemeral.send", card)) is not None:
            return refusal
        posted = Posted(
            "ephemeral", self._new_id(), chat_id, "interactive", card, open_id=str(body["open_id"])
        )
        with self._lock:
            self.posted.append(posted)
        answer = self._answer(
            "ephemeral.send", {"code": 0, "msg": "ok", "data": {"message_id": posted.message_id}}
        )
        return await self._deliver("ephemeral.send", fault, answer)

    async def _ephemeral_delete(self, request: web.Request) -> web.Response:
        refused, body, fault = await self._guard(request, "ephemeral.delete")
        if refused is not None:
            return refused
        with self._lock:
            target = next(
                (p for p in self.posted if p.message_id == body.get("message_id") and p.kind == "ephemeral"),
                None,
            )
            gone = target is None or target.deleted
            if target is not None:
                target.deleted = True
        if gone:
            return self._answer("ephemeral.delete", {"code": 18051, "msg": "message has been deleted"}, 400)
        return await self._deliver(
            "ephemeral.delete", fault, self._answer("ephemeral.delete", {"code": 0, "msg": "ok"})
        )
