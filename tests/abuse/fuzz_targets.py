"""Coverage-guided fuzz targets for the parsers that read what arrives from outside.

Each target takes raw bytes and drives one parser the way the endpoint does; the exceptions the
parser documents (its refusals) are fine, anything else is a finding. `TARGETS` is the table the
runner (`python -m tests.abuse.run_fuzz NAME`) and the test read, with each target's seeds in `SEEDS`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path

from assistdesk.platforms.lark import events as lark_events
from assistdesk.platforms.lark import pushes
from assistdesk.platforms.mail import message, quotes
from assistdesk.platforms.slack import payloads, screen

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LARK_KEY = "fuzz-encrypt-key"
LARK_TOKEN = "fuzz-verification-token"
SLACK_SECRET = "fuzz-signing-secret"


def slack_target(data: bytes) -> None:
    """Shape screening, then the typed models Slack's listeners parse with."""
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        verdict = screen.check_shape(content_type, data)
        if not verdict.passed:
            continue
        try:
            body = json.loads(data)
        except ValueError:
            continue  # a form (a command), which Bolt reads as strings
        if not isinstance(body, dict):
            continue
        envelope = payloads.parse(payloads.Envelope, body)
        event = payloads.parse(payloads.MessageEvent, body.get("event"))
        if envelope is not None and event is not None:
            payloads.thread_reply(envelope, event)
            payloads.reply_edit(envelope, event)
            payloads.reply_deletion(envelope, event)
            for file in event.files:
                file.shared()
        submission = payloads.parse(payloads.ViewSubmission, body)
        if submission is not None:
            payloads.form_values(submission.view)
            payloads.form_metadata(str(body.get("view", {}).get("private_metadata", "")))
    now = time.time()
    headers = {"X-Slack-Request-Timestamp": str(int(now)), "X-Slack-Signature": "v0=" + "0" * 64}
    assert not screen.screen(
        headers, data, content_type="application/json", secret=SLACK_SECRET, now=now
    ).passed


def lark_target(data: bytes) -> None:
    """Verification (plain pushes with the token), then the envelope and each event's parser."""
    try:
        push = pushes.verify({}, data, encrypt_key=None, verification_token=LARK_TOKEN)
    except pushes.Rejected as refused:
        if refused.status not in (400, 401):
            raise AssertionError(f"refused with {refused.status}") from refused
        return
    envelope = lark_events.envelope(push.body)
    for parse in (lark_events.message, lark_events.recalled, lark_events.card_action):
        with contextlib.suppress(lark_events.Malformed):
            parse(envelope)


def mail_target(data: bytes) -> None:
    """What the IMAP reader and the SMTP listener do with a mail's bytes: parse it (a mail that
    raises here is held for an admin instead of reaching its ticket, so it must not raise), then
    find the ticket key and the new text. The parser refuses nothing: any bytes are some mail."""
    mail = message.parse(data)
    assert mail.message_id.startswith("<"), mail.message_id
    assert "\n" not in mail.subject and "\r" not in mail.subject
    quotes.ticket_key(mail.subject, "SUP")
    quotes.title_of(mail.subject, "SUP")
    quotes.latest_reply(mail.text)
    _ = mail.thread_ids


def _slack_seeds() -> list[bytes]:
    return [p.read_bytes() for p in sorted((FIXTURES / "slack").glob("*.json"))]


def _lark_seeds() -> list[bytes]:
    seeds = []
    for path in sorted((FIXTURES / "lark").glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(body, dict):
            head = body.get("header")
            if isinstance(head, dict):
                head["token"] = LARK_TOKEN
            else:
                body["token"] = LARK_TOKEN
        seeds.append(json.dumps(body).encode())
    return seeds


def _mail_seeds() -> list[bytes]:
    """Mails shaped like Gmail's, Outlook's (HTML and an attachment), a Japanese client's
    (ISO-2022-JP), an auto-reply and a delivery-status bounce."""
    return [p.read_bytes() for p in sorted((FIXTURES / "mail").glob("*.eml"))]


TARGETS: dict[str, Callable[[bytes], None]] = {
    "slack": slack_target,
    "lark": lark_target,
    "mail": mail_target,
}
SEEDS: dict[str, Callable[[], list[bytes]]] = {
    "slack": _slack_seeds,
    "lark": _lark_seeds,
    "mail": _mail_seeds,
}
