"""`assistdesk mail check` says what works, against the real Dovecot, listener and SMTP server."""

from __future__ import annotations

import pytest

from assistdesk.cli.main import run
from tests.mail.conftest import MailDesk


def test_mail_check_says_what_works_and_fails_on_a_wrong_password(
    mail_desk: MailDesk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = mail_desk.runtime.settings
    assert settings.imap_url is not None and settings.smtp_url is not None
    monkeypatch.setenv("ASSISTDESK_SUPPORT_ADDRESS", "support@desk.test")
    monkeypatch.setenv("ASSISTDESK_IMAP_URL", settings.imap_url.get_secret_value())
    monkeypatch.setenv("ASSISTDESK_SMTP_LISTEN", f"127.0.0.1:{mail_desk.listen_port}")
    monkeypatch.setenv("ASSISTDESK_SMTP_URL", settings.smtp_url.get_secret_value())

    assert run(["mail", "check"]) == 0
    out = capsys.readouterr().out
    assert "IMAP mailbox: ok: 127.0.0.1:" in out and "/INBOX: logged in, 0 unread (IDLE)" in out
    assert f"SMTP listener: ok: 127.0.0.1:{mail_desk.listen_port}: answers" in out
    assert "outgoing SMTP: ok:" in out

    monkeypatch.setenv("ASSISTDESK_IMAP_URL", settings.imap_url.get_secret_value().replace("secret", "wrong"))
    assert run(["mail", "check"]) == 1
    out = capsys.readouterr().out
    assert "IMAP mailbox: FAILED: LoginError" in out
    assert "wrong" not in out


def test_mail_check_without_mail_settings_says_what_is_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ASSISTDESK_IMAP_URL", "ASSISTDESK_SMTP_LISTEN", "ASSISTDESK_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    assert run(["mail", "check"]) == 0
    out = capsys.readouterr().out
    assert "IMAP mailbox: not configured" in out
    assert "outgoing SMTP: not configured (ASSISTDESK_SMTP_URL): mail is written to the log" in out


def test_mail_check_refuses_a_malformed_imap_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTDESK_IMAP_URL", "http://mail.example.test")
    monkeypatch.delenv("ASSISTDESK_SMTP_LISTEN", raising=False)
    monkeypatch.delenv("ASSISTDESK_SMTP_URL", raising=False)
    assert run(["mail", "check"]) == 1
    assert "ASSISTDESK_IMAP_URL must look like imap://" in capsys.readouterr().out
