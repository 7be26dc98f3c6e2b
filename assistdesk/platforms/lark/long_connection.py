"""Receiving events over lark-oapi's WebSocket client (no public URL needed).

https://open.larksuite.com/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/use-websocket
Limits Lark documents: custom (self-built) apps only; at most 50 connections per app; each event goes
to one connection chosen at random (no broadcast); an event not acknowledged within 3 s is pushed
again. No Encrypt Key and no signature: the connection itself is authenticated with the app secret.

Two lark-oapi 1.7.5 quirks are handled here. `lark_oapi.ws.client` binds an event loop when it is
imported and runs everything on it (oapi-sdk-python #133, #119: "This event loop is already
running" inside asyncio servers), so the client runs in its own thread with a fresh loop put in
that module's `loop`; hence one connection per process. And the dispatcher it feeds raises for
event types without a registered processor (Lark would push those again), so ours routes every
frame through `on_push`, which answers every type.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import lark_oapi as lark
from lark_oapi.ws import client as ws_client

log = logging.getLogger(__name__)
PushHandler = Callable[[dict[str, Any]], dict[str, Any] | None]


class _Dispatcher(lark.EventDispatcherHandler):  # type: ignore[misc]
    """What `ws.Client` calls for each data frame: the decoded JSON in, a callback answer out."""

    def __init__(self, on_push: PushHandler) -> None:
        super().__init__()
        self._on_push = on_push

    def _do_without_validation(self, payload: bytes) -> Any:
        return self._on_push(json.loads(payload))


class LongConnection:
    def __init__(self, *, app_id: str, app_secret: str, domain: str, on_push: PushHandler) -> None:
        self._app_id = app_id
        self._app_secret = app_secret
        self._domain = domain
        self._dispatcher = _Dispatcher(on_push)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lark-long-connection", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        ws_client.loop = loop
        self._client = lark.ws.Client(
            self._app_id,
            self._app_secret,
            event_handler=self._dispatcher,
            domain=self._domain,
            log_level=lark.LogLevel.WARNING,
        )
        self._ready.set()
        try:
            self._client.start()
        except RuntimeError:
            pass  # stop() stopped the loop
        except Exception:
            log.exception("the Lark long connection ended")
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(self._client._disconnect())
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True))
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
