"""Helpers for tests that deliver the outbox: drain it, read what happened."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.fakes import ManualClock
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom
from warroom.domain import commands
from warroom.domain.enums import EntryKind, Visibility
from warroom.service_layer.worker import WorkerConfig


def drain(wr: Warroom, clock: ManualClock, *, rounds: int = 20, step_minutes: float = 11) -> None:
    """Deliver until nothing is pending, moving the clock past each backoff."""
    worker = wr.make_worker(WorkerConfig(batch=500, send_concurrency=8), "test-worker")
    try:
        for _ in range(rounds):
            while worker.deliver():
                pass
            if not pending(wr):
                return
            clock.advance(minutes=step_minutes)
    finally:
        worker.close()


def pending(wr: Warroom) -> int:
    with wr.db.read.connect() as conn:
        return len(conn.execute(select(outbox.c.id).where(outbox.c.status == "pending")).all())


def rows(wr: Warroom, **where: Any) -> list[Any]:
    stmt = select(outbox)
    for column, value in where.items():
        stmt = stmt.where(outbox.c[column] == value)
    with wr.db.read.connect() as conn:
        return list(conn.execute(stmt.order_by(outbox.c.id)).all())


def timeline_texts(wr: Warroom, ref: str) -> list[str]:
    with wr.bus.uow_factory() as uow:
        incident = uow.incidents.get(ref)
        return [e.text for e in uow.incidents.entries(incident.number, list(EntryKind))]


def declare_unopened(wr: Warroom, title: str, visibility: Visibility) -> tuple[str, str]:
    """(ref, channel name) of a new sev2 incident on `auth`, its room not yet opened."""
    ref: str = wr.bus.handle(
        commands.DeclareIncident(
            title=title,
            severity="sev2",
            by="alice",
            services=("auth",),
            visibility=visibility,
            force=True,
        )
    )["ref"]
    with wr.bus.uow_factory() as uow:
        return ref, uow.incidents.get(ref).channel
