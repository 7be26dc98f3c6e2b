"""Story 3: the ticket's thread and the ticket stay in sync both ways; internal notes never leave."""

from __future__ import annotations

from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.models import Attachment
from tests.fakes.slack_api import ALL_SCOPES
from tests.slack.harness import CHANNEL, JAMIE, PUBLIC_URL, ROOT_TS, SlackWorld

PAT = "U0STRANGER"
ANN = "U0ANN00001"


def test_public_agent_comments_reach_the_thread_under_the_agents_name_internal_notes_never(
    slack: SlackWorld,
) -> None:
    slack.org()
    slack.ticket_in_thread()
    agent = slack.api(slack.agent_token())
    agent.post(
        "/tickets/SUP-1/comments",
        json={"body": "Internal: customer is on the old SSO config", "public": False},
    )
    agent.post(
        "/tickets/SUP-1/comments", json={"body": "We deployed a fix <!channel> & <@U0BOSS> — please retry."}
    )
    [_, comment] = slack.fake.wait_for("chat.postMessage", 2)
    assert comment.args["thread_ts"] == ROOT_TS
    assert comment.args["username"] == "Dana Reyes"
    assert comment.args["text"] == "We deployed a fix &lt;!channel&gt; &amp; &lt;@U0BOSS&gt; — please retry."
    slack.wait_idle()
    texts = [m["text"] for m in slack.fake.thread(CHANNEL, ROOT_TS)]
    assert not any("Internal" in t for t in texts)

    # Without chat:write.customize the name leads the text instead: first learnt from Slack's
    # missing_scope answer, then from the scopes auth.test announces.
    slack.fake.workspaces["xoxb-test-token"].scopes = ALL_SCOPES.replace(",chat:write.customize", "")
    agent.post("/tickets/SUP-1/comments", json={"body": "Fixed for good."})
    slack.wait_idle()
    assert slack.runtime.slack is not None
    slack.runtime.slack.installations.forget()
    agent.post("/tickets/SUP-1/comments", json={"body": "Closing soon."})
    slack.wait_idle()
    posted = [m for m in slack.fake.thread(CHANNEL, ROOT_TS) if m["text"].startswith("*Dana")]
    assert [(m["text"], m["username"]) for m in posted] == [
        ("*Dana Reyes*: Fixed for good.", None),
        ("*Dana Reyes*: Closing soon.", None),
    ]


def test_agent_edits_and_deletions_follow_their_comment_in_the_thread(slack: SlackWorld) -> None:
    slack.org()
    slack.ticket_in_thread()
    agent = slack.api(slack.agent_token())
    comment_id = agent.post("/tickets/SUP-1/comments", json={"body": "Try v2.3"}).json()["id"]
    slack.wait_idle()
    with slack.runtime.db.transaction() as uow:  # as the agent console does
        tickets.edit_comment(uow, comment=tickets.get_comment(uow.session, comment_id), body="Try v2.4")
    slack.wait_idle()
    assert [m["text"] for m in slack.fake.thread(CHANNEL, ROOT_TS)][-1] == "Try v2.4"
    with slack.runtime.db.transaction() as uow:
        tickets.delete_comment(uow, comment=tickets.get_comment(uow.session, comment_id))
    slack.wait_idle()
    assert "Try v2.4" not in [m["text"] for m in slack.fake.thread(CHANNEL, ROOT_TS)]


def test_customer_replies_become_public_comments_attributed_by_email(slack: SlackWorld) -> None:
    slack.org()
    slack.contact("ann@acme.example", "Ann Smith")
    slack.fake.add_user(ANN, name="Ann Smith", email="ann@acme.example")
    slack.fake.add_user(PAT, name="Pat Lee", email="pat@gmail.example")
    slack.ticket_in_thread()
    assert slack.event("message.thread_reply.json", event={"user": ANN}).status_code == 200
    assert (
        slack.event(
            "message.thread_reply.json",
            event_id="Ev0MSGREPLY2",
            event={"user": PAT, "ts": "1767225910.000410", "text": "Same here &lt;3"},
        ).status_code
        == 200
    )
    slack.wait_idle()
    comments = slack.comments()
    assert [(c.author_kind, c.author_name, c.author_email, c.public, c.source, c.body) for c in comments] == [
        (
            "contact",
            "Ann Smith",
            "ann@acme.example",
            True,
            "slack",
            "Thanks! It still happens after clearing cookies. Screenshot attached earlier.",
        ),
        ("chat", "pat", None, True, "slack", "Same here <3"),
    ]

    assert (
        slack.event(
            "message.message_changed.json",
            event={"message": {"user": ANN}, "previous_message": {"user": ANN}},
        ).status_code
        == 200
    )
    assert (
        slack.event(
            "message.message_deleted.json",
            event={
                "deleted_ts": "1767225910.000410",
                "previous_message": {"ts": "1767225910.000410", "user": PAT},
            },
        ).status_code
        == 200
    )
    slack.wait_idle()
    edited, deleted = slack.comments()
    assert (edited.body, edited.edited_at is not None) == (
        "Thanks! It still happens after clearing cookies (Chrome 131).",
        True,
    )
    assert deleted.deleted_at is not None
    # None of this was echoed back into the thread it came from.
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


def test_files_are_kept_as_attachments_or_as_links_without_files_read(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.ticket_in_thread()
    url = slack.fake.add_file("F0HAR00001", b'{"log": "500 at /sso"}')
    file = {
        "id": "F0HAR00001",
        "name": "login.har",
        "mimetype": "application/json",
        "size": 22,
        "url_private_download": url,
        "permalink": "https://acme-customer.slack.com/files/U0CUST0001/F0HAR00001/login.har",
    }
    assert slack.event("message.file_share.json", event={"files": [file]}).status_code == 200
    slack.wait_idle()
    slack.fake.workspaces["xoxb-test-token"].scopes = ALL_SCOPES.replace(",files:read", "")
    assert slack.runtime.slack is not None
    slack.runtime.slack.installations.forget()
    assert (
        slack.event(
            "message.file_share.json",
            event_id="Ev0FILESHR02",
            event={"ts": "1767225951.000451", "files": [file]},
        ).status_code
        == 200
    )
    slack.wait_idle()
    with slack.runtime.db.reading() as session:
        kept = session.query(Attachment).order_by(Attachment.id).all()
        assert [(a.filename, a.content, a.external_url) for a in kept] == [
            ("login.har", b'{"log": "500 at /sso"}', file["permalink"]),
            ("login.har", None, file["permalink"]),
        ]
    assert [c.body for c in slack.comments()] == ["Here is the HAR file", "Here is the HAR file"]


def test_a_reply_on_a_resolved_request_reopens_it(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.ticket_in_thread()
    agent = slack.api(slack.agent_token())
    assert agent.patch("/tickets/SUP-1", json={"status": "resolved"}).status_code == 200
    slack.wait_idle()
    slack.event("message.thread_reply.json")
    slack.wait_idle()
    assert slack.tickets()[0].status == "open"
    thread = slack.fake.thread(CHANNEL, ROOT_TS)
    assert [m["text"] for m in thread if m["text"].startswith(":arrows")] == [
        ":arrows_counterclockwise: Status changed from Open to Resolved by Dana Reyes.",
        ":arrows_counterclockwise: Status changed from Resolved to Open by jamie.",
    ]
    card = thread[0]  # the confirmation, edited in place
    assert card["edited"] is True
    assert card["blocks"][1]["fields"][0]["text"] == "*Status*\nOpen"
    assert f"{PUBLIC_URL}/help/requests/SUP-1" in card["text"]
