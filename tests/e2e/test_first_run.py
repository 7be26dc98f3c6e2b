"""A newcomer's first start: `assistdesk serve` on an empty database prints a one-time link that creates
the first admin; `serve --demo` opens a desk with demo data and says how to sign in."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx

from tests.e2e.serving import serve_env, start_serve, stop
from tests.fakes.live import free_port
from tests.pages.conftest import csrf_of


def _start(tmp_path: Path, db_url: str, *args: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    log_path = tmp_path / f"serve-{port}.log"
    env = serve_env(db_url, ASSISTDESK_PUBLIC_URL=f"http://127.0.0.1:{port}")
    process, base = start_serve(env, tmp_path, log_path, *args, port=port)
    return process, base, log_path


def test_the_first_start_prints_a_one_time_link_for_the_first_admin(db_url: str, tmp_path: Path) -> None:
    process, base, log = _start(tmp_path, db_url)
    try:
        link = re.search(r"create the first one at (\S+)", log.read_text())
        assert link, log.read_text()
        browser = httpx.Client(base_url=base, follow_redirects=False, timeout=10)
        form = browser.get(link.group(1).replace(base, ""))
        assert form.status_code == 200 and "Create the first admin" in form.text
        token = re.search(r'name="token" value="([^"]+)"', form.text)
        assert token
        data = {
            "csrf_token": csrf_of(form.text),
            "token": token.group(1),
            "email": "root@vendor.example",
            "name": "Rita Root",
            "password": "a long enough password",
            "password_again": "a long enough password",
        }
        created = browser.post("/agent/setup", data=data)
        assert created.status_code == 303
        assert "Rita Root" in browser.get("/agent/queue/new").text
        # the link worked once
        again = httpx.Client(base_url=base, timeout=10)
        assert again.get(link.group(1).replace(base, "")).status_code == 410
    finally:
        stop(process)
    # an admin exists now: no link on the next start
    process, _, log = _start(tmp_path, db_url)
    try:
        assert "create the first one" not in log.read_text()
    finally:
        stop(process)


def test_demo_fills_an_empty_desk_and_says_how_to_sign_in(db_url: str, tmp_path: Path) -> None:
    process, base, log = _start(tmp_path, db_url, "--demo")
    try:
        printed = re.search(r"agent console\s+\S+\s+(\S+) / (\S+)", log.read_text())
        assert printed, log.read_text()
        browser = httpx.Client(base_url=base, follow_redirects=False, timeout=10)
        page = browser.get("/agent/login")
        signed = browser.post(
            "/agent/login",
            data={"csrf_token": csrf_of(page.text), "email": printed.group(1), "password": printed.group(2)},
        )
        assert signed.status_code == 303
        everything = browser.get("/agent/queue/all").text
        assert "Checkout page times out" in everything and "Globex" in everything
    finally:
        stop(process)
