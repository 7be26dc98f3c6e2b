"""The admin pages, over real HTTP against the real app on loopback: a browser-like client (cookie jar,
the sign-in form, the hidden CSRF field) and assertions on what an admin sees in the HTML."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import select

from assistdesk.app import create_app
from assistdesk.domain.access import service as access
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.enums import Feature
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import Agent, ApiToken, Contact
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from assistdesk.outbox.models import JobStatus, OutboxJob
from assistdesk.runtime import Runtime
from assistdesk.settings import Settings
from tests.conftest import make_settings
from tests.fakes.live import LiveServer

ADMIN = ("ada@vendor.example", "ada's long password")
AGENT = ("eve@vendor.example", "eve's long password")


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Plain http on loopback: with an https PUBLIC_URL the cookies are Secure and a client would not
    # send them back over http.
    return make_settings(db_url, public_url="http://127.0.0.1")


@dataclass
class Desk:
    url: str
    runtime: Runtime
    acme_id: int
    globex_id: int

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)

    def signed_in(self, email: str, password: str) -> httpx.Client:
        client = self.client()
        login = client.get("/agent/login")
        response = client.post(
            "/agent/login", data={"csrf_token": csrf(login.text), "email": email, "password": password}
        )
        assert response.status_code == 303, response.text
        return client

    def read(self, fn):  # type: ignore[no-untyped-def]
        with self.runtime.db.reading() as session:
            return fn(session)


@pytest.fixture
def desk(runtime: Runtime) -> Iterator[Desk]:
    def seed(uow):  # type: ignore[no-untyped-def]
        people.add_agent(uow, email=ADMIN[0], name="Ada Admin", admin=True, password=ADMIN[1])
        people.add_agent(uow, email=AGENT[0], name="Eve Engineer", password=AGENT[1])
        acme = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
        globex = orgs.create_org(uow, name="Globex", plan="enterprise", domains=["globex.example"])
        people.add_contact(uow, email="ann@acme.example", org=acme, name="Ann", admin=True)
        return acme.id, globex.id

    acme_id, globex_id = runtime.db.run(seed)
    # No worker in the app: a replayed delivery stays visibly pending.
    server = LiveServer(create_app(runtime=runtime, run_worker=False))
    try:
        yield Desk(server.url, runtime, acme_id, globex_id)
    finally:
        server.close()


# Reading pages -----------------------------------------------------------------------------------


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})


class _TextOf(HTMLParser):
    def __init__(self, ident: str) -> None:
        super().__init__()
        self.ident, self.depth, self.found, self.parts = ident, 0, False, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.parts.append(" ")  # cells, lines and badges read as separate words
        if tag in VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.ident:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID:
            self.depth -= 1
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_of(html: str, ident: str) -> str:
    """The visible text of the element with this id, whitespace collapsed."""
    parser = _TextOf(ident)
    parser.feed(html)
    assert parser.found, f"no element #{ident} on the page"
    return " ".join("".join(parser.parts).split())


def submit(client: httpx.Client, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """What a browser does: load the page, post its form with the page's CSRF token."""
    shown = client.get(page)
    assert shown.status_code == 200, shown.text
    return client.post(action, data={"csrf_token": csrf(shown.text), **data})


def flash(response: httpx.Response, client: httpx.Client) -> str:
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    found = re.search(r'<p class="flash" role="status">(.*?)</p>', page.text)
    return found.group(1) if found else ""


# Enablement requests -----------------------------------------------------------------------------


def test_approving_a_request_enables_the_feature_and_the_customer_sees_it(desk: Desk) -> None:
    def ask(uow):  # type: ignore[no-untyped-def]
        acme = orgs.get_org_by_id(uow.session, desk.acme_id)
        slack = orgs.request_feature(uow, org=acme, feature="slack", requested_by_email="ann@acme.example")
        lark = orgs.request_feature(uow, org=acme, feature="lark", requested_by_email="ann@acme.example")
        return slack.id, lark.id

    slack_request, lark_request = desk.runtime.db.run(ask)
    admin = desk.signed_in(*ADMIN)

    overview = admin.get("/agent/admin")
    assert overview.status_code == 200
    assert "2 requests are waiting for a decision." in text_of(overview.text, "overview-requests")
    listed = admin.get("/agent/admin/requests")
    assert "Acme Slack ann@acme.example" in text_of(listed.text, f"request-{slack_request}")
    assert text_of(admin.get("/agent/admin/orgs").text, f"org-{desk.acme_id}-slack") == "requested"

    approved = submit(
        admin,
        "/agent/admin/requests",
        f"/agent/admin/requests/{slack_request}",
        {"decision": "approve", "note": "Invite @Assist to #help"},
    )
    assert approved.headers["location"] == "/agent/admin/requests"
    assert flash(approved, admin) == "Approved: Slack is enabled for Acme."
    denied = submit(
        admin,
        f"/agent/admin/orgs/{desk.acme_id}",
        f"/agent/admin/requests/{lark_request}",
        {"decision": "deny", "note": "Lark is not offered <yet>", "back": "org"},
    )
    assert denied.headers["location"] == f"/agent/admin/orgs/{desk.acme_id}"

    org_page = admin.get(f"/agent/admin/orgs/{desk.acme_id}").text
    assert text_of(org_page, "feature-slack-state") == "enabled"
    assert text_of(org_page, "feature-lark-state") == "off"
    assert "approved ada@vendor.example" in text_of(org_page, f"request-{slack_request}")
    assert "Lark is not offered <yet>" in text_of(org_page, f"request-{lark_request}")
    assert "Lark is not offered &lt;yet&gt;" in org_page  # escaped, never markup
    assert text_of(admin.get("/agent/admin/orgs").text, f"org-{desk.acme_id}-slack") == "enabled"
    decided = admin.get("/agent/admin/requests").text
    assert "No request is waiting." in text_of(decided, "pending")
    assert "denied" in text_of(decided, f"request-{lark_request}")

    # Deciding twice is a conflict shown on the form, and changes nothing.
    again = submit(
        admin, "/agent/admin/requests", f"/agent/admin/requests/{slack_request}", {"decision": "deny"}
    )
    assert again.status_code == 409
    assert "already approved" in again.text

    # The customer (an organization admin) sees the decisions on the help center.
    def customer_session(uow):  # type: ignore[no-untyped-def]
        contact = people.get_contact(uow.session, "ann@acme.example")
        return access.open_session(uow, contact=contact)

    customer = desk.client()
    customer.cookies.set("adk_help", desk.runtime.db.run(customer_session), path="/help")
    chat = customer.get("/help/chat")
    assert chat.status_code == 200
    assert "State: Enabled" in text_of(chat.text, "feature-slack")
    assert "Invite @Assist to #help" in text_of(chat.text, "feature-slack")
    assert "Last request: denied" in text_of(chat.text, "feature-lark")


def test_enabling_slack_below_enterprise_shows_the_plan_it_needs_and_the_page_what_each_plan_includes(
    desk: Desk,
) -> None:
    admin = desk.signed_in(*ADMIN)
    page = f"/agent/admin/orgs/{desk.globex_id}"
    features = f"{page}/features"
    submit(admin, page, f"{page}/plan", {"plan": "developer"})

    refused = submit(admin, page, features, {"feature": "slack", "action": "enable"})
    assert refused.status_code == 409
    assert text_of(refused.text, "features-error") == (
        "Slack needs the Enterprise plan or above; this organization is on the Developer plan."
    )
    assert text_of(refused.text, "feature-slack-state") == "off"
    assert (
        desk.read(lambda s: orgs.get_org_by_id(s, desk.globex_id).feature_state(Feature.SLACK).value) == "off"
    )
    assert text_of(refused.text, "feature-slack-includes") == (
        "Not included in this plan Upgrading to Enterprise adds requests by @mention with updates in the "
        "thread; Premium adds two-way replies."
    )

    submit(admin, page, f"{page}/plan", {"plan": "enterprise"})
    enabled = submit(admin, page, features, {"feature": "lark", "action": "enable"})
    assert flash(enabled, admin) == "Lark is enabled for Globex."
    shown = admin.get(page).text
    assert text_of(shown, "feature-lark-state") == "enabled"
    assert text_of(shown, "feature-slack-includes") == (
        "Create and follow: @mention opens requests; the thread gets an update whenever support replies or "
        "the status changes. Upgrading to Premium adds two-way replies in the thread, the 🎫 reaction and "
        "/assist."
    )
    assert submit(admin, page, features, {"feature": "slack", "action": "enable"}).status_code == 303

    # Below the feature's plan the grant is suspended, and comes back with the plan.
    lowered = submit(admin, page, f"{page}/plan", {"plan": "basic"})
    assert flash(lowered, admin) == "Globex is now on the Basic plan."
    assert text_of(admin.get(page).text, "feature-lark-state") == "suspended"
    assert text_of(admin.get("/agent/admin/orgs").text, f"org-{desk.globex_id}-lark") == "suspended"
    submit(admin, page, f"{page}/plan", {"plan": "premium"})
    assert text_of(admin.get(page).text, "feature-lark-state") == "enabled"
    assert text_of(admin.get(page).text, "feature-lark-includes") == (
        "Two-way: @mention opens requests; thread replies and support's answers are synced both ways."
    )

    disabled = submit(admin, page, features, {"feature": "lark", "action": "disable"})
    assert flash(disabled, admin) == "Lark is disabled for Globex."
    bad_plan = submit(admin, page, f"{page}/plan", {"plan": "platinum"})
    assert bad_plan.status_code == 422
    assert "unknown plan 'platinum'" in text_of(bad_plan.text, "plan-error")


# Organizations, domains, connections, contacts ---------------------------------------------------


def test_organizations_are_created_and_managed_and_bad_input_changes_nothing(desk: Desk) -> None:
    admin = desk.signed_in(*ADMIN)
    created = submit(
        admin,
        "/agent/admin/orgs",
        "/agent/admin/orgs",
        {"name": "<b>Initech</b> & Co", "plan": "developer", "domains": "initech.example, Initech.TEST"},
    )
    assert flash(created, admin) == "Created &lt;b&gt;Initech&lt;/b&gt; &amp; Co."
    listing = admin.get("/agent/admin/orgs").text
    assert "<b>Initech" not in listing
    initech = desk.read(lambda s: orgs.get_org(s, "<b>Initech</b> & Co").id)
    row = text_of(listing, f"org-{initech}")
    assert row == "<b>Initech</b> & Co Developer initech.example, initech.test off off"

    taken = submit(admin, "/agent/admin/orgs", "/agent/admin/orgs", {"name": "acme", "plan": "basic"})
    assert taken.status_code == 409
    assert "already exists" in text_of(taken.text, "name-error")
    assert 'value="acme"' in taken.text  # what was typed stays in the form
    bad_domain = submit(
        admin,
        "/agent/admin/orgs",
        "/agent/admin/orgs",
        {"name": "Umbrella", "plan": "basic", "domains": "acme.example"},
    )
    assert bad_domain.status_code == 409
    assert "acme.example already belongs to 'Acme'" in text_of(bad_domain.text, "domains-error")
    assert desk.read(lambda s: orgs.find_org(s, "Umbrella")) is None
    assert desk.read(lambda s: len(orgs.list_orgs(s))) == 3

    page = f"/agent/admin/orgs/{initech}"
    added = submit(admin, page, f"{page}/domains", {"domains": "initech.org"})
    assert flash(added, admin) == "Added initech.org to &lt;b&gt;Initech&lt;/b&gt; &amp; Co."
    clash = submit(admin, page, f"{page}/domains", {"domains": "initech.net, globex.example"})
    assert clash.status_code == 409
    assert "globex.example already belongs to 'Globex'" in text_of(clash.text, "domains-error")
    removed = submit(admin, page, f"{page}/domains/remove", {"domain": "initech.test"})
    assert removed.status_code == 303
    absent = submit(admin, page, f"{page}/domains/remove", {"domain": "initech.test"})
    assert absent.status_code == 404
    domains = desk.read(lambda s: [d.domain for d in orgs.get_org_by_id(s, initech).domains])
    assert domains == ["initech.example", "initech.org"]

    # Channels and groups.
    connections = f"{page}/connections"
    no_team = submit(admin, page, connections, {"platform": "slack", "workspace": "", "channel": "C1"})
    assert no_team.status_code == 422
    assert "workspace (team) id" in text_of(no_team.text, "link-workspace-error")
    bad_id = submit(admin, page, connections, {"platform": "lark", "channel": "oc 1"})
    assert bad_id.status_code == 422
    assert text_of(bad_id.text, "link-channel-error") == "channel 'oc 1' is not a valid id"
    slack = submit(admin, page, connections, {"platform": "slack", "workspace": "T1", "channel": "C1"})
    assert flash(slack, admin) == "Connected Slack C1 to &lt;b&gt;Initech&lt;/b&gt; &amp; Co."
    lark = submit(admin, page, connections, {"platform": "lark", "workspace": "", "channel": "oc_1"})
    assert lark.status_code == 303
    shown = admin.get(page).text
    assert "Slack T1 C1" in text_of(shown, "connections")
    assert "Lark — oc_1" in text_of(shown, "connections")

    acme_page = f"/agent/admin/orgs/{desk.acme_id}"
    moved = submit(
        admin,
        acme_page,
        f"{acme_page}/connections",
        {"platform": "slack", "workspace": "T1", "channel": "C1"},
    )
    assert flash(moved, admin) == "Moved Slack C1 from &lt;b&gt;Initech&lt;/b&gt; &amp; Co to Acme."
    acme_links = desk.read(
        lambda s: [
            (link.id, link.channel) for link in links.list_channel_links(s, organization_id=desk.acme_id)
        ]
    )
    assert [channel for _, channel in acme_links] == ["C1"]
    # A connection is disconnected only through its own organization's page.
    elsewhere = submit(admin, page, f"{page}/connections/{acme_links[0][0]}/disconnect", {})
    assert elsewhere.status_code == 404
    gone = submit(admin, acme_page, f"{acme_page}/connections/{acme_links[0][0]}/disconnect", {})
    assert flash(gone, admin) == "Disconnected Slack C1."
    assert desk.read(lambda s: len(links.list_channel_links(s, organization_id=desk.acme_id))) == 0

    # Contacts.
    contacts = f"{page}/contacts"
    contact = submit(admin, page, contacts, {"email": "Peter@Initech.example", "name": "Peter", "admin": "1"})
    assert flash(contact, admin) == "Added peter@initech.example to &lt;b&gt;Initech&lt;/b&gt; &amp; Co."
    assert "peter@initech.example Peter yes" in text_of(admin.get(page).text, "contacts")
    duplicate = submit(admin, page, contacts, {"email": "ann@acme.example", "name": "Ann again"})
    assert duplicate.status_code == 409
    assert "already exists" in text_of(duplicate.text, "contact-email-error")
    invalid = submit(admin, page, contacts, {"email": "not an email"})
    assert invalid.status_code == 422
    assert text_of(invalid.text, "contact-email-error")
    assert desk.read(lambda s: s.scalars(select(Contact.email).order_by(Contact.email)).all()) == [
        "ann@acme.example",
        "peter@initech.example",
    ]
    assert admin.get("/agent/admin/orgs/999999").status_code == 404


# Agents and tokens -------------------------------------------------------------------------------


def test_agents_are_added_and_can_sign_in(desk: Desk) -> None:
    admin = desk.signed_in(*ADMIN)
    short = submit(
        admin,
        "/agent/admin/agents",
        "/agent/admin/agents",
        {"email": "sam@vendor.example", "name": "Sam", "password": "short"},
    )
    assert short.status_code == 422
    assert "at least" in text_of(short.text, "password-error")
    assert 'value="sam@vendor.example"' in short.text
    taken = submit(
        admin,
        "/agent/admin/agents",
        "/agent/admin/agents",
        {"email": "ann@acme.example", "name": "Ann", "password": "x" * 20},
    )
    assert taken.status_code == 409
    assert "customer contact" in text_of(taken.text, "email-error")
    assert desk.read(lambda s: len(people.list_agents(s))) == 2

    added = submit(
        admin,
        "/agent/admin/agents",
        "/agent/admin/agents",
        {
            "email": "sam@vendor.example",
            "name": "Sam Support",
            "password": "sam's long password",
            "admin": "1",
        },
    )
    assert flash(added, admin) == "Added sam@vendor.example."
    listed = text_of(admin.get("/agent/admin/agents").text, "agents")
    assert "Sam Support sam@vendor.example yes yes yes" in listed
    assert "Eve Engineer eve@vendor.example no yes yes" in listed
    sam = desk.signed_in("sam@vendor.example", "sam's long password")
    assert sam.get("/agent/admin").status_code == 200


def test_a_new_token_is_shown_once_then_only_its_prefix(desk: Desk) -> None:
    admin = desk.signed_in(*ADMIN)
    created = submit(
        admin,
        "/agent/admin/tokens",
        "/agent/admin/tokens",
        {"agent_email": AGENT[0], "scope": "agent", "name": "CI <bot>"},
    )
    assert created.status_code == 201
    secret = text_of(created.text, "new-token").split()[-1]
    assert f'<p class="secret">{secret}</p>' in created.text
    prefix = desk.read(lambda s: s.scalars(select(ApiToken.prefix)).one())
    assert secret.startswith(prefix)
    api = httpx.Client(
        base_url=f"{desk.url}/api/v1", headers={"Authorization": f"Bearer {secret}"}, timeout=10
    )
    assert api.get("/tickets").status_code == 200

    listing = admin.get("/agent/admin/tokens").text
    assert secret not in listing
    token_id = desk.read(lambda s: s.scalars(select(ApiToken.id)).one())
    row = text_of(listing, f"token-{token_id}")
    assert row.startswith(f"{prefix}… CI <bot> Eve Engineer eve@vendor.example agent")
    assert "never" not in row  # the API call above is its last use
    assert row.endswith("UTC — Revoke")  # not revoked

    refused = submit(
        admin, "/agent/admin/tokens", "/agent/admin/tokens", {"agent_email": AGENT[0], "scope": "admin"}
    )
    assert refused.status_code == 403
    assert "not an admin" in text_of(refused.text, "scope-error")
    unknown = submit(
        admin,
        "/agent/admin/tokens",
        "/agent/admin/tokens",
        {"agent_email": "nobody@vendor.example", "scope": "agent"},
    )
    assert unknown.status_code == 404
    assert "no agent" in text_of(unknown.text, "agent_email-error")
    odd = submit(
        admin, "/agent/admin/tokens", "/agent/admin/tokens", {"agent_email": ADMIN[0], "scope": "root"}
    )
    assert odd.status_code == 422
    assert desk.read(lambda s: len(people.list_tokens(s))) == 1

    revoked = submit(admin, "/agent/admin/tokens", f"/agent/admin/tokens/{token_id}/revoke", {})
    assert flash(revoked, admin) == f"Revoked the token {prefix}…"
    assert "Revoke" not in text_of(admin.get("/agent/admin/tokens").text, f"token-{token_id}")
    assert api.get("/tickets").status_code == 401
    api.close()


# Deliveries --------------------------------------------------------------------------------------


def _dead_letter(runtime: Runtime) -> int:
    """A webhook delivery whose webhook is gone: the real worker gives up on it with its reason."""
    with runtime.db.transaction() as uow:
        enqueue(
            uow,
            [
                NewJob(
                    "webhook:424242",
                    "webhook.event",
                    {"webhook_id": 424242, "event": "t", "body": {}},
                    uuid.uuid4().hex,
                )
            ],
        )

    async def work_until_failed() -> None:
        stop = asyncio.Event()
        worker = asyncio.create_task(runtime.worker().run(stop))
        deadline = time.monotonic() + 15
        try:
            while time.monotonic() < deadline:
                with runtime.db.reading() as session:
                    if session.scalars(select(OutboxJob.status)).one() == JobStatus.FAILED.value:
                        return
                await asyncio.sleep(0.05)
            raise AssertionError("the worker did not give up on the delivery")
        finally:
            stop.set()
            await worker

    asyncio.run(work_until_failed())
    with runtime.db.reading() as session:
        return int(session.scalars(select(OutboxJob.id)).one())


def test_a_failed_delivery_is_listed_with_its_reason_and_retry_requeues_it(desk: Desk) -> None:
    job_id = _dead_letter(desk.runtime)
    admin = desk.signed_in(*ADMIN)

    assert "1 failed delivery" in text_of(admin.get("/agent/admin").text, "overview-deliveries")
    failed = admin.get("/agent/admin/deliveries").text
    row = text_of(failed, f"delivery-{job_id}")
    assert row.startswith(f"{job_id} webhook:424242 webhook.event failed 1 (1 failure)")
    assert "webhook #424242 was removed or deactivated" in row
    assert "Retry" in row

    retried = submit(
        admin, "/agent/admin/deliveries", f"/agent/admin/deliveries/{job_id}/retry", {"show": "failed"}
    )
    assert retried.headers["location"] == "/agent/admin/deliveries?show=failed"
    assert flash(retried, admin) == f"Delivery #{job_id} is queued again."
    assert "No failed deliveries." in admin.get("/agent/admin/deliveries").text
    pending = text_of(admin.get("/agent/admin/deliveries?show=pending").text, f"delivery-{job_id}")
    assert "waiting" in pending
    assert "Try now" in pending
    assert f"delivery-{job_id}" in admin.get("/agent/admin/deliveries?show=both").text
    job = desk.read(lambda s: s.get(OutboxJob, job_id))
    assert (job.status, job.failures) == (JobStatus.PENDING.value, 0)

    missing = submit(admin, "/agent/admin/deliveries", "/agent/admin/deliveries/999999/retry", {})
    assert missing.status_code == 404


# Who may do what ---------------------------------------------------------------------------------


def _every_admin_route(desk: Desk) -> tuple[list[str], list[str]]:
    def ids(uow):  # type: ignore[no-untyped-def]
        acme = orgs.get_org_by_id(uow.session, desk.acme_id)
        request = orgs.request_feature(uow, org=acme, feature="slack", requested_by_email="ann@acme.example")
        link, _ = links.connect_channel(uow, platform="slack", workspace="T1", channel="C1", org=acme)
        _, token = people.create_token(uow, agent=people.get_agent(uow.session, ADMIN[0]))
        enqueue(uow, [NewJob("webhook:1", "webhook.event", {"webhook_id": 1}, uuid.uuid4().hex)])
        return request.id, link.id, token.id

    request_id, link_id, token_id = desk.runtime.db.run(ids)
    job_id = desk.read(lambda s: s.scalars(select(OutboxJob.id)).one())  # jobs are written at commit
    org = f"/agent/admin/orgs/{desk.acme_id}"
    gets = [
        "/agent/admin",
        "/agent/admin/",
        "/agent/admin/orgs",
        org,
        "/agent/admin/requests",
        "/agent/admin/agents",
        "/agent/admin/tokens",
        "/agent/admin/deliveries?show=both",
    ]
    posts = [
        "/agent/admin/orgs",
        f"{org}/plan",
        f"{org}/domains",
        f"{org}/domains/remove",
        f"{org}/features",
        f"{org}/connections",
        f"{org}/connections/{link_id}/disconnect",
        f"{org}/contacts",
        f"/agent/admin/requests/{request_id}",
        "/agent/admin/agents",
        "/agent/admin/tokens",
        f"/agent/admin/tokens/{token_id}/revoke",
        f"/agent/admin/deliveries/{job_id}/retry",
    ]
    return gets, posts


# Forms that would change something if they were accepted.
HARMFUL = {
    "name": "Evil",
    "plan": "basic",
    "domains": "evil.example",
    "domain": "acme.example",
    "feature": "slack",
    "action": "enable",
    "platform": "slack",
    "workspace": "T9",
    "channel": "C9",
    "email": "mallory@vendor.example",
    "password": "mallory's long password",
    "admin": "1",
    "decision": "approve",
    "agent_email": AGENT[0],
    "scope": "agent",
}


def _state(desk: Desk) -> object:
    def snapshot(session):  # type: ignore[no-untyped-def]
        return (
            [
                (o.name, o.plan, [d.domain for d in o.domains], [(g.feature, g.enabled) for g in o.grants])
                for o in orgs.list_orgs(session)
            ],
            [(r.status, r.decided_by_email) for r in orgs.pending_requests(session)],
            [(link.id, link.organization_id) for link in links.list_channel_links(session)],
            session.scalars(select(Contact.email).order_by(Contact.email)).all(),
            session.scalars(select(Agent.email).order_by(Agent.email)).all(),
            [(t.id, t.revoked_at) for t in people.list_tokens(session)],
            [(j.id, j.status, j.failures) for j in session.scalars(select(OutboxJob).order_by(OutboxJob.id))],
        )

    return desk.read(snapshot)


def test_only_admins_reach_the_admin_pages(desk: Desk) -> None:
    gets, posts = _every_admin_route(desk)
    before = _state(desk)

    agent = desk.signed_in(*AGENT)
    token = csrf(agent.get("/agent/queue/new").text)
    for path in gets:
        response = agent.get(path)
        assert response.status_code == 403, path
        assert "This page is for admins." in response.text
    for path in posts:
        assert agent.post(path, data={"csrf_token": token, **HARMFUL}).status_code == 403, path
    queue = agent.get("/agent/queue/new").text
    assert 'href="/agent/admin"' not in queue  # the console shows the link to admins only

    anonymous = desk.client()
    for path in gets:
        response = anonymous.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/agent/login?next=%2Fagent%2Fadmin")
    for path in posts:
        assert anonymous.post(path, data=HARMFUL).status_code == 303, path

    assert _state(desk) == before
    admin = desk.signed_in(*ADMIN)
    assert 'href="/agent/admin"' in admin.get("/agent/queue/new").text
    for path in gets:
        assert admin.get(path).status_code == 200, path
    admin.cookies.set("adk_lang", "ja")
    for path in gets:
        japanese = admin.get(path)
        assert (japanese.status_code, '<html lang="ja">' in japanese.text) == (200, True), path


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(desk: Desk) -> None:
    _, posts = _every_admin_route(desk)
    before = _state(desk)
    admin = desk.signed_in(*ADMIN)
    for path in posts:
        missing = admin.post(path, data=HARMFUL)
        assert missing.status_code == 403, path
        assert "did not come from this site" in missing.text
        forged = admin.post(path, data={"csrf_token": "0" * 64, **HARMFUL})
        assert forged.status_code == 403, path
    # A token from another browser (its own cookie) does not pass with this browser's cookie.
    other = desk.client()
    foreign = csrf(other.get("/agent/login").text)
    assert admin.post("/agent/admin/orgs", data={"csrf_token": foreign, **HARMFUL}).status_code == 403
    assert _state(desk) == before
    assert desk.read(lambda s: s.scalars(select(Organization.name).order_by(Organization.name)).all()) == [
        "Acme",
        "Globex",
    ]
