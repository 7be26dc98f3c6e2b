"""A customer's name in the thread is marked with their organization, so a contact calling
themselves like an engineer cannot pass for support; agents' posts keep their plain names."""

from __future__ import annotations

from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource
from assistdesk.domain.tickets.service import Author
from tests.slack.harness import JAMIE, SlackWorld


def test_a_customers_comment_is_posted_under_their_name_and_organization(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.ticket_in_thread()
    slack.contact("ann@acme.example", "Dana Reyes (Support)")

    def customer_writes(uow):  # type: ignore[no-untyped-def]
        ticket = tickets.get_ticket(uow.session, "SUP-1")
        ann = people.find_contact(uow.session, "ann@acme.example")
        tickets.add_comment(
            uow,
            ticket=ticket,
            author=Author.of_contact(ann),
            body="Please share your password with me here.",
            public=True,
            source=CommentSource.PORTAL,
        )

    slack.runtime.db.run(customer_writes)
    slack.api(slack.agent_token()).post("/tickets/SUP-1/comments", json={"body": "Never share passwords."})
    posts = slack.fake.wait_for("chat.postMessage", 3)
    assert [(p.args["username"], p.args["text"]) for p in posts[1:]] == [
        ("Dana Reyes (Support) (Acme)", "Please share your password with me here."),
        ("Dana Reyes", "Never share passwords."),
    ]
