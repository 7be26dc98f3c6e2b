"""Two app instances (as two processes would be) on one database, one agent's browser session used on
both: each keeps the signed-in agent for a second, and neither shows a console page to a session that
was signed out, or to an agent who was deactivated, a second after the change."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from assistdesk.app import create_app
from assistdesk.db.cache import MAX_AGE_SECONDS
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.people import service as people
from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings
from tests.conftest import make_settings
from tests.fakes.live import LiveServer

EMAIL, PASSWORD = "eve@vendor.example", "eve's long password"
QUEUE = "/agent/queue/new"


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Plain http on loopback: with an https PUBLIC_URL the cookies are Secure and would not be sent back.
    return make_settings(db_url, public_url="http://127.0.0.1")


@pytest.fixture
def two(settings: Settings) -> Iterator[tuple[Runtime, str, str]]:
    """Two runtimes serving the app on one database; yields the first and both base URLs."""
    runtimes = [build_runtime(settings, run_migrations=False) for _ in range(2)]
    servers = [LiveServer(create_app(runtime=rt)) for rt in runtimes]
    try:
        runtimes[0].db.run(
            lambda uow: people.add_agent(uow, email=EMAIL, name="Eve Engineer", password=PASSWORD)
        )
        yield runtimes[0], servers[0].url, servers[1].url
    finally:
        for server in servers:
            server.close()
        for rt in runtimes:
            rt.db.dispose()


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(base: str) -> httpx.Cookies:
    with httpx.Client(base_url=base, timeout=10) as client:
        login = client.get("/agent/login")
        answer = client.post(
            "/agent/login", data={"csrf_token": csrf(login.text), "email": EMAIL, "password": PASSWORD}
        )
        assert answer.status_code == 303, answer.text
        return client.cookies


def queue(base: str, cookies: httpx.Cookies) -> httpx.Response:
    return httpx.get(f"{base}{QUEUE}", cookies=cookies, timeout=10)


def shows_the_queue(answer: httpx.Response) -> bool:
    return answer.status_code == 200 and "New and unassigned" in answer.text


def sent_to_sign_in(answer: httpx.Response) -> bool:
    return answer.status_code == 303 and answer.headers["location"].startswith("/agent/login")


def test_a_signed_out_session_shows_nothing_here_at_once_and_anywhere_a_second_later(
    two: tuple[Runtime, str, str],
) -> None:
    _, here, there = two
    cookies = sign_in(here)
    for base in (here, there):  # both processes now hold the signed-in agent
        assert shows_the_queue(queue(base, cookies))

    with httpx.Client(base_url=here, cookies=cookies, timeout=10) as browser:
        token = csrf(browser.get(QUEUE).text)
        assert browser.post("/agent/logout", data={"csrf_token": token}).status_code == 303
    signed_out_at = time.monotonic()
    assert sent_to_sign_in(queue(here, cookies))  # the old cookie, replayed

    time.sleep(max(0.0, signed_out_at + MAX_AGE_SECONDS - time.monotonic()))
    assert sent_to_sign_in(queue(there, cookies))


def test_a_deactivated_agent_sees_nothing_here_at_once_and_anywhere_a_second_later(
    two: tuple[Runtime, str, str],
) -> None:
    first, here, there = two
    cookies = sign_in(here)
    for base in (here, there):
        assert shows_the_queue(queue(base, cookies))

    def deactivate(uow: UnitOfWork) -> None:
        people.get_agent(uow.session, EMAIL).active = False

    first.db.run(deactivate)
    deactivated_at = time.monotonic()
    assert sent_to_sign_in(queue(here, cookies))

    time.sleep(max(0.0, deactivated_at + MAX_AGE_SECONDS - time.monotonic()))
    assert sent_to_sign_in(queue(there, cookies))
