"""The long connection's side of the fake Lark: `POST /callback/ws/endpoint` hands out a WebSocket URL,
and `push` sends an event frame (lark-oapi's protobuf `Frame`) and returns what the client's ack frame
carried (`{"code": 200}` for events; the callback's answer, base64 in `data`, for card actions)."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.lark_api import FakeLark


class LongConnectionEndpoint:
    def __init__(self, fake: FakeLark) -> None:
        self._fake = fake
        self._clients: list[web.WebSocketResponse] = []
        self._waiting: dict[str, asyncio.Future[dict[str, Any] | None]] = {}

    def install(self, app: web.Application) -> None:
        app.router.add_post("/callback/ws/endpoint", self._endpoint)
        app.router.add_get("/ws", self._socket)

    def connected(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._clients:
                return True
            time.sleep(0.02)
        return False

    def push(self, body: dict[str, Any], *, timeout: float = 10.0) -> dict[str, Any] | None:
        return self._fake._thread.call(self._push(body, timeout), timeout=timeout + 1)

    async def _endpoint(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("AppID") != self._fake.app_id or body.get("AppSecret") != self._fake.app_secret:
            return web.json_response({"code": 514, "msg": "auth failed"})
        url = f"ws://127.0.0.1:{self._fake.port}/ws?device_id=fake-device&service_id=7"
        config = {"ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 120}
        return web.json_response({"code": 0, "msg": "ok", "data": {"URL": url, "ClientConfig": config}})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        from lark_oapi.ws.pb.pbbp2_pb2 import Frame

        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._clients.append(socket)
        try:
            async for message in socket:
                if message.type != web.WSMsgType.BINARY:
                    continue
                frame = Frame()
                frame.ParseFromString(message.data)
                headers = {h.key: h.value for h in frame.headers}
                waiting = self._waiting.pop(headers.get("message_id", ""), None)
                if waiting is not None and not waiting.done():
                    answer = json.loads(frame.payload or b"{}")
                    data = answer.get("data")
                    waiting.set_result(
                        json.loads(base64.b64decode(data)) if data else {"code": answer.get("code")}
                    )
        finally:
            self._clients.remove(socket)
        return socket

    async def _push(self, body: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        from lark_oapi.ws.pb.pbbp2_pb2 import Frame

        frame = Frame()
        frame.SeqID, frame.LogID, frame.service, frame.method = 1, 1, 7, 1  # method 1: a data frame
        message_id = secrets.token_hex(8)
        for key, value in (
            ("type", "event"),
            ("message_id", message_id),
            ("trace_id", "t"),
            ("sum", "1"),
            ("seq", "0"),
        ):
            header = frame.headers.add()
            header.key, header.value = key, value
        frame.payload = json.dumps(body).encode()
        answer: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = answer
        await self._clients[0].send_bytes(frame.SerializeToString())
        return await asyncio.wait_for(answer, timeout)
