"""`assistdesk serve` behind a load balancer: X-Forwarded-For is believed only from the peers in
ASSISTDESK_TRUSTED_PROXIES (so each user has their own sign-in limit there, and nobody else can
pick an address), and a client trickling its request headers is cut off."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from assistdesk.web.serving import HEADER_SECONDS
from tests.e2e.serving import serve_env, start_serve, stop
from tests.fakes.live import free_port
from tests.pages.conftest import csrf_of


def _start(tmp_path: Path, db_url: str, **settings: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = serve_env(db_url, ASSISTDESK_PUBLIC_URL=f"http://127.0.0.1:{port}", **settings)
    return start_serve(env, tmp_path, tmp_path / f"serve-{port}.log", port=port)


def _sign_in_requests(base: str, forwarded_for: list[str]) -> list[int]:
    """One mail sign-in request per address, each for another email (the per-email limit stays out)."""
    with httpx.Client(base_url=base, timeout=10) as browser:
        token = csrf_of(browser.get("/help/login").text)
        return [
            browser.post(
                "/help/login",
                data={"email": f"person{n}@acme.example", "csrf_token": token},
                headers={"X-Forwarded-For": address},
            ).status_code
            for n, address in enumerate(forwarded_for)
        ]


def test_forwarded_addresses_count_only_from_trusted_proxies(db_url: str, tmp_path: Path) -> None:
    users = [f"203.0.113.{n}" for n in range(1, 23)]
    process, base = _start(tmp_path, db_url)
    try:  # no trusted proxy: the socket peer is the client, whatever the header says
        assert _sign_in_requests(base, users)[-2:] == [429, 429]
    finally:
        stop(process)
    process, base = _start(tmp_path, db_url, ASSISTDESK_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")
    try:  # behind the trusted balancer: each user has their own limit ...
        assert set(_sign_in_requests(base, users)) == {200}
        # ... and one user is still limited, even when they prepend addresses of their own
        repeated = _sign_in_requests(base, [f"198.51.100.9, 192.0.2.{n}" for n in range(22)])
        assert repeated[:20] == [200] * 20
        one = _sign_in_requests(base, ["192.0.2.77"] * 21)
        assert one[-1] == 429
    finally:
        stop(process)


def test_a_client_trickling_its_headers_is_cut_off(db_url: str, tmp_path: Path) -> None:
    process, base = _start(tmp_path, db_url)
    try:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            closed = False
            while time.monotonic() - started < HEADER_SECONDS + 5:
                try:
                    slow.sendall(b"X-Slow: 1\r\n")
                    slow.settimeout(1)
                    if slow.recv(1024) == b"":
                        closed = True
                        break
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
                    break
            assert closed, "the connection was held open"
            assert time.monotonic() - started < HEADER_SECONDS + 3
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200  # others are served
    finally:
        stop(process)
