"""Passwordless sign-in: a link and a code by mail, single use, the same answer for unknown emails."""

from __future__ import annotations

import re
import time

from sqlalchemy import select, update

from assistdesk.domain.access.models import LoginToken
from tests.pages.conftest import Desk, follow_link, post_form


def test_the_mailed_link_signs_in_once_and_keeps_the_deep_link(desk: Desk) -> None:
    browser = desk.client()
    first = browser.get("/help/requests/SUP-1")
    assert first.status_code == 303 and first.headers["location"].startswith("/help/login?next=")
    browser.get(first.headers["location"])
    sent = post_form(browser, "/help/login", "/help/login", {"email": "Ann@Acme.example"})
    assert "Check your email" in sent.text
    mail = desk.mailbox.wait_for("ann@acme.example")
    assert mail.code in mail.body and "/help/login/link?token=" in mail.body
    path = mail.link.replace(desk.runtime.settings.public_url, "")
    # a mail scanner opening the link first does not use it up
    scanner = desk.client().get(path)
    assert scanner.status_code == 200 and "Continue as ann@acme.example." in scanner.text
    signed_in = follow_link(browser, path)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/help/requests/SUP-1"
    assert "Checkout times out" in browser.get("/help/requests/SUP-1").text
    # single use: the same link in another browser does nothing
    again = desk.client().get(path)
    assert again.status_code == 410 and "expired or was already used" in again.text
    assert follow_link(desk.client(), path).status_code == 410


def test_an_unknown_email_gets_the_same_page_and_no_mail(desk: Desk) -> None:
    known = post_form(desk.client(), "/help/login", "/help/login", {"email": "ann@acme.example"})
    unknown = post_form(desk.client(), "/help/login", "/help/login", {"email": "mallory@evil.example"})
    assert known.status_code == unknown.status_code == 200

    def shown(html: str, email: str) -> str:
        return re.sub(r'name="csrf_token" value="[^"]+"', "", html).replace(email, "X")

    assert shown(known.text, "ann@acme.example") == shown(unknown.text, "mallory@evil.example")
    desk.mailbox.wait_for("ann@acme.example")
    time.sleep(0.5)
    assert desk.mailbox.messages("mallory@evil.example") == []


def test_the_code_signs_in_and_five_wrong_guesses_spend_it(desk: Desk) -> None:
    browser = desk.client()
    post_form(browser, "/help/login", "/help/login", {"email": "bob@acme.example"})
    mail = desk.mailbox.wait_for("bob@acme.example")
    wrong = "000000" if mail.code != "000000" else "111111"
    bad = post_form(browser, "/help/login", "/help/login/code", {"email": "bob@acme.example", "code": wrong})
    assert bad.status_code == 422 and "not valid" in bad.text
    good = post_form(
        browser, "/help/login", "/help/login/code", {"email": "bob@acme.example", "code": mail.code}
    )
    assert good.status_code == 303
    assert "Export drops accents" in browser.get("/help/requests").text

    other = desk.client()
    post_form(other, "/help/login", "/help/login", {"email": "gina@globex.example"})
    code = desk.mailbox.wait_for("gina@globex.example").code
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        post_form(other, "/help/login", "/help/login/code", {"email": "gina@globex.example", "code": wrong})
    with desk.runtime.db.reading() as session:  # the code is spent; the link in the mail is not
        assert session.scalars(select(LoginToken.code_digest).order_by(LoginToken.id.desc())).first() is None
    spent = post_form(
        other, "/help/login", "/help/login/code", {"email": "gina@globex.example", "code": code}
    )
    assert spent.status_code in (422, 429)
    assert other.get("/help/requests").status_code == 303  # still signed out


def test_an_expired_code_does_not_work(desk: Desk) -> None:
    browser = desk.client()
    post_form(browser, "/help/login", "/help/login", {"email": "ann@acme.example"})
    mail = desk.mailbox.wait_for("ann@acme.example")
    desk.runtime.db.run(
        lambda uow: uow.session.execute(update(LoginToken).values(expires_at=LoginToken.created_at))
    )
    answer = post_form(
        browser, "/help/login", "/help/login/code", {"email": "ann@acme.example", "code": mail.code}
    )
    assert answer.status_code == 422
    assert (
        follow_link(desk.client(), mail.link.replace(desk.runtime.settings.public_url, "")).status_code == 410
    )


def test_logins_are_limited_per_email_but_not_before_five(desk: Desk) -> None:
    browser = desk.client()
    answers = [
        post_form(browser, "/help/login", "/help/login", {"email": "ann@acme.example"}).status_code
        for _ in range(6)
    ]
    assert answers == [200] * 5 + [429]
    # another email from the same address is still served
    assert post_form(browser, "/help/login", "/help/login", {"email": "bob@acme.example"}).status_code == 200


def test_a_post_without_the_csrf_token_is_refused_and_sends_nothing(desk: Desk) -> None:
    browser = desk.client()
    browser.get("/help/login")
    answer = browser.post("/help/login", data={"email": "ann@acme.example"})
    assert answer.status_code == 403
    forged = browser.post("/help/login", data={"email": "ann@acme.example", "csrf_token": "0" * 64})
    assert forged.status_code == 403
    time.sleep(0.5)
    assert desk.mailbox.messages() == []


def test_cookies_are_http_only_and_lax_and_pages_carry_a_csp(desk: Desk) -> None:
    browser = desk.customer("ann@acme.example")
    page = browser.get("/help/requests")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    cookie = next(c for c in browser.cookies.jar if c.name == "adk_help")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.path == "/help"
    assert cookie.get_nonstandard_attr("SameSite").lower() == "lax"


def test_the_page_speaks_the_browsers_language_until_switched(desk: Desk) -> None:
    browser = desk.client()
    japanese = browser.get("/help/login", headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"})
    assert '<html lang="ja">' in japanese.text and "ヘルプセンターにサインイン" in japanese.text
    switched = post_form(browser, "/help/login", "/lang", {"lang": "en", "next": "/help/login"})
    assert switched.status_code == 303 and switched.headers["location"] == "/help/login"
    english = browser.get("/help/login", headers={"Accept-Language": "ja"})
    assert "Sign in to the help center" in english.text
    # the switch never redirects elsewhere
    away = post_form(browser, "/help/login", "/lang", {"lang": "ja", "next": "//evil.example/x"})
    assert away.headers["location"] == "/help/requests"
