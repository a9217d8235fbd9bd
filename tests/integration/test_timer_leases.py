"""A worker whose lease runs out mid-handler keeps its timer: no second worker fires it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fakes import ManualClock
from warroom.adapters import background
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.enums import EntryKind


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_timer_being_fired_is_not_claimed_when_its_lease_expires(
    wr: Warroom, clock: ManualClock
) -> None:
    ref = wr.bus.handle(c.DeclareIncident(title="Leases", severity="sev4", by="t"))["ref"]
    with wr.bus.uow_factory() as uow:
        uow.timers.schedule("t:1", kind="x", due_at=clock.now(), now=clock.now(), incident_ref=ref)
        uow.commit()
    lease = timedelta(seconds=30)
    [timer] = background.claim_timers(
        wr.db.write, worker="slow", now=clock.now(), limit=10, lease=lease
    )
    with wr.bus.uow_factory() as uow:  # the slow worker's handler, still running…
        incident = uow.incidents.get(ref)
        assert uow.timers.lock_claimed(timer.id, "slow", timer.due_at) is not None
        incident.log(EntryKind.NOTE, "fired by slow", policy=wr.policy, by="t", now=clock.now())
        clock.advance(seconds=31)  # …past its lease
        assert (
            background.claim_timers(
                wr.db.write, worker="fast", now=clock.now(), limit=10, lease=lease
            )
            == []
        )
        uow.timers.complete(timer)
        uow.commit()
    assert (
        background.claim_timers(wr.db.write, worker="fast", now=clock.now(), limit=10, lease=lease)
        == []
    )


def test_a_timer_claimed_away_is_not_fired_by_the_first_worker(
    wr: Warroom, clock: ManualClock
) -> None:
    ref = wr.bus.handle(c.DeclareIncident(title="Leases", severity="sev4", by="t"))["ref"]
    with wr.bus.uow_factory() as uow:
        uow.timers.schedule("t:1", kind="x", due_at=clock.now(), now=clock.now(), incident_ref=ref)
        uow.commit()
    lease = timedelta(seconds=30)
    [slow] = background.claim_timers(
        wr.db.write, worker="slow", now=clock.now(), limit=10, lease=lease
    )
    clock.advance(seconds=31)
    [fast] = background.claim_timers(
        wr.db.write, worker="fast", now=clock.now(), limit=10, lease=lease
    )
    assert fast.id == slow.id
    result = wr.bus.handle(c.FireTimer(timer_id=slow.id, worker="slow", due_at=slow.due_at))
    assert result == {"fired": False}
    assert wr.bus.handle(c.FireTimer(timer_id=fast.id, worker="fast", due_at=fast.due_at)) == {
        "fired": True,
        "kind": "x",
    }
