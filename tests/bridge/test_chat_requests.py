"""Platform-neutral chat use cases: who may open requests, one ticket per thread, replies."""

from __future__ import annotations

import threading

import pytest

from assistdesk.bridge import chat
from assistdesk.bridge.chat import Access, ChatFile, ChatPerson, ChatPlace, NotEntitled, ReplyOutcome
from assistdesk.bridge.representations import comment_out
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.enums import ChatMode, Feature
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.errors import Invalid
from assistdesk.runtime import Runtime

PLACE = ChatPlace(ChatPlatform.SLACK, "T1", "C1")
JAMIE = ChatPerson("U1", "jamie", "jamie@acme.example", "ja-JP")
URL = "https://help.example.test"


def setup_org(runtime: Runtime, *, plan: str = "premium", enable: bool = True, connect: bool = True) -> None:
    def seed(uow):  # type: ignore[no-untyped-def]
        org = orgs.create_org(uow, name="Acme", plan=plan, domains=["acme.example"])
        people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")
        if enable:
            orgs.enable_feature(uow, org=org, feature="slack")
        if connect:
            links.connect_channel(uow, platform="slack", workspace="T1", channel="C1", org=org)

    runtime.db.run(seed)


def open_request(
    runtime: Runtime, *, root: str | None = "100.1", email: str = "ann@acme.example", title: str = "Broken"
):  # type: ignore[no-untyped-def]
    return runtime.db.run(
        lambda uow: chat.open_request(
            uow,
            place=PLACE,
            requester=JAMIE,
            reporter_email=email,
            title=title,
            description="d",
            severity="S2",
            thread_root=root,
            prefix="SUP",
            public_url=URL,
        )
    )


def test_requests_need_a_connected_channel_the_plan_and_the_feature(runtime: Runtime) -> None:
    with runtime.db.reading() as session:
        assert chat.entitlement(session, PLACE).access is Access.NOT_CONNECTED
    setup_org(runtime, plan="developer", enable=False)
    with runtime.db.reading() as session:
        denied = chat.entitlement(session, PLACE)
    assert (denied.access, denied.organization, denied.plan, denied.required_plan) == (
        Access.PLAN_TOO_LOW,
        "Acme",
        "developer",
        "enterprise",
    )
    runtime.db.run(lambda uow: orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan="premium"))
    with runtime.db.reading() as session:
        assert chat.entitlement(session, PLACE).access is Access.NOT_ENABLED
    with pytest.raises(NotEntitled) as refused:
        open_request(runtime)
    assert refused.value.entitlement.feature_state == "off"
    with runtime.db.reading() as session:
        assert tickets.list_tickets(session) == []


def test_the_entitlement_agrees_with_the_organization_s_feature_state_in_every_state(
    runtime: Runtime,
) -> None:
    """`entitlement` reads the link and the feature's state in one statement; it must decide as the
    organization's own rule (`Organization.feature_state`) and `find_channel_link` do."""
    setup_org(runtime, plan="premium", enable=False)

    def seen(place: ChatPlace = PLACE) -> tuple[Access, str | None, str | None, ChatMode]:
        with runtime.db.reading() as session:
            found = chat.entitlement(session, place)
            if found.access is not Access.NOT_CONNECTED:
                org = orgs.get_org(session, "Acme")
                assert found.feature_state == org.feature_state(Feature.SLACK).value
        return found.access, found.feature_state, found.plan, found.mode

    def change(work) -> None:  # type: ignore[no-untyped-def]
        runtime.db.run(lambda uow: work(uow, orgs.get_org(uow.session, "Acme")))

    assert seen() == (Access.NOT_ENABLED, "off", "premium", ChatMode.NONE)
    change(lambda uow, org: orgs.request_feature(uow, org=org, feature="slack", requested_by_email=None))
    assert seen() == (Access.NOT_ENABLED, "requested", "premium", ChatMode.NONE)
    change(lambda uow, org: orgs.enable_feature(uow, org=org, feature="slack"))
    assert seen() == (Access.ALLOWED, "enabled", "premium", ChatMode.INTERACT)
    change(lambda uow, org: orgs.set_plan(uow, org=org, plan="enterprise"))
    assert seen() == (Access.ALLOWED, "enabled", "enterprise", ChatMode.CREATE_AND_FOLLOW)
    change(lambda uow, org: orgs.set_plan(uow, org=org, plan="developer"))
    assert seen() == (Access.PLAN_TOO_LOW, "suspended", "developer", ChatMode.NONE)
    change(lambda uow, org: orgs.set_plan(uow, org=org, plan="premium"))
    change(lambda uow, org: orgs.disable_feature(uow, org=org, feature="slack"))
    assert seen()[:2] == (Access.NOT_ENABLED, "off")
    # Another workspace's event in the channel: only an exact link or one without a workspace counts,
    # unless the channel has a single link (Slack Connect keeps one channel id across workspaces).
    assert seen(ChatPlace(ChatPlatform.SLACK, "T2", "C1"))[0] is Access.NOT_ENABLED
    assert seen(ChatPlace(ChatPlatform.SLACK, "T1", "C2"))[0] is Access.NOT_CONNECTED


def test_a_request_opens_a_ticket_linked_to_its_thread(runtime: Runtime) -> None:
    setup_org(runtime)
    ref = open_request(runtime)
    assert (ref.key, ref.status, ref.severity, ref.created) == ("SUP-1", "open", "S2", True)
    assert ref.url == "https://help.example.test/help/requests/SUP-1"
    with runtime.db.reading() as session:
        ticket = tickets.get_ticket(session, "SUP-1")
        assert (ticket.source, ticket.reporter.email) == ("slack", "ann@acme.example")
        assert chat.ticket_at(session, PLACE, "100.1", public_url=URL).key == "SUP-1"  # type: ignore[union-attr]
    again = open_request(runtime)
    assert (again.key, again.created) == ("SUP-1", False)


def test_two_simultaneous_submissions_make_one_ticket(runtime: Runtime) -> None:
    setup_org(runtime)
    keys: list[str] = []
    start = threading.Barrier(4)

    def submit() -> None:
        start.wait()
        keys.append(open_request(runtime).key)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert keys == ["SUP-1"] * 4
    with runtime.db.reading() as session:
        assert len(tickets.list_tickets(session)) == 1


def test_reporters_outside_the_organization_are_a_form_error(runtime: Runtime) -> None:
    setup_org(runtime)
    with pytest.raises(Invalid) as bad:
        open_request(runtime, email="someone@gmail.example")
    assert bad.value.field == "reporter_email"
    with pytest.raises(Invalid) as empty:
        open_request(runtime, title=" ")
    assert empty.value.field == "title"
    with runtime.db.reading() as session:
        assert tickets.list_tickets(session) == []
    assert open_request(runtime, email="new.hire@acme.example").key == "SUP-1"  # domain rule


def test_thread_replies_become_comments_once_and_reopen(runtime: Runtime) -> None:
    setup_org(runtime)
    open_request(runtime)

    def reply(message_id: str, person: ChatPerson, text: str = "more info", files=()):  # type: ignore[no-untyped-def]
        return runtime.db.run(
            lambda uow: chat.add_reply(
                uow,
                place=PLACE,
                thread_root="100.1",
                message_id=message_id,
                author=person,
                text=text,
                files=files,
                public_url=URL,
            )
        )

    ann = ChatPerson("U2", "Ann S.", "ann@acme.example")
    stranger = ChatPerson("U3", "Pat", None)
    first = reply("100.2", ann)
    assert first.outcome is ReplyOutcome.ADDED
    assert reply("100.2", ann).outcome is ReplyOutcome.DUPLICATE
    second = reply("100.3", stranger, "me too", files=[ChatFile("log.txt", "text/plain", content=b"trace")])
    with runtime.db.reading() as session:
        ticket = tickets.get_ticket(session, "SUP-1")
        comments = tickets.comments_of(session, ticket, public_only=True)
        assert [(c.author_kind, c.author_name, c.author_email, c.source) for c in comments] == [
            ("contact", "Ann", "ann@acme.example", "slack"),
            ("chat", "Pat", None, "slack"),
        ]
        assert [a.filename for a in comments[1].attachments] == ["log.txt"]
        # what people read: an unmatched chat author is marked with the platform
        assert [comment_out(c).author.name for c in comments] == ["Ann", "Pat (Slack)"]
    assert second.attachments
    other = runtime.db.run(
        lambda uow: chat.add_reply(
            uow, place=PLACE, thread_root="999.9", message_id="999.10", author=ann, text="x", public_url=URL
        )
    )
    assert other.outcome is ReplyOutcome.NOT_A_TICKET_THREAD

    def resolve(uow):  # type: ignore[no-untyped-def]
        agent = people.add_agent(uow, email="eve@vendor.example", name="Eve")
        tickets.change_status(
            uow,
            ticket=tickets.get_ticket(uow.session, "SUP-1"),
            status="resolved",
            actor=tickets.Author.of_agent(agent),
        )

    runtime.db.run(resolve)
    assert reply("100.4", ann, "it is back").reopened is True

    assert runtime.db.run(
        lambda uow: chat.edit_reply(uow, place=PLACE, message_id="100.2", text="more info, edited")
    )
    assert runtime.db.run(lambda uow: chat.delete_reply(uow, place=PLACE, message_id="100.3"))
    assert not runtime.db.run(lambda uow: chat.edit_reply(uow, place=PLACE, message_id="404.0", text="x"))
    with runtime.db.reading() as session:
        comments = tickets.comments_of(session, tickets.get_ticket(session, "SUP-1"), public_only=True)
        assert comments[0].body == "more info, edited" and comments[0].edited_at is not None
        assert comments[1].deleted_at is not None


def test_status_lookups_never_reveal_other_organizations(runtime: Runtime) -> None:
    setup_org(runtime)
    open_request(runtime)

    def other(uow):  # type: ignore[no-untyped-def]
        globex = orgs.create_org(uow, name="Globex", plan="premium")
        contact = people.add_contact(uow, email="gil@globex.example", org=globex)
        tickets.create_ticket(
            uow, org=globex, reporter=contact, title="secret", source=tickets.TicketSource.API, prefix="SUP"
        )

    runtime.db.run(other)
    with runtime.db.reading() as session:
        assert chat.ticket_in_channel(session, PLACE, "sup-1", public_url=URL).title == "Broken"  # type: ignore[union-attr]
        assert chat.ticket_in_channel(session, PLACE, "SUP-2", public_url=URL) is None
        assert (
            chat.ticket_in_channel(
                session, ChatPlace(ChatPlatform.SLACK, "T1", "C-unknown"), "SUP-1", public_url=URL
            )
            is None
        )
