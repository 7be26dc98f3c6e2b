"""An admin sees the mail that opened nothing, accepts one (contact + ticket + acknowledgement) and
discards another; bouncing addresses are listed."""

from __future__ import annotations

import re

import httpx

from tests.mail.conftest import AGENT_PASSWORD, MailDesk
from tests.mail.shapes import mail
from tests.pages.conftest import post_form


def _admin(desk: MailDesk) -> httpx.Client:
    client = httpx.Client(base_url=desk.url, timeout=10, follow_redirects=False)
    answer = post_form(
        client, "/agent/login", "/agent/login", {"email": "ada@vendor.example", "password": AGENT_PASSWORD}
    )
    assert answer.status_code == 303, answer.text
    return client


def test_admin_accepts_an_unknown_sender_and_discards_a_forged_key(mail_desk: MailDesk) -> None:
    receiver = mail_desk.receiver()
    receiver.accept(mail(sender="ann@acme.example", subject="Mine", body="x", message_id="<m@acme.example>"))
    receiver.accept(
        mail(
            sender="zoe@newcustomer.example",
            name="Zoe",
            subject="Can I buy?",
            body="Pricing please.",
            message_id="<z@newcustomer.example>",
        )
    )
    receiver.accept(
        mail(
            sender="mallory@evil.example",
            subject="Re: [SUP-1] Mine",
            body="<script>x</script>",
            message_id="<f@evil.example>",
        )
    )
    admin = _admin(mail_desk)
    listing = admin.get("/agent/admin/mail")
    assert listing.status_code == 200
    assert 'href="/agent/admin/mail"' in listing.text
    assert "zoe@newcustomer.example" in listing.text and "unknown sender" in listing.text
    assert "names a ticket of another organization" in listing.text
    ids = re.findall(r'id="held-(\d+)"', listing.text)
    zoe, mallory = sorted(int(i) for i in ids)

    refused = post_form(admin, "/agent/admin/mail", f"/agent/admin/mail/{zoe}/accept", {"org": ""})
    assert refused.status_code == 422
    assert "choose the organization" in refused.text

    accepted = post_form(admin, "/agent/admin/mail", f"/agent/admin/mail/{zoe}/accept", {"org": "Acme"})
    assert accepted.status_code == 303
    ticket = next(t for t in mail_desk.tickets() if t.title == "Can I buy?")
    assert (ticket.reporter.email, ticket.organization.name, ticket.description) == (
        "zoe@newcustomer.example",
        "Acme",
        "Pricing please.",
    )
    assert (
        mail_desk.mailbox.wait_for("zoe@newcustomer.example", tickets=True).subject
        == f"[{ticket.key}] Can I buy?"
    )

    discarded = post_form(admin, "/agent/admin/mail", f"/agent/admin/mail/{mallory}/discard", {})
    assert discarded.status_code == 303
    after = admin.get(discarded.headers["location"])
    assert "Discarded." in after.text and "No held mail." in after.text
    assert [c.body for c in mail_desk.comments("SUP-1")] == []
    assert admin.post(f"/agent/admin/mail/{mallory}/discard", data={}).status_code == 403


def test_bouncing_addresses_are_listed(mail_desk: MailDesk) -> None:
    from tests.mail.test_mail_guards import _bounce

    mail_desk.receiver().accept(_bounce("bob@acme.example"))
    page = _admin(mail_desk).get("/agent/admin/mail")
    assert "bob@acme.example" in page.text


def test_a_customer_cannot_open_the_mail_page(mail_desk: MailDesk) -> None:
    anonymous = httpx.Client(base_url=mail_desk.url, timeout=10, follow_redirects=False)
    assert anonymous.get("/agent/admin/mail").status_code in (302, 303)


def test_the_console_says_when_the_reporters_mail_bounces(mail_desk: MailDesk) -> None:
    from tests.mail.test_mail_guards import _bounce

    receiver = mail_desk.receiver()
    receiver.accept(mail(sender="ann@acme.example", subject="Help", body="x", message_id="<h@acme.example>"))
    admin = _admin(mail_desk)
    assert 'id="reporter-bounces"' not in admin.get("/agent/tickets/SUP-1").text
    receiver.accept(_bounce("ann@acme.example"))
    page = admin.get("/agent/tickets/SUP-1").text
    assert "Mail to ann@acme.example bounces" in page
