"""A live assistdesk with its in-process worker, lark-oapi pointed at a fake Lark on loopback, and an
organization whose Lark group is connected."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from assistdesk.app import create_app
from assistdesk.bridge.lark import warm as warm_lark
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings
from tests.conftest import make_settings
from tests.fakes.lark_api import FakeLark
from tests.fakes.live import LiveServer
from tests.lark.pushes import (
    CHAT,
    ENCRYPT_KEY,
    TENANT,
    USER,
    VERIFICATION_TOKEN,
    Lark,
    callback_value,
    form_defaults,
    until,
)

APP_SECRET = "fixtureAppSecret0123456789abcdef"

USER_EMAIL = "ann@acme.example"  # the mentioning user's, in the fake's contact directory


@pytest.fixture
def fake() -> Iterator[FakeLark]:
    # lark-oapi caches tokens per app id for the whole process: a fresh app id per test keeps
    # one test's tokens away from the next test's fake.
    server = FakeLark(app_id=f"cli_{secrets.token_hex(8)}", app_secret=APP_SECRET)
    server.users[USER] = {"name": "Alice Chen", "email": USER_EMAIL}
    yield server
    server.close()


def lark_settings(db_url: str, fake: FakeLark, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "lark_app_id": fake.app_id,
        "lark_app_secret": APP_SECRET,
        "lark_verification_token": VERIFICATION_TOKEN,
        "lark_encrypt_key": ENCRYPT_KEY,
        "lark_domain": fake.url,
    }
    values.update(overrides)
    return make_settings(db_url, **values)


@pytest.fixture
def settings(db_url: str, fake: FakeLark) -> Settings:
    return lark_settings(db_url, fake)


@dataclass
class Desk:
    """The running assistdesk, Lark's side of it, and the agent's REST API."""

    runtime: Runtime
    fake: FakeLark
    lark: Lark
    api: httpx.Client
    url: str


def seed(runtime: Runtime, *, plan: str = "premium", enable: bool = True, connect: bool = True) -> str:
    def work(uow):  # type: ignore[no-untyped-def]
        agent = people.add_agent(uow, email="eve@vendor.example", name="Eve Engineer")
        token, _ = people.create_token(uow, agent=agent)
        org = orgs.create_org(uow, name="Acme", plan=plan, domains=["acme.example"])
        people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")
        if enable:
            orgs.enable_feature(uow, org=org, feature="lark")
        if connect:
            links.connect_channel(uow, platform="lark", workspace=TENANT, channel=CHAT, org=org)
        return token

    token: str = runtime.db.run(work)
    return token


def serve(runtime: Runtime, fake: FakeLark, token: str) -> Iterator[Desk]:
    warm_lark(runtime)  # as `assistdesk serve` does: lark-oapi is imported before the first push
    server = LiveServer(create_app(runtime=runtime, run_worker=True))
    lark = Lark(server.url, fake)
    api = httpx.Client(
        base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    try:
        yield Desk(runtime, fake, lark, api, server.url)
    finally:
        api.close()
        lark.close()
        server.close()


@pytest.fixture
def desk(runtime: Runtime, fake: FakeLark) -> Iterator[Desk]:
    yield from serve(runtime, fake, seed(runtime))


@pytest.fixture
def make_desk(settings: Settings, fake: FakeLark) -> Iterator[object]:
    """For tests that need another plan or other settings: `make_desk(plan=…, **settings)`."""
    made: list[Iterator[Desk]] = []
    runtimes: list[Runtime] = []

    def make(
        *, plan: str = "premium", enable: bool = True, connect: bool = True, **overrides: object
    ) -> Desk:
        runtime = build_runtime(settings.model_copy(update=overrides), run_migrations=False)
        runtimes.append(runtime)
        generator = serve(runtime, fake, seed(runtime, plan=plan, enable=enable, connect=connect))
        made.append(generator)
        return next(generator)

    yield make
    for generator in made:
        generator.close()
    for runtime in runtimes:
        runtime.db.dispose()


def form_for(desk: Desk, message_id: str) -> tuple[dict[str, Any], str]:
    """The form card (and its message id) the bot showed for the mention `message_id`."""
    found: list[tuple[dict[str, Any], str]] = []

    def shown() -> bool:
        for posted in desk.fake.visible(kind="ephemeral"):
            try:
                value = callback_value(posted.content, "submit_request")
            except (AssertionError, KeyError, StopIteration):
                continue
            if value.get("reply_to") == message_id:
                found.append((posted.content, posted.message_id))
                return True
        return False

    until(shown)
    return found[0]


def open_ticket(desk: Desk, text: str = "Checkout API returns 502", **values: str) -> str:
    """Mention the bot and submit its form: returns the message the ticket's thread hangs off."""
    _, message_id = desk.lark.say(text)
    card, card_id = form_for(desk, message_id)
    form = {**form_defaults(card), **values}
    # The reporter is prefilled from Lark's contact API, which the bot asks only briefly (a form must
    # not wait): on a loaded machine the form can come without it, as a person then types it.
    # test_mention_opens_form checks the prefill itself.
    form["reporter"] = form.get("reporter") or USER_EMAIL
    answer = desk.lark.click(card, form=form, card_message_id=card_id)
    assert answer.json()["toast"]["type"] == "success", answer.json()
    until(lambda: any(p.reply_to == message_id for p in desk.fake.visible(kind="reply")))
    return message_id
