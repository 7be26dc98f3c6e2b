"""Organizations, plans and on-request chat features."""

from __future__ import annotations

import pytest

from assistdesk.domain.orgs import entitlements
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.enums import ChatMode, Feature, FeatureState
from assistdesk.domain.orgs.events import FeatureEnabled, PlanChanged
from assistdesk.errors import Conflict, Invalid, NotFound
from assistdesk.runtime import Runtime


def test_create_and_find_an_organization_by_any_casing(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        orgs.create_org(uow, name="  Acme   Corp ", plan="premium", domains=["Acme.example", "acme.test"])
    with runtime.db.reading() as session:
        org = orgs.get_org(session, "acme corp")
        assert org.name == "Acme Corp"
        assert org.plan == "premium"
        assert [d.domain for d in org.domains] == ["acme.example", "acme.test"]


def test_duplicate_names_unknown_plans_and_taken_domains_are_refused(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        orgs.create_org(uow, name="Acme", plan="basic", domains=["acme.example"])
    with pytest.raises(Conflict, match="already exists"), runtime.db.transaction() as uow:
        orgs.create_org(uow, name="ACME", plan="basic")
    with pytest.raises(Invalid, match="unknown plan 'gold'"), runtime.db.transaction() as uow:
        orgs.create_org(uow, name="Globex", plan="gold")
    with pytest.raises(Conflict, match="already belongs to 'Acme'"), runtime.db.transaction() as uow:
        orgs.create_org(uow, name="Globex", plan="basic", domains=["acme.example"])
    with pytest.raises(Invalid, match="not a domain"), runtime.db.transaction() as uow:
        orgs.create_org(uow, name="Globex", plan="basic", domains=["not a domain"])
    with runtime.db.reading() as session:
        assert [o.name for o in orgs.list_orgs(session)] == ["Acme"]
        with pytest.raises(NotFound):
            orgs.get_org(session, "Globex")


def test_features_need_their_plan_and_survive_a_downgrade_suspended(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        org = orgs.create_org(uow, name="Acme", plan="developer")
        with pytest.raises(Conflict, match="slack needs the enterprise plan"):
            orgs.enable_feature(uow, org=org, feature="slack")
        orgs.set_plan(uow, org=org, plan="enterprise")
        orgs.enable_feature(uow, org=org, feature="lark")
        assert org.feature_state(Feature.LARK) is FeatureState.ENABLED
        assert org.feature_state(Feature.SLACK) is FeatureState.OFF
        assert any(isinstance(e, FeatureEnabled) for e in uow.take_events())

    with runtime.db.transaction() as uow:
        org = orgs.get_org(uow.session, "Acme")
        orgs.set_plan(uow, org=org, plan="developer")
        events = uow.take_events()
        assert org.feature_state(Feature.LARK) is FeatureState.SUSPENDED
        assert [e.suspended for e in events if isinstance(e, PlanChanged)] == [("lark",)]

    with runtime.db.transaction() as uow:
        org = orgs.get_org(uow.session, "Acme")
        orgs.set_plan(uow, org=org, plan="premium")
        events = uow.take_events()
        assert org.feature_state(Feature.LARK) is FeatureState.ENABLED
        assert [e.restored for e in events if isinstance(e, PlanChanged)] == [("lark",)]
        orgs.enable_feature(uow, org=org, feature="slack")
        orgs.disable_feature(uow, org=org, feature="slack")
        assert org.feature_state(Feature.SLACK) is FeatureState.OFF


def test_enablement_requests_are_pending_until_decided(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        org = orgs.create_org(uow, name="Acme", plan="premium")
        first = orgs.request_feature(uow, org=org, feature="slack", requested_by_email="ann@acme.example")
        again = orgs.request_feature(uow, org=org, feature="slack", requested_by_email="bob@acme.example")
        assert again.id == first.id
        assert org.feature_state(Feature.SLACK) is FeatureState.REQUESTED
        request_id = first.id
    with runtime.db.transaction() as uow:
        orgs.decide_request(uow, request_id=request_id, approve=True, by_email="admin@vendor.example")
    with runtime.db.reading() as session:
        org = orgs.get_org(session, "Acme")
        assert org.feature_state(Feature.SLACK) is FeatureState.ENABLED
        assert org.requests[0].status == "approved"
    with pytest.raises(Conflict, match="already approved"), runtime.db.transaction() as uow:
        orgs.decide_request(uow, request_id=request_id, approve=False, by_email="admin@vendor.example")


def test_a_denied_request_is_visible_and_a_basic_plan_cannot_ask(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        org = orgs.create_org(uow, name="Acme", plan="enterprise")
        request = orgs.request_feature(uow, org=org, feature="lark", requested_by_email=None)
        orgs.decide_request(
            uow, request_id=request.id, approve=False, by_email="x@vendor.example", note="not yet"
        )
        assert org.feature_state(Feature.LARK) is FeatureState.OFF
        assert request.status == "denied"
        assert request.decision_note == "not yet"
        small = orgs.create_org(uow, name="Small", plan="basic")
        with pytest.raises(Conflict, match="lark needs the enterprise plan"):
            orgs.request_feature(uow, org=small, feature="lark", requested_by_email=None)


@pytest.mark.parametrize(
    ("plan", "chat"),
    [("basic", "none"), ("developer", "none"), ("enterprise", "create_and_follow"), ("premium", "interact")],
)
def test_the_plan_decides_what_an_enabled_chat_channel_may_do(runtime: Runtime, plan: str, chat: str) -> None:
    with runtime.db.transaction() as uow:
        org = orgs.create_org(uow, name="Acme", plan=plan)
        assert entitlements.chat_mode(org).value == chat
        assert entitlements.channel_mode(org, Feature.SLACK) is ChatMode.NONE  # not enabled yet
        if chat != "none":
            orgs.enable_feature(uow, org=org, feature="slack")
            assert entitlements.channel_mode(org, Feature.SLACK).value == chat
            orgs.set_plan(uow, org=org, plan="developer")  # suspended below enterprise: nothing
            assert entitlements.channel_mode(org, Feature.SLACK) is ChatMode.NONE
        else:
            with pytest.raises(Conflict, match="slack needs the enterprise plan or above"):
                orgs.enable_feature(uow, org=org, feature="slack")
