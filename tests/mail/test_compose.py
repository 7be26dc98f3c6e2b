"""The words of ticket mail, exactly as the customer reads them, in English and Japanese."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from assistdesk.bridge.mail.outbound import TicketFacts, promise
from assistdesk.i18n import Catalogs
from assistdesk.platforms.mail import compose

LINK = "https://help.example.test/help/requests/SUP-7"
ACK = compose.TicketMailView(kind=compose.ACKNOWLEDGEMENT, key="SUP-7", title="Export fails", link=LINK)


def test_the_acknowledgement_in_english_and_japanese() -> None:
    catalogs = Catalogs()
    assert compose.text(ACK, catalogs.translator("en", "web")) == (
        "We received your request SUP-7: Export fails\n\n"
        f"Follow it and add to it here: {LINK}\n\n"
        "Reply to this mail to add to your request."
    )
    assert compose.text(ACK, catalogs.translator("ja", "web")) == (
        "お問い合わせ SUP-7 を受け付けました: Export fails\n\n"
        f"状況の確認と追記はこちら: {LINK}\n\n"
        "このメールに返信すると、お問い合わせに追記できます。"
    )


def test_the_expected_first_response_is_shown_when_the_plan_promises_one() -> None:
    due = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    assert promise(TicketFacts(), "en") is None
    when = promise(TicketFacts(first_response_due_at=due), "en")
    assert when == "Dec 7, 2026, 2:30:00\u202fPM (UTC)"
    # In the organization's zone (business hours are counted there), in the reader's language.
    tokyo = promise(TicketFacts(first_response_due_at=due, timezone="Asia/Tokyo"), "ja")
    assert tokyo == "2026/12/07 23:30:00 (Asia/Tokyo)"
    view = compose.TicketMailView(
        kind=compose.ACKNOWLEDGEMENT,
        key="SUP-7",
        title="Export fails",
        link=LINK,
        expected_first_response=when,
    )
    assert f"Expected first response: {when}" in compose.text(view, Catalogs().translator("en", "web"))


def test_an_agent_reply_threads_and_escapes_its_html() -> None:
    view = compose.TicketMailView(
        kind=compose.REPLY,
        key="SUP-7",
        title="Export fails",
        link=LINK,
        body="Use <b>CSV</b> & retry",
        author_name="Ada Admin",
    )
    plain = compose.text(view, Catalogs().translator("en", "web"))
    assert plain == f"Ada Admin wrote:\n\nUse <b>CSV</b> & retry\n\n--\n{LINK}"
    envelope = compose.Envelope(
        to="ann@acme.example",
        support_address="support@desk.test",
        desk_name="support",
        message_id="<m2@desk.test>",
        thread_root="<first@acme.example>",
    )
    built = compose.build(
        envelope, subject_line=compose.subject(view), plain=plain, author_name="Ada\r\nBcc: x@y"
    )
    parsed = message_from_bytes(bytes(built), policy=policy.default)
    assert parsed["Subject"] == "[SUP-7] Export fails"
    assert parsed["From"] == '"Ada Bcc: x@y" <support@desk.test>'
    assert parsed["Bcc"] is None
    assert (parsed["In-Reply-To"], parsed["References"]) == ("<first@acme.example>", "<first@acme.example>")
    assert parsed["Reply-To"] == "support@desk.test"
    html = parsed.get_body(("html",)).get_content()
    assert "Use &lt;b&gt;CSV&lt;/b&gt; &amp; retry" in html
    assert f'<a href="{LINK}">{LINK}</a>' in html


def test_japanese_subjects_are_encoded_for_any_mail_client() -> None:
    envelope = compose.Envelope(
        to="ann@acme.example",
        support_address="support@desk.test",
        desk_name="support",
        message_id="<m3@desk.test>",
        thread_root=None,
    )
    built = compose.build(envelope, subject_line="[SUP-8] ログインできません", plain="日本語の本文")
    raw = bytes(built)
    assert "ログイン".encode() not in raw.split(b"\n\n", 1)[0]  # headers are RFC 2047 words, not raw UTF-8
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "[SUP-8] ログインできません"
    assert parsed.get_body(("plain",)).get_content().strip() == "日本語の本文"
    assert parsed["In-Reply-To"] is None
