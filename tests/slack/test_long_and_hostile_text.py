"""What people write cannot break Slack: long comments are cut with a link to the ticket (never
refused by Slack), and text is escaped so it cannot ping @channel or forge markup."""

from __future__ import annotations

from assistdesk.domain.tickets import service as tickets
from tests.slack.harness import CHANNEL, PUBLIC_URL, ROOT_TS, SlackWorld


def test_a_long_comment_is_cut_with_a_link_and_still_fits_an_edit(slack: SlackWorld) -> None:
    slack.org()
    slack.ticket_in_thread()
    agent = slack.api(slack.agent_token())
    body = "Stack trace follows.\n" + "at com.example.Sso.redirect(Sso.java:42)\n" * 1000
    comment_id = agent.post("/tickets/SUP-1/comments", json={"body": body}).json()["id"]
    slack.wait_idle()
    [_, posted] = slack.fake.thread(CHANNEL, ROOT_TS)
    assert len(posted["text"]) <= 3800
    assert posted["text"].startswith("Stack trace follows.\nat com.example")
    assert posted["text"].endswith(
        f"_(cut here: read the whole comment on <{PUBLIC_URL}/help/requests/SUP-1|SUP-1>)_"
    )
    with slack.runtime.db.transaction() as uow:
        tickets.edit_comment(uow, comment=tickets.get_comment(uow.session, comment_id), body=body + "more")
    slack.wait_idle()
    assert slack.jobs()[0].status == "delivered"  # chat.update's 4,000 limit was respected
    assert [j.status for j in slack.jobs()] == ["delivered"] * len(slack.jobs())


def test_people_s_text_is_escaped_everywhere_it_is_shown(slack: SlackWorld) -> None:
    slack.org()
    slack.ticket_in_thread(title="<!channel> export & import *broken*")
    [card] = slack.fake.thread(CHANNEL, ROOT_TS)
    assert "&lt;!channel&gt; export &amp; import *broken*" in card["blocks"][0]["text"]["text"]
    assert "<!channel>" not in str(card["blocks"])
    agent = slack.api(slack.agent_token())
    agent.post("/tickets/SUP-1/comments", json={"body": "See <https://evil.example|your bank> <@U0CEO>"})
    slack.wait_idle()
    assert slack.fake.thread(CHANNEL, ROOT_TS)[-1]["text"] == (
        "See &lt;https://evil.example|your bank&gt; &lt;@U0CEO&gt;"
    )
