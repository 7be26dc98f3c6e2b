"""Story 7: LARK_DOMAIN chooses the Open API server; the long connection (lark-oapi's WebSocket
client) receives events and card callbacks without a public URL; no credentials, no Lark."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from assistdesk.app import create_app
from assistdesk.bridge import lark
from assistdesk.runtime import build_runtime
from assistdesk.settings import Settings
from tests.conftest import make_settings
from tests.fakes.lark_api import FakeLark
from tests.fakes.live import LiveServer
from tests.lark.conftest import Desk
from tests.lark.pushes import callback_value, fixture, form_defaults, texts


def test_lark_domain_is_the_open_api_origin() -> None:
    assert Settings().lark_domain == "https://open.larksuite.com"
    assert Settings(lark_domain="https://open.feishu.cn/").lark_domain == "https://open.feishu.cn"
    assert Settings(lark_domain="http://127.0.0.1:9000").lark_domain == "http://127.0.0.1:9000"
    for wrong in ("http://lark-proxy:8080", "https://open.larksuite.com/open-apis", "open.feishu.cn"):
        with pytest.raises(ValidationError, match="LARK_DOMAIN must be an https origin"):
            Settings(lark_domain=wrong)


def test_every_open_api_call_goes_to_lark_domain(desk: Desk) -> None:
    desk.lark.say("Checkout is down")
    desk.fake.wait_for(1, kind="ephemeral")
    assert {name for name, _ in desk.fake.calls} == {"bot", "contact.user", "ephemeral.send"}
    assert len(desk.fake.tokens_issued) == 1


def test_without_credentials_lark_is_off(db_url: str) -> None:
    runtime = build_runtime(make_settings(db_url), run_migrations=False)
    assert "lark" not in runtime.handlers
    server = LiveServer(create_app(runtime=runtime))
    try:
        answer = httpx.post(f"{server.url}/lark/events", json={"challenge": "x", "type": "url_verification"})
    finally:
        server.close()
        runtime.db.dispose()
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_long_connection_receives_events_and_answers_card_callbacks(
    make_desk: Callable[..., Desk], fake: FakeLark
) -> None:
    desk = make_desk(lark_long_connection=True)
    connection = lark.long_connection(desk.runtime)
    assert connection is not None
    connection.start()
    try:
        assert fake.long_connection.connected(), "the WebSocket client did not connect to the fake"
        event = desk.lark.message_event("Checkout is down over the long connection")
        assert fake.long_connection.push(event) == {"code": 200}  # acknowledged: Lark will not push it again
        [form] = fake.wait_for(1, kind="ephemeral")
        assert texts(form.content)[0] == "Open a support request"

        click = fixture("card_action_trigger_form_submit.json")
        click["event"]["action"]["value"] = callback_value(form.content, "submit_request")
        click["event"]["action"]["form_value"] = form_defaults(form.content)
        click["event"]["context"] = {"open_message_id": form.message_id, "open_chat_id": form.chat_id}
        answer = fake.long_connection.push(click)
        assert answer is not None
        assert answer["toast"]["content"] == "Request SUP-1 created."
        assert desk.api.get("/tickets/SUP-1").json()["source"] == "lark"
    finally:
        connection.stop()


def test_cli_commands_do_not_pay_for_importing_lark_oapi(tmp_path: Path) -> None:
    """Operators keep LARK_* in their environment; `assistdesk contact add` must not load every
    generated Lark API (seconds) just to build the runtime. `serve` loads it before listening."""
    probe = (
        "import sys; from assistdesk.settings import Settings; from assistdesk.runtime import build_runtime; "
        "from assistdesk.app import create_app; "
        f"rt = build_runtime(Settings(database_url='sqlite:///{tmp_path}/x.db', secret_key='k' * 40, "
        "lark_app_id='cli_x', lark_app_secret='s')); create_app(runtime=rt); "
        "assert 'lark' in rt.handlers; print('lark_oapi' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"
