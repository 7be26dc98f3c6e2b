"""Serving an ASGI app with uvicorn on a free loopback port, from a background thread."""

from __future__ import annotations

import os
import random
import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp


class LiveServer:
    def __init__(self, app: ASGIApp, *, port: int = 0) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="live-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        sockets = self._server.servers[0].sockets
        self.port = int(sockets[0].getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(30)


def free_port() -> int:
    """A loopback port nobody listens on now (for a server whose URL must be known before it starts).

    Taken below the kernel's ephemeral range (`net.ipv4.ip_local_port_range`, 32768-60999 by
    default), where a port the kernel handed out for a moment (bind to port 0) can be given again
    at once as the local port of some outgoing connection, and the server meant for it then fails
    with "address already in use". Each pytest-xdist worker takes ports from its own slice, in turn,
    so two test processes never pick the same one."""
    global _next_port
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    first = _PORTS_FROM + (index % _SLICES) * _SLICE
    for _ in range(_SLICE):
        _next_port = (_next_port + 1) % _SLICE
        port = first + _next_port
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free loopback port in {first}-{first + _SLICE - 1}")


_PORTS_FROM, _SLICE, _SLICES = 20000, 1500, 8
_next_port = random.randrange(_SLICE)  # a new start each run: ports of a run just ended may linger
