"""Drills: practice incidents that run a scenario's events at their offsets.

A drill is a real incident flagged `drill`, run by the real engine (clocks, SME cycle,
gates), with three differences: its notifications say `[DRILL]`, people the scenario
makes unreachable get no messages, and it never reaches the status page or the metrics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from warroom.domain.customers import ReportChannel
from warroom.domain.enums import Stage
from warroom.domain.errors import InvalidInput

DRILL_MARK = "[DRILL]"
DRILL_AUTHOR = "drill"
INJECT_TIMER = "drill.inject"
# The integration whose alerts are drills' (created on first use; nobody holds its key).
DRILL_INTEGRATION = "drill"


class DrillEventKind(StrEnum):
    ALERT = "alert"  # a monitoring alert fires for the incident
    CUSTOMER_REPORT = "customer_report"  # a customer reports the problem
    SME_UNREACHABLE = "sme_unreachable"  # that person's pages go unanswered
    NOTE = "note"  # something said in the room
    HINT = "hint"  # a nudge for the team (what to look at, the stage it points to)


@dataclass(frozen=True)
class DrillEvent:
    """One scripted event, `at` after the drill starts."""

    at: timedelta
    kind: DrillEventKind
    text: str = ""
    person: str | None = None
    customer: str | None = None
    contact: str = ""
    reported_via: ReportChannel = ReportChannel.SUPPORT_TICKET
    stage: Stage | None = None
    service: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def payload(self, index: int) -> dict[str, Any]:
        """The timer payload that carries this event until it is injected."""
        return {
            "index": index,
            "at_seconds": int(self.at.total_seconds()),
            "kind": self.kind.value,
            "text": self.text,
            "person": self.person,
            "customer": self.customer,
            "contact": self.contact,
            "reported_via": self.reported_via.value,
            "stage": self.stage.value if self.stage else None,
            "service": self.service,
            "labels": dict(self.labels),
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> DrillEvent:
        return cls(
            at=timedelta(seconds=int(data["at_seconds"])),
            kind=DrillEventKind(data["kind"]),
            text=str(data.get("text") or ""),
            person=data.get("person"),
            customer=data.get("customer"),
            contact=str(data.get("contact") or ""),
            reported_via=ReportChannel(data.get("reported_via") or "support-ticket"),
            stage=Stage(data["stage"]) if data.get("stage") else None,
            service=data.get("service"),
            labels=dict(data.get("labels") or {}),
        )


@dataclass(frozen=True)
class DrillScenario:
    """What to practise: the incident as it is declared and the events that follow."""

    name: str
    title: str
    severity: str
    description: str = ""
    functionality: str | None = None
    state: str | None = None
    audience: str | None = None
    services: tuple[str, ...] = ()
    customers_affected: int = 0
    events: tuple[DrillEvent, ...] = ()


MAX_SPEED = 1000.0


def check_speed(speed: float) -> float:
    if not 0 < speed <= MAX_SPEED:
        raise InvalidInput("speed", f"must be above 0 and at most {MAX_SPEED:g}")
    return speed


def event_time(start: datetime, offset: timedelta, speed: float) -> datetime:
    """When a scripted event happens: its offset, run at `speed`, after the start."""
    return start + offset / check_speed(speed)


def mark(text: str) -> str:
    """`[DRILL] text`, once: every message about a drill says so before anything else."""
    if not text or text.startswith(DRILL_MARK):
        return text
    return f"{DRILL_MARK} {text}"
