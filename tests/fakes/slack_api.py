"""A fake Slack Web API on loopback, for the real slack_sdk and slack-bolt (via SLACK_API_URL).

It follows Slack's documented behaviour (../shared/reference/slack.md §3–§5): errors as HTTP 200
`{"ok": false, "error": …}`, rate limits as HTTP 429 with `Retry-After`, trigger_ids that expire 3
seconds after they were issued and work once, chat.postMessage answering a fresh `ts`, auth.test
announcing scopes in `x-oauth-scopes`, oauth.v2.access with HTTP Basic client credentials. It keeps
a small world (workspaces, users, channel messages) that tests arrange, and records every call.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web

from tests.fakes.loopback import LoopThread

WEB_API = Path(__file__).resolve().parent.parent / "fixtures" / "slack" / "web_api"
TRIGGER_SECONDS = 3.0
ALL_SCOPES = (
    "commands,chat:write,chat:write.customize,reactions:read,channels:history,groups:history,"
    "users:read,users:read.email,files:read,app_mentions:read"
)


@dataclass
class Workspace:
    team_id: str
    bot_token: str
    bot_user_id: str = "U0ASSISTBOT"
    bot_id: str = "B0ASSIST01"
    app_id: str = "A0ASSIST01"
    name: str = "Acme Customer"
    scopes: str = ALL_SCOPES
    revoked: bool = False


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    error: str | None = None


@dataclass
class Scripted:
    error: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: dict[str, Any] | None = None


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((WEB_API / f"{name}.json").read_text())
    return data


class FakeSlack:
    def __init__(self) -> None:
        self._thread = LoopThread("fake-slack")
        self._lock = threading.Lock()
        self.calls: list[Call] = []
        self.workspaces: dict[str, Workspace] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.posted: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.file_redirects: dict[str, str] = {}  # file id -> where its download redirects
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (team, redirect_uri)
        self.oauth_client = ("1111.2222", "client-secret")
        self.app_token = "xapp-1-A0ASSIST01-test"
        self._triggers: dict[str, tuple[float, bool]] = {}
        self._script: dict[str, deque[Scripted]] = defaultdict(deque)
        self._channel_status: dict[str, Scripted] = {}
        self._ts = itertools.count(1)
        self.lose_answers: dict[str, int] = {}  # method -> how many successes to answer with a 502
        self.lose_only: Callable[[dict[str, Any]], bool] | None = None  # which calls may be lost
        self.post_interval: float = 0.0  # > 0: at most one chat.postMessage per channel per interval
        self.interval_tolerance = 0.02
        self._last_post: dict[str, float] = {}
        self.rate_limited = 0
        self._socket: web.WebSocketResponse | None = None
        self._socket_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._socket_ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self.port = self._thread.call(self._start())
        self.api_url = f"http://127.0.0.1:{self.port}/api/"

    # Server ------------------------------------------------------------------------------------------

    async def _start(self) -> int:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        app.router.add_get("/files/{file_id}", self._file)
        app.router.add_get("/socket", self._socket_endpoint)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        return int(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    def close(self) -> None:
        if self._runner is not None:
            self._thread.call(self._runner.cleanup())
        self._thread.close()

    # Arranging the world -----------------------------------------------------------------------------

    def add_workspace(self, team_id: str, token: str, **kw: Any) -> Workspace:
        workspace = Workspace(team_id=team_id, bot_token=token, **kw)
        with self._lock:
            self.workspaces[token] = workspace
        return workspace

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        email: str | None,
        locale: str = "en-US",
        team_id: str = "T0A1B2C3D4",
    ) -> None:
        profile: dict[str, Any] = {"real_name": name, "display_name": name.split()[0].lower()}
        if email is not None:
            profile["email"] = email
        with self._lock:
            self.users[user_id] = {
                "id": user_id,
                "team_id": team_id,
                "name": name.split()[0].lower(),
                "real_name": name,
                "deleted": False,
                "is_bot": False,
                "locale": locale,
                "profile": profile,
            }

    def add_message(
        self, channel: str, ts: str, *, user: str, text: str, thread_ts: str | None = None
    ) -> None:
        message = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        message["permalink"] = f"https://acme-customer.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        with self._lock:
            self.messages[(channel, ts)] = message

    def add_file(self, file_id: str, content: bytes) -> str:
        with self._lock:
            self.files[file_id] = content
        return f"http://127.0.0.1:{self.port}/files/{file_id}"

    def trigger(self) -> str:
        trigger_id = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = (time.monotonic(), False)
        return trigger_id

    def script(self, method: str, *answers: Scripted) -> None:
        with self._lock:
            self._script[method].extend(answers)

    def channel_answers(self, channel: str, answer: Scripted | None) -> None:
        """Every chat.* call to `channel` gets `answer` (None: back to normal)."""
        with self._lock:
            if answer is None:
                self._channel_status.pop(channel, None)
            else:
                self._channel_status[channel] = answer

    # Reading what happened ---------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.error is None and c.status == 200]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 15.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        found: list[Call] = []
        while time.monotonic() < deadline:
            found = [c for c in self.calls_to(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"fake Slack got {len(found)} successful {method} calls, expected {count}")

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """What a person sees in a thread: the app's current messages there, oldest first."""
        with self._lock:
            return sorted(
                (
                    m
                    for (ch, _), m in self.posted.items()
                    if ch == channel and m.get("thread_ts") == thread_ts
                ),
                key=lambda m: m["ts"],
            )

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.messages.clear()
            self.posted.clear()
            self.views.clear()
            self.users.clear()
            self.files.clear()
            self.file_redirects.clear()
            self._script.clear()
            self._channel_status.clear()
            self._last_post.clear()
            self.rate_limited = 0
            self.lose_answers.clear()
            self.lose_only = None
            self.post_interval = 0.0
            for workspace in self.workspaces.values():
                workspace.revoked = False
                workspace.scopes = ALL_SCOPES

    # Web API -----------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST":
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        with self._lock:
            script = self._script[method].popleft() if self._script[method] else None
            channel_rule = (
                self._channel_status.get(str(args.get("channel", ""))) if method.startswith("chat.") else None
            )
        rule = script or channel_rule
        if rule is not None:
            if rule.delay:
                await asyncio.sleep(rule.delay)
            if rule.error or rule.status != 200 or rule.body is not None:
                body = rule.body if rule.body is not None else {"ok": False, "error": rule.error}
                return self._answer(method, args, token, rule.status, body, rule.headers)
        status, body, headers = self._handle(method, args, token, request)
        with self._lock:
            lose = (
                self.lose_answers.get(method, 0) > 0
                and body.get("ok") is True
                and (self.lose_only is None or self.lose_only(args))
            )
            if lose:
                self.lose_answers[method] -= 1
        if lose:  # done, but the answer never reaches the app (a proxy fails, a connection drops)
            return self._answer(method, args, token, 502, {"ok": False, "error": "bad_gateway"})
        return self._answer(method, args, token, status, body, headers)

    def _answer(
        self,
        method: str,
        args: dict[str, Any],
        token: str | None,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        with self._lock:
            self.calls.append(
                Call(
                    method,
                    args,
                    token,
                    time.monotonic(),
                    status,
                    None if body.get("ok") else body.get("error"),
                )
            )
            if status == 429:
                self.rate_limited += 1
        return web.json_response(body, status=status, headers=headers or {})

    def _workspace(self, token: str | None) -> Workspace | None:
        workspace = self.workspaces.get(token or "")
        return None if workspace is None or workspace.revoked else workspace

    def _handle(
        self, method: str, args: dict[str, Any], token: str | None, request: web.Request
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "oauth.v2.access":
            return self._oauth_access(args, request)
        if method == "apps.connections.open":
            if token != self.app_token:
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            return 200, {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}, {}
        workspace = self._workspace(token)
        if workspace is None:
            error = "token_revoked" if token in self.workspaces else "invalid_auth"
            return 200, {"ok": False, "error": error}, {}
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": True}, {}
        result: tuple[int, dict[str, Any], dict[str, str]] = handler(workspace, args)
        return result

    def _m_auth_test(self, ws: Workspace, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        body = {
            **sample("auth.test.ok"),
            "team_id": ws.team_id,
            "team": ws.name,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
        }
        return 200, body, {"x-oauth-scopes": ws.scopes}

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _scope(self, ws: Workspace, scope: str) -> dict[str, Any] | None:
        if scope in ws.scopes.split(","):
            return None
        return {"ok": False, "error": "missing_scope", "needed": scope, "provided": ws.scopes}

    def _m_chat_postMessage(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        channel = str(args["channel"])
        now = time.monotonic()
        if self.post_interval > 0:
            last = self._last_post.get(channel)
            if last is not None and now - last < self.post_interval - self.interval_tolerance:
                wait = max(1, round(self.post_interval - (now - last) + 0.4))
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}
            self._last_post[channel] = now
        if args.get("username") and (missing := self._scope(ws, "chat:write.customize")):
            return 200, missing, {}
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": ws.app_id,
            "text": args.get("text", ""),
            "blocks": args.get("blocks"),
            "ts": ts,
            "username": args.get("username"),
        }
        metadata = args.get("metadata")
        if isinstance(metadata, str) and metadata:
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        with self._lock:
            self.posted[(channel, ts)] = message
        return 200, {"ok": True, "channel": channel, "ts": ts, "message": message}, {}

    def _history(self, ws: Workspace, args: dict[str, Any], thread_ts: str | None) -> dict[str, Any]:
        """conversations.replies (a thread: its parent and replies) or .history (the channel's top
        level), newest last; metadata only with include_all_metadata, as Slack does."""
        channel = str(args["channel"])
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
        with self._lock:
            found = [
                dict(m)
                for (ch, ts), m in self.posted.items()
                if ch == channel
                and float(ts) >= oldest
                and (
                    m.get("thread_ts") == thread_ts or ts == thread_ts
                    if thread_ts
                    else not m.get("thread_ts")
                )
            ]
        for message in found:
            if not with_metadata:
                message.pop("metadata", None)
        return {"ok": True, "messages": sorted(found, key=lambda m: m["ts"]), "has_more": False}

    def _m_conversations_replies(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if missing := self._scope(ws, "channels:history"):
            return 200, missing, {}
        return 200, self._history(ws, args, str(args["ts"])), {}

    def _m_conversations_history(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if missing := self._scope(ws, "channels:history"):
            return 200, missing, {}
        return 200, self._history(ws, args, None), {}

    def _m_chat_postEphemeral(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        return 200, {"ok": True, "message_ts": self._next_ts()}, {}

    def _m_chat_update(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        key = (str(args["channel"]), str(args["ts"]))
        with self._lock:
            message = self.posted.get(key)
            if message is None:
                return 200, {"ok": False, "error": "message_not_found"}, {}
            if len(str(args.get("text", ""))) > 4000:
                return 200, {"ok": False, "error": "msg_too_long"}, {}
            message.update({"text": args.get("text", ""), "blocks": args.get("blocks"), "edited": True})
        return 200, {"ok": True, "channel": key[0], "ts": key[1], "text": args.get("text", "")}, {}

    def _m_chat_delete(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        key = (str(args["channel"]), str(args["ts"]))
        with self._lock:
            if self.posted.pop(key, None) is None:
                return 200, {"ok": False, "error": "message_not_found"}, {}
        return 200, {"ok": True, "channel": key[0], "ts": key[1]}, {}

    def _m_reactions_get(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if missing := self._scope(ws, "reactions:read"):
            return 200, missing, {}
        channel, ts = str(args["channel"]), str(args["timestamp"])
        with self._lock:
            message = self.messages.get((channel, ts))
        if message is None:
            return 200, {"ok": False, "error": "message_not_found"}, {}
        return 200, {"ok": True, "type": "message", "channel": channel, "message": message}, {}

    def _m_users_info(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            user = self.users.get(str(args["user"]))
        if user is None:
            return 200, {"ok": False, "error": "user_not_found"}, {}
        shown = json.loads(json.dumps(user))
        if "users:read.email" not in ws.scopes.split(","):
            shown["profile"].pop("email", None)
        if str(args.get("include_locale", "")).lower() not in ("true", "1"):
            shown.pop("locale", None)
        return 200, {"ok": True, "user": shown}, {}

    def _m_views_open(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        trigger_id = str(args.get("trigger_id", ""))
        with self._lock:
            issued = self._triggers.get(trigger_id)
            if issued is None:
                return 200, {"ok": False, "error": "invalid_trigger_id"}, {}
            if issued[1]:
                return 200, {"ok": False, "error": "exchanged_trigger_id"}, {}
            if time.monotonic() - issued[0] > TRIGGER_SECONDS:
                return 200, {"ok": False, "error": "expired_trigger_id"}, {}
            self._triggers[trigger_id] = (issued[0], True)
        view = args["view"] if isinstance(args["view"], dict) else json.loads(args["view"])
        opened = {
            **view,
            "id": f"V{secrets.token_hex(5).upper()}",
            "hash": secrets.token_hex(6),
            "team_id": ws.team_id,
            "app_id": ws.app_id,
            "bot_id": ws.bot_id,
            "app_installed_team_id": ws.team_id,
        }
        with self._lock:
            self.views[opened["id"]] = opened
        args["_opened_id"] = opened["id"]
        return 200, {"ok": True, "view": opened}, {}

    def _m_views_update(
        self, ws: Workspace, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        view_id = str(args.get("view_id", ""))
        with self._lock:
            current = self.views.get(view_id)
            if current is None:
                return 200, {"ok": False, "error": "not_found"}, {}
            if args.get("hash") and args["hash"] != current["hash"]:
                return 200, {"ok": False, "error": "hash_conflict"}, {}
            view = args["view"] if isinstance(args["view"], dict) else json.loads(args["view"])
            updated = {**current, **view, "hash": secrets.token_hex(6)}
            self.views[view_id] = updated
        return 200, {"ok": True, "view": updated}, {}

    # OAuth -------------------------------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        """The user approving the install: Slack redirects back with a code and the state."""
        query = request.query
        team = query.get("team") or "T0INSTALL01"
        code = secrets.token_hex(8)
        with self._lock:
            self.codes[code] = (team, query.get("redirect_uri", ""))
            self.calls.append(Call("oauth/v2/authorize", dict(query), None, time.monotonic()))
        target = f"{query.get('redirect_uri')}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        raise web.HTTPFound(target)

    def _oauth_access(
        self, args: dict[str, Any], request: web.Request
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        auth = request.headers.get("Authorization", "")
        client = base64.b64decode(auth[6:]).decode() if auth.startswith("Basic ") else ""
        if client != ":".join(self.oauth_client):
            return 200, {"ok": False, "error": "bad_client_secret"}, {}
        with self._lock:
            found = self.codes.pop(str(args.get("code", "")), None)
        if found is None:
            return 200, {"ok": False, "error": "invalid_code"}, {}
        team, redirect_uri = found
        if args.get("redirect_uri") and args["redirect_uri"] != redirect_uri:
            return 200, {"ok": False, "error": "bad_redirect_uri"}, {}
        token = f"xoxb-{team}-{secrets.token_hex(6)}"
        self.add_workspace(team, token, bot_user_id=f"U{team[1:]}BOT", bot_id=f"B{team[1:]}")
        return (
            200,
            {
                "ok": True,
                "access_token": token,
                "token_type": "bot",
                "scope": ALL_SCOPES,
                "bot_user_id": f"U{team[1:]}BOT",
                "app_id": "A0ASSIST01",
                "team": {"name": f"Team {team}", "id": team},
                "enterprise": None,
                "authed_user": {"id": "U0INSTALLER"},
                "is_enterprise_install": False,
            },
            {},
        )

    async def _file(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        workspace = self._workspace(auth[7:] if auth.startswith("Bearer ") else None)
        content = self.files.get(request.match_info["file_id"])
        with self._lock:
            self.calls.append(
                Call("files.download", {"id": request.match_info["file_id"]}, None, time.monotonic())
            )
        moved = self.file_redirects.get(request.match_info["file_id"])
        if moved is not None:
            raise web.HTTPFound(moved)
        if workspace is None or "files:read" not in workspace.scopes.split(","):
            # What files.slack.com does without access: a login page, not an error status.
            return web.Response(text="<html>sign in</html>", content_type="text/html")
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    # Socket Mode -------------------------------------------------------------------------------------

    async def _socket_endpoint(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0ASSIST01"}}
        )
        self._socket_ready.set()
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            future = self._socket_acks.pop(str(data.get("envelope_id")), None)
            if future is not None and not future.done():
                future.set_result(data)
        return ws

    def socket_connected(self, timeout: float = 15.0) -> bool:
        return self._socket_ready.wait(timeout)

    def socket_send(self, kind: str, payload: dict[str, Any], *, timeout: float = 10.0) -> dict[str, Any]:
        """Deliver an envelope over Socket Mode and wait for the app's ack."""

        async def send() -> dict[str, Any]:
            assert self._socket is not None
            envelope_id = secrets.token_hex(8)
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._socket_acks[envelope_id] = future
            await self._socket.send_json(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": True,
                }
            )
            return await asyncio.wait_for(future, timeout)

        return self._thread.call(send(), timeout=timeout + 1)
