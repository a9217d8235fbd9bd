"""Pages escalate through their policy's levels on the worker's clock, and stop when
acknowledged; roles filled from rotations; the next SME; on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.catalog import CATALOG
from tests.unit.policy_helpers import policy_with
from warroom.adapters.catalog_file import CatalogIn, to_command
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.alerts import AlertEvent, EventAction
from warroom.domain.enums import EntryKind, RoleName
from warroom.domain.integrations import IntegrationKind
from warroom.domain.oncall_commands import (
    AcknowledgePage,
    AcknowledgePagesOf,
    CreateIntegration,
    IngestAlerts,
)
from warroom.service_layer.oncall import next_sme, on_call


@pytest.fixture
def paging(database_url: str, clock: ManualClock) -> Any:
    policy = policy_with('role_rotations = { commander = "incident-commanders" }\n')
    wr = make_warroom(database_url, clock, policy)
    wr.bus.handle(to_command(CatalogIn(**CATALOG), by="test"))
    yield wr
    wr.close()


def fire(wr: Warroom, name: str = "PaymentsDown") -> int:
    created = wr.bus.handle(
        CreateIntegration(
            name=f"am-{name}", kind=IntegrationKind.ALERTMANAGER, by="t", service="payments-api"
        )
    )
    result = wr.bus.handle(
        IngestAlerts(
            integration_id=created["id"],
            integration=f"am-{name}",
            service="payments-api",
            events=(
                AlertEvent(fingerprint=name, action=EventAction.TRIGGER, title=f"{name} firing"),
            ),
        )
    )
    with wr.bus.uow_factory() as uow:
        alert = uow.alerts.get(result["alerts"][0]["alert"])
        assert alert is not None and alert.page_id is not None
        return alert.page_id


def paged(wr: Warroom) -> list[str]:
    """Who was paged, in order (one outbox row per person and channel: email here)."""
    with wr.db.read.connect() as conn:
        rows = conn.execute(
            select(outbox.c.destination, outbox.c.key)
            .where(outbox.c.key.like("page:%"))
            .order_by(outbox.c.id)
        )
        return [r.destination.split("@")[0] for r in rows]


def test_unacknowledged_page_escalates_through_three_levels(
    paging: Warroom, clock: ManualClock
) -> None:
    fire(paging)
    worker = paging.make_worker()
    assert paged(paging) == ["bob"]  # level 1: on call in payments-primary this week
    clock.advance(minutes=9)
    worker.tick()
    assert paged(paging) == ["bob"]  # not yet: level 1 waits 10 minutes
    clock.advance(minutes=1)
    worker.tick()
    assert paged(paging) == ["bob", "carol"]  # level 2
    clock.advance(minutes=10)
    worker.tick()
    assert paged(paging) == ["bob", "carol", "alice", "bob", "carol"]  # level 3: the team
    clock.advance(minutes=15)
    worker.tick()
    with paging.bus.uow_factory() as uow:
        page = uow.oncall.page(1, lock=False)
        assert page is not None and page.status == "exhausted"
        assert [e["level"] for e in page.paged] == [0, 1, 2, 2, 2]
        assert uow.timers.pending("page:") == []
    clock.advance(hours=1)
    worker.tick()
    assert len(paged(paging)) == 5


def test_acknowledgement_stops_the_escalation(paging: Warroom, clock: ManualClock) -> None:
    page_id = fire(paging)
    worker = paging.make_worker()
    clock.advance(minutes=10)
    worker.tick()
    assert paged(paging) == ["bob", "carol"]
    result = paging.bus.handle(AcknowledgePage(page_id=page_id, by="carol"))
    assert result["status"] == "acknowledged"
    clock.advance(hours=2)
    worker.tick()
    assert paged(paging) == ["bob", "carol"]
    with paging.bus.uow_factory() as uow:
        alert = uow.alerts.get(1)
        assert alert is not None and alert.status == "acknowledged"
    again = paging.bus.handle(AcknowledgePage(page_id=page_id, by="bob"))
    assert again["acknowledged_by"] == "carol"  # the first acknowledgement stands


def test_chat_ack_acknowledges_the_persons_pages(paging: Warroom, clock: ManualClock) -> None:
    first, second = fire(paging, "A"), fire(paging, "B")
    assert paging.bus.handle(AcknowledgePagesOf(person="carol")) == {"acknowledged": []}
    done = paging.bus.handle(AcknowledgePagesOf(person="bob"))
    assert done == {"acknowledged": [first, second]}


def test_roles_filled_from_rotations_and_next_sme(paging: Warroom, clock: ManualClock) -> None:
    ref = paging.bus.handle(
        c.DeclareIncident(
            title="Payments down",
            severity="sev1",
            by="emily",
            services=("payments-api",),
            force=True,
        )
    )["ref"]
    with paging.bus.uow_factory() as uow:
        incident = uow.incidents.get(ref)
        assert incident.holders(RoleName.COMMANDER) == ["dave"]
        texts = [e.text for e in uow.incidents.entries(incident.number, [EntryKind.SYSTEM])]
        assert "commander filled from the incident-commanders rotation: dave" in texts
        now = clock.now()
        assert on_call(uow, "payments-primary", now) == "bob"
        assert next_sme(uow, "payments-api", at=now) == "bob"
        assert next_sme(uow, "payments-api", at=now, exclude=frozenset({"bob"})) == "carol"
        assert next_sme(uow, "payments-api", at=now, exclude=frozenset({"bob", "carol"})) == "alice"
        assert next_sme(uow, "payments-api", at=now + timedelta(days=7)) == "alice"
        assert (
            next_sme(uow, "payments-api", at=now, exclude=frozenset({"alice", "bob", "carol"}))
            is None
        )
    assert "dave" in paged_roles(paging)


def paged_roles(wr: Warroom) -> list[str]:
    with wr.db.read.connect() as conn:
        return [
            r.split(":")[3]
            for r in conn.execute(select(outbox.c.key).where(outbox.c.key.like("role:%"))).scalars()
        ]
