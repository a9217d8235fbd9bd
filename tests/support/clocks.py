"""Driving the clocks in tests: commands through the bus, time moved, the worker ticked."""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

import warroom.policies
from tests.fakes import ManualClock
from warroom.adapters.orm.background import outbox, timers
from warroom.adapters.orm.incidents import timeline_entries
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.calendar import BusinessCalendar
from warroom.domain.commands import Command
from warroom.domain.directory import Person, Service
from warroom.domain.durations import Span, parse_span
from warroom.domain.enums import RoleName, Stage
from warroom.domain.incident_deadlines import SYSTEM
from warroom.domain.policy import Policy
from warroom.service_layer.views import incident_view, load_incident
from warroom.service_layer.worker import WorkerConfig


class Room:
    """One warroom, its manual clock and a worker that is ticked by hand."""

    def __init__(self, wr: Warroom, clock: ManualClock) -> None:
        self.wr, self.clock = wr, clock
        self.worker = wr.make_worker(WorkerConfig(), "test-worker")

    def do(self, command: Command) -> Any:
        return self.wr.bus.handle(command)

    def declare(self, severity: str, **kw: Any) -> str:
        kw.setdefault("title", f"Something is broken {self.clock.now().isoformat()}")
        kw.setdefault("force", True)
        result = self.do(c.DeclareIncident(severity=severity, by="alice", **kw))
        return str(result["ref"])

    def role(self, ref: str, role: str, person: str) -> None:
        self.do(c.AssignRole(ref=ref, role=RoleName(role), person=person, by="alice"))

    def stage(self, ref: str, stage: str) -> None:
        self.do(c.ChangeStage(ref=ref, stage=Stage(stage), by="alice"))

    def tick(self) -> int:
        """Fire everything due now (handlers may schedule more that is due at once)."""
        fired = 0
        for _ in range(100):
            n = self.worker.fire_due_timers()
            fired += n
            if n == 0:
                break
        self.worker.deliver()
        return fired

    def at(self, when: datetime) -> int:
        self.clock.set(when)
        return self.tick()

    def advance(self, **delta: float) -> int:
        self.clock.advance(**delta)
        return self.tick()

    def notes(self, ref: str) -> list[str]:
        """Timeline lines written by the clocks."""
        number = int(ref.removeprefix("INC-"))
        t = timeline_entries.c
        with self.wr.db.read.connect() as conn:
            rows = conn.execute(
                select(t.text).where(t.incident_id == number, t.author == SYSTEM).order_by(t.id)
            ).scalars()
            return list(rows)

    def entries(self, ref: str) -> list[str]:
        number = int(ref.removeprefix("INC-"))
        t = timeline_entries.c
        with self.wr.db.read.connect() as conn:
            rows = conn.execute(select(t.text).where(t.incident_id == number).order_by(t.id))
            return list(rows.scalars())

    def sent(self) -> list[tuple[str, str]]:
        """(destination, subject) of every outbox message, oldest first."""
        with self.wr.db.read.connect() as conn:
            rows = conn.execute(
                select(outbox.c.destination, outbox.c.subject).order_by(outbox.c.id)
            )
            return [(r.destination, r.subject) for r in rows]

    def urgent(self) -> list[str]:
        with self.wr.db.read.connect() as conn:
            rows = conn.execute(
                select(outbox.c.destination, outbox.c.payload).order_by(outbox.c.id)
            )
            return [r.destination for r in rows if r.payload.get("urgent")]

    def timers(self, ref: str | None = None) -> dict[str, datetime]:
        with self.wr.db.read.connect() as conn:
            rows = conn.execute(select(timers.c.key, timers.c.due_at).order_by(timers.c.key))
            return {
                r.key: r.due_at
                for r in rows
                if ref is None or r.key.startswith(f"{ref}:") or f":{ref}:" in r.key
            }

    def view(self, ref: str) -> dict[str, Any]:
        with self.wr.read_session() as session:
            return incident_view(load_incident(session, ref), self.wr.policy, self.clock.now())

    def people(self, *people: Person) -> None:
        with self.wr.bus.uow_factory() as uow:
            for person in people:
                uow.directory.add(person)
            uow.commit()

    def service(self, name: str, smes: list[str]) -> None:
        with self.wr.bus.uow_factory() as uow:
            uow.directory.add(Service(name=name, smes=smes))
            uow.commit()


def with_changes(
    policy: Policy, *, calendar: BusinessCalendar | None = None, **severity_changes: Any
) -> Policy:
    """The policy with a calendar and/or changes to one severity: `sev2={"quiet_hours": …}`."""
    levels = tuple(
        dataclasses.replace(s, **severity_changes.get(s.name, {})) for s in policy.severities
    )
    return dataclasses.replace(policy, severities=levels, calendar=calendar or policy.calendar)


POLICY_FILES = Path(warroom.policies.__file__).parent


def policy_setting(policy: str, severity: str, key: str) -> Any:
    """A severity's setting as written in the shipped TOML file (read apart from the loader,
    so that a test's expectation does not come from the code under test)."""
    data = tomllib.loads((POLICY_FILES / f"{policy}.toml").read_text(encoding="utf-8"))
    [level] = [s for s in data["severities"] if s["name"] == severity]
    return level[key]


def policy_span(policy: str, severity: str, key: str) -> Span:
    return parse_span(policy_setting(policy, severity, key))


def hold_severities(policy: str) -> list[str]:
    """The severities of a shipped policy whose night pages are held to waking hours."""
    data = tomllib.loads((POLICY_FILES / f"{policy}.toml").read_text(encoding="utf-8"))
    return [s["name"] for s in data["severities"] if s.get("quiet_hours") == "hold"]


def hours_minutes(span: Span) -> str:
    """'6h00m', the way the clocks write a length of time on the timeline."""
    minutes = span.seconds // 60
    return f"{minutes // 60}h{minutes % 60:02d}m"


def nth_weekday_after(day: date, count: int) -> date:
    """The `count`-th Monday-to-Friday day after `day` (no holidays)."""
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
