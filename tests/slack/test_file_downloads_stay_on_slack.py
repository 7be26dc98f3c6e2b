"""A shared file is fetched with the bot token only from Slack's file hosts or SLACK_API_URL's
origin; a payload naming any other URL (an internal service, a cloud metadata address, a redirect
off Slack) gets no token and no fetch, and only Slack's own permalinks become links."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from aiohttp import web

from assistdesk.domain.tickets.models import Attachment
from tests.fakes.loopback import LoopThread
from tests.slack.harness import JAMIE, SlackWorld

PERMALINK = "https://acme-customer.slack.com/files/U0CUST0001/F0HAR00001/login.har"


class Internal:
    """A service on loopback that must never be asked for anything by the desk."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._thread = LoopThread("internal")
        self.port = self._thread.call(self._start())

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def _handle(self, request: web.Request) -> web.Response:
        with self._lock:
            self.seen.append((request.path, request.headers.get("Authorization", "")))
        return web.Response(body=b"internal secrets", content_type="text/plain")

    def close(self) -> None:
        self._thread.call(self._runner.cleanup())
        self._thread.close()


@pytest.fixture
def internal() -> Iterator[Internal]:
    server = Internal()
    yield server
    server.close()


def share(slack: SlackWorld, file: dict[str, object], ts: str) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.ticket_in_thread()
    answer = slack.event(
        "message.file_share.json", event_id=f"Ev{ts[-6:]}", event={"ts": ts, "files": [file]}
    )
    assert answer.status_code == 200
    slack.wait_idle()


def attachments(slack: SlackWorld) -> list[tuple[str, bytes | None, str | None, str]]:
    with slack.runtime.db.reading() as session:
        return [
            (a.filename, a.content, a.external_url, a.content_type)
            for a in session.query(Attachment).order_by(Attachment.id)
        ]


def test_a_download_url_off_slack_gets_no_token_and_no_fetch(slack: SlackWorld, internal: Internal) -> None:
    file = {
        "id": "F0HAR00001",
        "name": "login.har",
        "mimetype": "application/json",
        "size": 16,
        "url_private_download": f"http://127.0.0.1:{internal.port}/latest/meta-data/iam",
        "permalink": PERMALINK,
    }
    share(slack, file, "1767225951.000451")
    assert internal.seen == []
    assert attachments(slack) == [("login.har", None, PERMALINK, "application/json")]
    assert [c.body for c in slack.comments()] == ["Here is the HAR file"]


def test_a_redirect_off_slack_is_not_followed(slack: SlackWorld, internal: Internal) -> None:
    url = slack.fake.add_file("F0HAR00002", b"the real file")
    slack.fake.file_redirects["F0HAR00002"] = f"http://127.0.0.1:{internal.port}/admin"
    file = {
        "id": "F0HAR00002",
        "name": "a.txt",
        "size": 13,
        "url_private_download": url,
        "permalink": PERMALINK,
    }
    share(slack, file, "1767225952.000452")
    assert internal.seen == []
    assert attachments(slack) == [("a.txt", None, PERMALINK, "application/octet-stream")]


def test_a_redirect_within_slack_is_followed(slack: SlackWorld) -> None:
    url = slack.fake.add_file("F0HAR00003", b"the real file")
    slack.fake.file_redirects["F0HAR00004"] = url
    moved = url.replace("F0HAR00003", "F0HAR00004")
    file = {
        "id": "F0HAR00004",
        "name": "a.txt",
        "size": 13,
        "url_private_download": moved,
        "permalink": PERMALINK,
    }
    share(slack, file, "1767225953.000453")
    assert attachments(slack) == [("a.txt", b"the real file", PERMALINK, "application/octet-stream")]


def test_a_permalink_off_slack_never_becomes_a_link(slack: SlackWorld, internal: Internal) -> None:
    file = {
        "id": "F0HAR00005",
        "name": "trap.html",
        "size": 10,
        "url_private_download": f"http://127.0.0.1:{internal.port}/x",
        "permalink": "https://evil.example/phish",
    }
    share(slack, file, "1767225954.000454")
    assert internal.seen == []
    assert attachments(slack) == []
    assert [c.body for c in slack.comments()] == ["Here is the HAR file"]


def test_a_mimetype_with_a_line_break_is_stored_as_a_plain_download(slack: SlackWorld) -> None:
    url = slack.fake.add_file("F0HAR00006", b"hello")
    file = {
        "id": "F0HAR00006",
        "name": "a.txt",
        "mimetype": "text/plain\r\nSet-Cookie: x=1",
        "size": 5,
        "url_private_download": url,
        "permalink": PERMALINK,
    }
    share(slack, file, "1767225955.000455")
    assert attachments(slack) == [("a.txt", b"hello", PERMALINK, "application/octet-stream")]
