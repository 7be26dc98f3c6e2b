"""Sending one message through `ASSISTDESK_SMTP_URL`, and classifying what happened.

`smtp://host:port` speaks plain SMTP (STARTTLS when the server offers it), `smtps://user:pass@host:port`
TLS from the first byte. With no URL the message is written to the log: a fresh install can sign in
without a mail server.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from assistdesk.outcomes import Delivered, Outcome, PermanentFailure, TransientFailure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "ASSISTDESK_SMTP_URL must look like smtp://host:port or smtps://user:pass@host:port"
            )
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def build(mail: Mail, *, sender: str, message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else "localhost"
    message["Message-ID"] = message_id or make_msgid(domain=domain)
    message.set_content(mail.body)
    return message


NO_STARTTLS = "the mail server does not offer STARTTLS and ASSISTDESK_SMTP_REQUIRE_TLS is set"


def send(
    mail: Mail,
    *,
    smtp_url: str | None,
    sender: str,
    message_id: str | None = None,
    timeout: float = 10.0,
    require_tls: bool = False,
) -> Outcome:
    """Blocking: run it in a thread. With `require_tls`, an smtp:// server that does not offer
    STARTTLS gets nothing (no login, no message): opportunistic TLS is stripped by anyone on the path."""
    if not smtp_url:
        log.warning(
            "ASSISTDESK_SMTP_URL is not set; mail to %s:\nSubject: %s\n\n%s", mail.to, mail.subject, mail.body
        )
        return Delivered(reference="log")
    return send_message(
        build(mail, sender=sender, message_id=message_id),
        smtp_url=smtp_url,
        timeout=timeout,
        require_tls=require_tls,
    )


def send_message(
    message: EmailMessage, *, smtp_url: str | None, timeout: float = 10.0, require_tls: bool = False
) -> Outcome:
    """Blocking: run it in a thread. The envelope sender and recipients come from the headers;
    `require_tls` as for `send`."""
    if not smtp_url:
        plain = message.get_body(preferencelist=("plain",))
        log.warning(
            "ASSISTDESK_SMTP_URL is not set; mail to %s:\nSubject: %s\n\n%s",
            message["To"],
            message["Subject"],
            plain.get_content() if plain is not None else "(no text part)",
        )
        return Delivered(reference=str(message["Message-ID"]))
    target = SmtpTarget.parse(smtp_url)
    try:
        if target.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                target.host, target.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=timeout)
        with client:
            client.ehlo_or_helo_if_needed()
            if not target.tls and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
            elif not target.tls and require_tls:
                return TransientFailure(NO_STARTTLS)
            if target.username:
                client.login(target.username, target.password or "")
            refused = client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        return PermanentFailure(f"the mail server refused the recipient: {_codes(exc.recipients)}")
    except smtplib.SMTPAuthenticationError as exc:
        return TransientFailure(f"the mail server refused our login ({exc.smtp_code})")
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            return PermanentFailure(f"the mail server answered {exc.smtp_code}")
        return TransientFailure(f"the mail server answered {exc.smtp_code}")
    except (TimeoutError, OSError, smtplib.SMTPException) as exc:
        return TransientFailure(f"cannot reach the mail server: {type(exc).__name__}")
    if refused:
        return PermanentFailure(f"the mail server refused the recipient: {_codes(refused)}")
    return Delivered(reference=str(message["Message-ID"]))


def _codes(recipients: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(str(code) for code, _ in recipients.values())


def check(url: str, *, timeout: float = 10.0) -> str:
    """`mail check`: greet the outgoing server (STARTTLS and login as a delivery would). Raises with
    the reason on failure."""
    target = SmtpTarget.parse(url)
    if target.tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        client.ehlo()
        secured = target.tls
        if not target.tls and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            secured = True
        if target.username:
            client.login(target.username, target.password or "")
        client.noop()
    security = "TLS" if secured else "no TLS"
    login = "logged in" if target.username else "no login"
    return f"{target.host}:{target.port}: answers ({security}, {login})"
