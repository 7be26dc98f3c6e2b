"""Issue 11: each plan's Slack row. Enterprise creates and follows (@mention → Raise request → form →
ticket link in the thread; updates from support there; replies hinted once, never synced; 🎫 and
/assist explained); Premium interacts (all that plus two-way sync). Decided at each event, so a plan
change applies at once in a live thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from assistdesk.domain.links.hints import ChatHint
from assistdesk.domain.orgs import service as orgs
from tests.slack.harness import CHANNEL, JAMIE, PUBLIC_URL, ROOT_TS, SlackWorld

PAT = "U0CUST0002"
LINK = f"<{PUBLIC_URL}/help/requests/SUP-1|SUP-1>"
URL = f"{PUBLIC_URL}/help/requests/SUP-1"
FEATURES = f"{PUBLIC_URL}/help/features"
TITLE = "Login page returns 500 after SSO redirect"
HINT = (
    "Replies in this thread don't reach support on the Enterprise plan. To add to "
    f"{LINK}, reply on the request's page: {URL}. Two-way replies in Slack come with the Premium plan."
)


def arrange(slack: SlackWorld, plan: str) -> None:
    slack.org(plan=plan)
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.fake.add_user(PAT, name="Pat Lee", email="pat@acme.example", locale="ja-JP")


def mention(
    slack: SlackWorld,
    text: str = f"{TITLE}\nStarted today for all users.",
    *,
    user: str = JAMIE,
    ts: str = ROOT_TS,
    thread_ts: str | None = None,
    event_id: str = "Ev0MENTION01",
    as_message: bool = False,
    headers: dict[str, str] | None = None,
) -> None:
    """What Slack sends when `user` writes "@Assist {text}" (as app_mention, or as its message twin)."""
    event: dict[str, Any] = {"user": user, "text": f"<@U0ASSISTBOT> {text}", "ts": ts, "event_ts": ts}
    event["thread_ts"] = thread_ts
    fixture = "message.thread_reply.json" if as_message else "app_mention.json"
    response = slack.event(fixture, event_id=event_id, event=event, headers=headers)
    assert response.status_code == 200, response.text


def reply(slack: SlackWorld, text: str, *, ts: str, user: str = JAMIE, event_id: str | None = None) -> None:
    response = slack.event(
        "message.thread_reply.json",
        event_id=event_id or f"Ev{ts.replace('.', '')}",
        event={"text": text, "ts": ts, "event_ts": ts, "user": user, "thread_ts": ROOT_TS},
    )
    assert response.status_code == 200, response.text


def ticket_from_mention(slack: SlackWorld) -> None:
    mention(slack)
    prompt = slack.fake.wait_for("chat.postEphemeral")[-1].args
    assert slack.submit(slack.open_form(prompt), {}).text == ""
    slack.fake.wait_for("chat.postMessage")
    slack.wait_idle()


def ephemerals(slack: SlackWorld) -> list[dict[str, Any]]:
    slack.wait_idle()
    return [c.args for c in slack.fake.calls_to("chat.postEphemeral")]


def test_an_enterprise_mention_offers_raise_request_whose_form_opens_a_ticket_linked_in_the_thread(
    slack: SlackWorld,
) -> None:
    arrange(slack, "enterprise")
    mention(slack)
    [prompt] = slack.fake.wait_for("chat.postEphemeral")
    assert (prompt.args["channel"], prompt.args["user"]) == (CHANNEL, JAMIE)
    assert prompt.args["blocks"][0]["text"]["text"] == (
        f"Raise a support request about this?\n>{TITLE}\n>Started today for all users."
    )
    button = prompt.args["blocks"][1]["elements"][0]
    assert (button["text"]["text"], button["action_id"]) == ("Raise request", "assist_open_request_form")

    view = slack.open_form(prompt.args)
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["title"]["initial_value"] == TITLE
    assert fields["description"]["initial_value"] == f"{TITLE}\nStarted today for all users."
    assert fields["reporter"]["initial_value"] == "jamie@acme.example"
    assert slack.submit(view, {}).text == ""

    [ticket] = slack.tickets()
    assert (ticket.key, ticket.source, ticket.title) == ("SUP-1", "slack", TITLE)
    confirmation = slack.fake.wait_for("chat.postMessage")[0].args
    assert (confirmation["channel"], confirmation["thread_ts"]) == (CHANNEL, ROOT_TS)
    assert confirmation["blocks"][0]["text"]["text"] == f":ticket: Request {LINK} created: {TITLE}"
    assert confirmation["blocks"][1]["fields"][0]["text"] == "*Status*\nOpen"
    assert confirmation["blocks"][2]["elements"][0]["text"] == (
        "Updates from support appear in this thread; reply on the request's page."
    )


def test_a_mention_delivered_as_app_mention_as_message_and_again_on_retry_opens_one_prompt(
    slack: SlackWorld,
) -> None:
    arrange(slack, "premium")
    mention(slack, event_id="Ev0MENTION01")
    mention(slack, event_id="Ev0MESSAGE01", as_message=True)
    mention(
        slack,
        event_id="Ev0MENTION01",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    mention(slack, event_id="Ev0MESSAGE01", as_message=True, headers={"X-Slack-Retry-Num": "1"})
    assert len(ephemerals(slack)) == 1
    # …and the twin may come first.
    mention(slack, ts="1767225700.000200", event_id="Ev0MESSAGE02", as_message=True)
    mention(slack, ts="1767225700.000200", event_id="Ev0MENTION02")
    prompts = ephemerals(slack)
    assert len(prompts) == 2
    assert prompts[1]["blocks"][1]["elements"][0]["text"]["text"] == "Raise request"


def test_at_bot_help_says_what_each_plan_allows_and_how_to_ask_for_more(slack: SlackWorld) -> None:
    arrange(slack, "enterprise")
    mention(slack, "help")
    [enterprise] = ephemerals(slack)
    assert enterprise["text"] == (
        "*Open a support request from Slack:* mention me with a description of the problem and press "
        "*Raise request*. The request's link is replied in the thread, and an update appears there "
        "whenever support replies or the status changes. On Acme's Enterprise plan, replies in the thread "
        "don't reach support: reply on the request's page. Two-way replies, :ticket: and /assist come "
        f"with the Premium plan; your organization's admin can ask at {FEATURES}."
    )
    slack.runtime.db.run(
        lambda uow: orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan="premium")
    )
    mention(slack, "ヘルプ", ts="1767225700.000200", event_id="Ev0MENTION02", user=PAT)
    premium = ephemerals(slack)[1]
    assert premium["user"] == PAT
    assert "🎫" not in premium["text"] and ":ticket:" in premium["text"] and "/assist" in premium["text"]
    assert "リクエストを作成" in premium["text"] and "メンション" in premium["text"]  # Pat reads Japanese


def test_a_mention_inside_a_ticket_thread_is_a_comment_on_premium_and_a_pointer_on_enterprise(
    slack: SlackWorld,
) -> None:
    arrange(slack, "premium")
    slack.ticket_in_thread()
    mention(slack, "any news?", ts="1767225900.000400", thread_ts=ROOT_TS, event_id="Ev0MENTION03")
    slack.wait_idle()
    assert [c.body for c in slack.comments()] == ["any news?"]
    assert ephemerals(slack) == []

    slack.runtime.db.run(
        lambda uow: orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan="enterprise")
    )
    mention(slack, "and now?", ts="1767225950.000500", thread_ts=ROOT_TS, event_id="Ev0MENTION04")
    [pointer] = ephemerals(slack)
    assert (pointer["user"], pointer["thread_ts"]) == (JAMIE, ROOT_TS)
    assert pointer["text"] == f":ticket: This thread follows {LINK}: Login page returns 500 (Open). {HINT}"
    assert [c.body for c in slack.comments()] == ["any news?"]
    assert len(slack.tickets()) == 1


def test_enterprise_thread_replies_are_hinted_once_per_person_and_thread_and_never_synced(
    slack: SlackWorld,
) -> None:
    arrange(slack, "enterprise")
    ticket_from_mention(slack)
    reply(slack, "It still happens", ts="1767225900.000400")
    reply(slack, "Also on mobile", ts="1767225901.000401")
    reply(slack, "It still happens", ts="1767225900.000400", event_id="Ev0RETRIED")  # Slack's retry
    reply(slack, "私も同じです", ts="1767225902.000402", user=PAT)
    told = ephemerals(slack)[1:]  # after the prompt
    assert [(t["user"], t["thread_ts"]) for t in told] == [(JAMIE, ROOT_TS), (PAT, ROOT_TS)]
    assert told[0]["text"] == HINT
    assert told[1]["text"].startswith(
        "エンタープライズ プランでは、このスレッドへの返信はサポートに届きません。"
    )
    assert slack.comments() == []
    # The hint is remembered in the database (chat_hints), not in the process.
    with slack.runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(ChatHint)) == 2
    reply(slack, "Any update?", ts="1767225903.000403")
    assert len(ephemerals(slack)) == 3
    assert slack.comments() == []


def test_premium_thread_replies_become_comments(slack: SlackWorld) -> None:
    arrange(slack, "premium")
    ticket_from_mention(slack)
    reply(slack, "It still happens", ts="1767225900.000400")
    slack.wait_idle()
    [comment] = slack.comments()
    assert (comment.body, comment.public, comment.source) == ("It still happens", True, "slack")
    assert len(ephemerals(slack)) == 1  # only the prompt


def test_ticket_reaction_and_assist_on_enterprise_explain_premium_privately_and_open_nothing(
    slack: SlackWorld,
) -> None:
    arrange(slack, "enterprise")
    slack.fake.add_message(CHANNEL, ROOT_TS, user=JAMIE, text="Export broken")
    explanation = (
        ":ticket: and /assist come with the Premium plan; Acme is on the Enterprise plan. To open a "
        "request here, mention me with a description of the problem. Your organization's admin can "
        f"ask for more at {FEATURES}."
    )
    assert slack.command("Export broken").json() == {"response_type": "ephemeral", "text": explanation}
    assert slack.event("reaction_added.json").status_code == 200
    [told] = slack.fake.wait_for("chat.postEphemeral")
    assert (told.args["user"], told.args["text"]) == (JAMIE, explanation)
    slack.wait_idle()
    assert slack.tickets() == []
    assert slack.fake.calls_to("views.open") == []


def test_plan_changes_take_effect_at_once_in_a_live_thread_and_lose_nothing(slack: SlackWorld) -> None:
    arrange(slack, "premium")
    ticket_from_mention(slack)
    reply(slack, "first, on premium", ts="1767225900.000400")
    slack.wait_idle()

    def plan(name: str) -> None:
        slack.runtime.db.run(lambda uow: orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan=name))

    plan("enterprise")
    reply(slack, "second, on enterprise", ts="1767225901.000401")
    slack.wait_idle()
    assert [c.body for c in slack.comments()] == ["first, on premium"]  # kept; the later one hinted
    assert ephemerals(slack)[-1]["text"] == HINT

    plan("premium")
    reply(slack, "third, on premium again", ts="1767225902.000402")
    slack.wait_idle()
    assert [c.body for c in slack.comments()] == ["first, on premium", "third, on premium again"]


def test_enterprise_threads_get_an_update_for_public_replies_and_status_changes_never_internal_notes(
    slack: SlackWorld,
) -> None:
    arrange(slack, "enterprise")
    ticket_from_mention(slack)
    agent = slack.api(slack.agent_token())
    agent.post("/tickets/SUP-1/comments", json={"body": "Internal: old SSO config", "public": False})
    agent.post("/tickets/SUP-1/comments", json={"body": "We deployed a fix, please retry."})
    slack.wait_idle()
    [_, update] = slack.fake.calls_to("chat.postMessage")
    assert update.args["thread_ts"] == ROOT_TS
    assert "username" not in update.args  # an update from the app, not a post under the engineer's name
    assert [b["text"]["text"] for b in update.args["blocks"][:2]] == [
        f":bell: Update on {LINK}: {TITLE}\nStatus: Open",
        "*Latest comment from Dana Reyes:*\n>We deployed a fix, please retry.",
    ]
    assert update.args["blocks"][2]["elements"][0]["text"] == f"Reply on the request's page: {URL}"

    assert agent.patch("/tickets/SUP-1", json={"status": "waiting_on_customer"}).status_code == 200
    slack.wait_idle()
    [_, _, status] = slack.fake.calls_to("chat.postMessage")
    first = status.args["blocks"][0]["text"]["text"]
    assert first.startswith(f":bell: Update on {LINK}: {TITLE}\nDana Reyes changed the status from Open to ")
    assert status.args["blocks"][1]["text"]["text"].endswith(">We deployed a fix, please retry.")
    texts = " ".join(m["text"] for m in slack.fake.thread(CHANNEL, ROOT_TS))
    assert "Internal" not in texts


def test_a_thread_whose_feature_was_withdrawn_explains_why_once_and_keeps_earlier_comments(
    slack: SlackWorld,
) -> None:
    arrange(slack, "premium")
    ticket_from_mention(slack)
    reply(slack, "kept", ts="1767225900.000400")
    slack.wait_idle()
    slack.runtime.db.run(
        lambda uow: orgs.disable_feature(uow, org=orgs.get_org(uow.session, "Acme"), feature="slack")
    )
    reply(slack, "not stored", ts="1767225901.000401")
    reply(slack, "not stored either", ts="1767225902.000402")
    told = ephemerals(slack)[1:]
    assert [t["text"] for t in told] == [
        "Support requests from Slack are included in Acme's Premium plan but are not switched on "
        f"(currently: off). Your organization's admin can ask for them at {FEATURES}."
    ]
    assert [c.body for c in slack.comments()] == ["kept"]
