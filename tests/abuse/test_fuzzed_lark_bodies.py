"""Whatever reaches `POST /lark/events` (encrypted or plain, signed or not, cut short, nested
absurdly, replayed late) is answered without a 5xx and without a traceback; a signed push older
than five minutes is refused as a replay."""

# ruff: noqa: F811  (fixtures imported from another folder's conftest are used by name)
from __future__ import annotations

import json
import logging
import secrets
import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import func, select

from assistdesk.outbox.models import OutboxJob
from tests.abuse.strategies import mutated
from tests.lark.conftest import Desk, desk, fake, settings  # noqa: F401  (the Lark fixtures)
from tests.lark.pushes import ENCRYPT_KEY, encrypt, fixture, sign

FUZZ = examples(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BODIES = [
    "im_message_receive_v1_group_mention.json",
    "card_action_trigger_form_submit.json",
    "url_verification_plain.request.json",
]


def post(desk: Desk, raw: bytes, *, signed: bool, timestamp: int | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if signed:
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(8)
        headers.update(
            {
                "X-Lark-Request-Timestamp": stamp,
                "X-Lark-Request-Nonce": nonce,
                "X-Lark-Signature": sign(stamp, nonce, raw, ENCRYPT_KEY),
            }
        )
    return desk.lark.client.post("/lark/events", content=raw, headers=headers).status_code


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logged = [r for r in caplog.records if r.exc_info is not None]
    assert logged == [], logged[0].getMessage()


@FUZZ
@given(data=st.data(), signed=st.booleans(), encrypted=st.booleans())
def test_fuzzed_pushes_never_get_a_server_error(
    desk: Desk, caplog: pytest.LogCaptureFixture, data: st.DataObject, signed: bool, encrypted: bool
) -> None:
    caplog.set_level(logging.WARNING)
    text = data.draw(mutated(fixture(data.draw(st.sampled_from(BODIES)))))
    raw = json.dumps({"encrypt": encrypt(text)}).encode() if encrypted else text.encode()
    status = post(desk, raw, signed=signed)
    assert status in (200, 400, 401), (status, text[:200])
    no_tracebacks(caplog)


@pytest.mark.parametrize(
    ("raw", "signed", "expected"),
    [
        pytest.param(b"{{{", False, 401, id="braces-unsigned"),
        pytest.param(b"{{{", True, 400, id="braces-signed"),
        pytest.param(b"[" * 5000 + b"]" * 5000, True, 400, id="deep"),
        pytest.param(b'{"header": "x", "event": []}', True, 200, id="header-is-a-string"),
        pytest.param(
            b'{"schema": "2.0", "header": {"event_type": "im.message.receive_v1"}, "event": "x"}',
            True,
            400,
            id="event-is-a-string",
        ),
    ],
)
def test_malformed_pushes_get_a_client_error_or_an_ack(
    desk: Desk, caplog: pytest.LogCaptureFixture, raw: bytes, signed: bool, expected: int
) -> None:
    caplog.set_level(logging.WARNING)
    assert post(desk, raw, signed=signed) == expected
    no_tracebacks(caplog)


def test_a_captured_push_replayed_after_five_minutes_is_refused(desk: Desk) -> None:
    body = desk.lark.message_event("Checkout is down")
    raw = json.dumps({"encrypt": encrypt(json.dumps(body))}).encode()
    assert post(desk, raw, signed=True, timestamp=int(time.time()) - 301) == 401
    assert post(desk, raw, signed=True, timestamp=int(time.time()) + 301) == 401
    with desk.runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(OutboxJob)) == 0
    assert post(desk, raw, signed=True) == 200
    desk.fake.wait_for(1, kind="ephemeral")
