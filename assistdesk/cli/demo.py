"""`serve --demo`: a working desk at once for a newcomer — two customer organizations, their people,
two agents and tickets in every state, some from Slack and Lark. Only on a database without any
organization, so it never mixes into real data."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, TicketSource
from assistdesk.domain.tickets.service import Author
from assistdesk.runtime import Runtime

ADMIN_EMAIL = "admin@vendor.example"
CUSTOMER_EMAIL = "ann@acme.example"

_TICKETS = [
    # org, reporter, title, description, severity, source, status, [(who, public, body)]
    (
        "Acme Corp",
        "ann@acme.example",
        "Checkout page times out",
        "Since this morning the checkout page "
        "spins for a minute, then shows a 504.\nAbout a third of our customers are affected.",
        "S1",
        TicketSource.SLACK,
        "in_progress",
        [
            ("agent", True, "Thanks Ann, we see the timeouts too and are on it."),
            ("note", False, "Looks like the payment gateway pool is exhausted; paging infra."),
        ],
    ),
    (
        "Acme Corp",
        "bob@acme.example",
        "Export to CSV drops accents",
        "Names like José come out as Jos?.",
        "S3",
        TicketSource.PORTAL,
        "waiting_on_customer",
        [("agent", True, "Which spreadsheet app opens the file?")],
    ),
    (
        "Acme Corp",
        "ann@acme.example",
        "How do I add a teammate?",
        "Where are user invitations?",
        "S4",
        TicketSource.PORTAL,
        "resolved",
        [
            ("agent", True, "Settings → Team → Invite. Let us know if that helps!"),
            ("customer", True, "Found it, thank you."),
        ],
    ),
    (
        "Acme Corp",
        "bob@acme.example",
        "API returns 429 too early",
        "We hit rate limits at 20 requests/s; the contract says 50.",
        "S2",
        TicketSource.API,
        "open",
        [],
    ),
    (
        "Globex",
        "gina@globex.example",
        "SSO login loops back to the start",
        "After the IdP redirect we land on the login page again.",
        "S2",
        TicketSource.LARK,
        "open",
        [],
    ),
    (
        "Globex",
        "gina@globex.example",
        "請求書の宛名を変更したい",
        "来月から宛名を「Globex Japan」に変更してください。",
        "S4",
        TicketSource.PORTAL,
        "in_progress",
        [("agent", True, "承知しました。来月の請求書から変更します。")],
    ),
]


@dataclass(frozen=True)
class DemoLogins:
    admin_email: str
    admin_password: str
    customer_email: str


def seed(runtime: Runtime) -> DemoLogins | None:
    """Fill an empty desk; None when it already has organizations."""
    password = secrets.token_urlsafe(9)

    def work(uow: UnitOfWork) -> bool:
        session = uow.session
        if session.scalar(select(Organization.id).limit(1)) is not None:
            return False
        acme = orgs.create_org(uow, name="Acme Corp", plan="premium", domains=["acme.example"])
        orgs.enable_feature(uow, org=acme, feature="slack")
        globex = orgs.create_org(uow, name="Globex", plan="enterprise", domains=["globex.example"])
        orgs.request_feature(
            uow,
            org=globex,
            feature="lark",
            requested_by_email="gina@globex.example",
            note="Our support group is “Globex ⇄ Vendor”",
        )
        contacts = {
            "ann@acme.example": people.add_contact(
                uow, email="ann@acme.example", org=acme, name="Ann Lee", admin=True
            ),
            "bob@acme.example": people.add_contact(uow, email="bob@acme.example", org=acme, name="Bob Ortiz"),
            "gina@globex.example": people.add_contact(
                uow, email="gina@globex.example", org=globex, name="Gina Sato", admin=True
            ),
        }
        admin = people.add_agent(uow, email=ADMIN_EMAIL, name="Ada Admin", admin=True, password=password)
        eve = people.add_agent(uow, email="eve@vendor.example", name="Eve Engineer", password=password)
        by_name = {"Acme Corp": acme, "Globex": globex}
        for org_name, reporter, title, description, severity, source, status, comments in _TICKETS:
            ticket = tickets.create_ticket(
                uow,
                org=by_name[org_name],
                reporter=contacts[reporter],
                title=title,
                description=description,
                severity=severity,
                source=source,
                prefix=runtime.settings.ticket_prefix,
            )
            tickets.assign(uow, ticket=ticket, agent=eve if status != "open" else None)
            for who, public, body in comments:
                author = Author.of_contact(contacts[reporter]) if who == "customer" else Author.of_agent(eve)
                source_of = CommentSource.PORTAL if who == "customer" else CommentSource.CONSOLE
                tickets.add_comment(
                    uow, ticket=ticket, author=author, body=body, public=public, source=source_of
                )
            if ticket.status != status:
                tickets.change_status(uow, ticket=ticket, status=status, actor=Author.of_agent(admin))
        return True

    return DemoLogins(ADMIN_EMAIL, password, CUSTOMER_EMAIL) if runtime.db.run(work) else None
