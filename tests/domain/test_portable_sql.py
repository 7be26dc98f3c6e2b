"""The claim primitive everything idempotent stands on."""

from __future__ import annotations

from assistdesk.domain.links import service as links
from assistdesk.domain.links.places import ChatPlace
from assistdesk.runtime import Runtime


def test_a_receipt_is_claimed_once(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        assert links.claim_receipt(uow, platform="slack", key="Ev1") is True
        assert links.claim_receipt(uow, platform="slack", key="Ev1") is False
        assert links.claim_receipt(uow, platform="lark", key="Ev1") is True
    with runtime.db.transaction() as uow:
        assert links.claim_receipt(uow, platform="slack", key="Ev1") is False
        assert links.claim_receipt(uow, platform="slack", key="Ev2") is True


def test_a_message_is_recorded_once(runtime: Runtime) -> None:
    from assistdesk.domain.links.models import Direction

    def record(uow):  # type: ignore[no-untyped-def]
        return links.record_message(
            uow, ChatPlace("slack", "T", "C"), message_id="1.2", direction=Direction.INBOUND
        )

    assert runtime.db.run(record) is True
    assert runtime.db.run(record) is False
