"""What `POST /lark/events` accepts: encrypted and signed pushes, the URL challenge in both forms;
everything else is refused with a clear status and changes nothing. Unhandled event types get 200
(Lark retries anything else for hours)."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from assistdesk.bridge.lark.inbound import SUPPORTED
from assistdesk.domain.links.models import InboundReceipt
from assistdesk.outbox.models import OutboxJob
from tests.lark.conftest import Desk
from tests.lark.pushes import fixture, sign


def nothing_stored(desk: Desk) -> bool:
    with desk.runtime.db.reading() as session:
        jobs = session.scalar(select(func.count()).select_from(OutboxJob))
        receipts = session.scalar(select(func.count()).select_from(InboundReceipt))
    return jobs == 0 and receipts == 0


def test_the_url_challenge_is_answered_plain_and_encrypted_within_a_second(desk: Desk) -> None:
    expected = fixture("url_verification.response.json")
    for name in ("url_verification_plain.request.json", "url_verification_encrypted.request.json"):
        started = time.monotonic()
        # Lark sends the challenge without signature headers.
        answer = desk.lark.client.post("/lark/events", json=fixture(name))
        assert (answer.status_code, answer.json()) == (200, expected), name
        assert time.monotonic() - started < 1.0
    assert nothing_stored(desk)


def test_the_documented_encrypted_and_signed_fixture_is_accepted(desk: Desk) -> None:
    """The sample request byte for byte, headers spelled as Lark spells them. Its timestamp is from
    the past: as captured it is refused as a replay, and accepted once signed now."""
    request = fixture("im_message_receive_v1_group_mention.encrypted_http.json")
    desk.fake.said("om_6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a", "oc_4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b")
    replayed = desk.lark.client.post(
        "/lark/events", content=request["body"].encode(), headers=request["headers"]
    )
    assert replayed.status_code == 401
    assert nothing_stored(desk)
    headers = dict(request["headers"])
    stamp = next(k for k in headers if k.lower() == "x-lark-request-timestamp")
    nonce = next(v for k, v in headers.items() if k.lower() == "x-lark-request-nonce")
    signature = next(k for k in headers if k.lower() == "x-lark-signature")
    headers[stamp] = str(int(time.time()))
    headers[signature] = sign(headers[stamp], nonce, request["body"].encode())
    answer = desk.lark.client.post("/lark/events", content=request["body"].encode(), headers=headers)
    assert (answer.status_code, answer.json()) == (200, {"msg": "success"})
    [form] = desk.fake.wait_for(1, kind="ephemeral")
    assert form.open_id == "ou_3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c"


def test_a_bad_signature_is_refused_and_changes_nothing(desk: Desk) -> None:
    body = desk.lark.message_event("Checkout is down")
    refused = desk.lark.post(body, key="not-the-encrypt-key")
    assert (refused.status_code, refused.json()) == (401, {"msg": "X-Lark-Signature does not match the body"})
    tampered_headers = desk.lark.client.post(
        "/lark/events",
        content=json.dumps({"encrypt": "AAAA"}).encode(),
        headers={"X-Lark-Request-Timestamp": "1", "X-Lark-Request-Nonce": "n", "X-Lark-Signature": "0" * 64},
    )
    assert tampered_headers.status_code == 401
    assert nothing_stored(desk)
    # The same event, properly signed, is processed: the refused copy claimed nothing.
    assert desk.lark.post(body).status_code == 200
    desk.fake.wait_for(1, kind="ephemeral")


def test_unsigned_or_wrong_token_pushes_are_refused(desk: Desk) -> None:
    body = desk.lark.message_event("Checkout is down")
    unsigned = desk.lark.post(body, signed=False)
    assert (unsigned.status_code, unsigned.json()["msg"]) == (
        401,
        "a push other than url_verification arrived without X-Lark-Signature",
    )
    body["header"]["token"] = "someone-elses-token"
    wrong_token = desk.lark.post(body)
    assert (wrong_token.status_code, wrong_token.json()["msg"]) == (
        401,
        "the verification token does not match LARK_VERIFICATION_TOKEN",
    )
    challenge = {**fixture("url_verification_plain.request.json"), "token": "someone-elses-token"}
    assert desk.lark.client.post("/lark/events", json=challenge).status_code == 401
    not_json = desk.lark.client.post("/lark/events", content=b"<xml/>")
    # Unsigned, so nothing proves it came from Lark: 401, like every other unverifiable push.
    assert (not_json.status_code, not_json.json()["msg"]) == (401, "the body is not a JSON object")
    assert nothing_stored(desk)


def test_event_types_we_do_not_handle_are_acknowledged(desk: Desk) -> None:
    # What the README tells operators to subscribe to is what the dispatch table handles.
    assert SUPPORTED == ("card.action.trigger", "im.message.recalled_v1", "im.message.receive_v1")
    added = {
        "schema": "2.0",
        "header": {
            "event_id": "f7984f25108f8137722bb63cee927e66",
            "token": "vT9qLm2XcR7bN4sK8dW1yP6hJ3fG5aZe",
            "create_time": "1603977298000000",
            "event_type": "im.chat.member.bot.added_v1",
            "tenant_key": "1a2b3c4d5e6f7081",
            "app_id": desk.fake.app_id,
        },
        "event": {"chat_id": "oc_4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b"},
    }
    legacy = {
        "ts": "1502199207.7171419",
        "uuid": "bc447199585340d1f3728d26b1c0297a",
        "token": "vT9qLm2XcR7bN4sK8dW1yP6hJ3fG5aZe",
        "type": "event_callback",
        "event": {"type": "p2p_chat_create", "app_id": desk.fake.app_id, "tenant_key": "1a2b3c4d5e6f7081"},
    }
    for body in (added, legacy):
        answer = desk.lark.post(body)
        assert (answer.status_code, answer.json()) == (200, {"msg": "success"})
    assert nothing_stored(desk)


def test_without_an_encrypt_key_the_verification_token_is_required(make_desk) -> None:  # type: ignore[no-untyped-def]
    desk = make_desk(lark_encrypt_key=None)
    body = desk.lark.message_event("Checkout is down")
    assert desk.lark.post(body, encrypted=False, signed=False).status_code == 200
    body = desk.lark.message_event("Checkout is down")
    body["header"]["token"] = "guess"
    assert desk.lark.post(body, encrypted=False, signed=False).status_code == 401
    encrypted = desk.lark.post(desk.lark.message_event("x"))
    assert (encrypted.status_code, encrypted.json()["msg"]) == (
        400,
        "an encrypted push arrived but LARK_ENCRYPT_KEY is not set",
    )
