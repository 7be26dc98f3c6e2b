"""`serve --port N` without ASSISTDESK_PUBLIC_URL: every link it prints or mails points at port N."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from assistdesk.cli.serve import served_url
from tests.e2e.serving import serve_env, start_serve, stop
from tests.fakes.live import free_port
from tests.pages.conftest import csrf_of


def test_demo_on_another_port_prints_and_mails_links_to_that_port(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = serve_env(db_url)  # no ASSISTDESK_PUBLIC_URL
    assert "ASSISTDESK_PUBLIC_URL" not in env
    process, base = start_serve(env, tmp_path, log_path, "--demo", port=port)
    try:
        printed = log_path.read_text()
        assert f"(public URL http://127.0.0.1:{port})" in printed, printed
        console = re.search(r"agent console\s+(\S+)", printed)
        help_center = re.search(r"help center\s+(\S+)\s+(\S+)", printed)
        assert console and help_center, printed
        assert console.group(1) == f"http://127.0.0.1:{port}/agent/login"
        assert help_center.group(1) == f"http://127.0.0.1:{port}/help/login"
        assert httpx.get(console.group(1), timeout=10).status_code == 200
        # the sign-in mail (written to the log without SMTP) links to the same port, and the link works
        browser = httpx.Client(base_url=base, timeout=10, follow_redirects=False)
        form = browser.get("/help/login")
        sent = browser.post(
            "/help/login", data={"csrf_token": csrf_of(form.text), "email": help_center.group(2)}
        )
        assert sent.status_code in (200, 303), sent.text
        deadline = time.monotonic() + 20
        link = None
        while link is None and time.monotonic() < deadline:
            link = re.search(r"(http://\S+/help/login/link\?token=\S+)", log_path.read_text())
            time.sleep(0.1)
        assert link, log_path.read_text()
        assert link.group(1).startswith(f"http://127.0.0.1:{port}/help/login/link?token=")
        assert httpx.get(link.group(1), timeout=10).status_code == 200
    finally:
        stop(process)


def test_a_configured_public_url_is_kept(db_url: str, tmp_path: Path) -> None:
    env = serve_env(db_url, ASSISTDESK_PUBLIC_URL="https://support.example.com/")
    process, _ = start_serve(env, tmp_path, tmp_path / "serve.log")
    try:
        printed = (tmp_path / "serve.log").read_text()
        assert "(public URL https://support.example.com)" in printed
        assert "create the first one at https://support.example.com/agent/setup?token=" in printed
    finally:
        stop(process)


def test_the_served_url_is_one_a_browser_on_this_machine_opens() -> None:
    assert served_url("127.0.0.1", 8766) == "http://127.0.0.1:8766"
    assert served_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert served_url("::", 8000) == "http://[::1]:8000"
    assert served_url("::1", 9000) == "http://[::1]:9000"
    assert served_url("desk.internal", 80) == "http://desk.internal:80"
