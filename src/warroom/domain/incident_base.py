"""State and shared helpers of the Incident aggregate; the rules live in its mixins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from warroom.domain import events
from warroom.domain.checklist_state import ChecklistMark, StageArrival
from warroom.domain.customers import AffectedCustomer
from warroom.domain.due_clocks import DueClock
from warroom.domain.durability import NonDurableItem
from warroom.domain.enums import EntryKind, Stage, Visibility
from warroom.domain.errors import InvalidInput, RuleViolation
from warroom.domain.experiments import Experiment, Why
from warroom.domain.followups import FollowUp
from warroom.domain.policy import Policy
from warroom.domain.postmortem import Postmortem
from warroom.domain.retrospective import RetroMeeting
from warroom.domain.roles import RoleAssignment
from warroom.domain.testplan import AutomatedTests, Fix, RequiredSigner, TestSignoff, TestStep
from warroom.domain.textcheck import check_text
from warroom.domain.timeline import TimelineEntry


class IncidentState:
    """The fields of an incident and the helpers every rule uses."""

    def __init__(
        self,
        *,
        number: int,
        title: str,
        severity: str,
        channel: str,
        declared_at: datetime,
        declared_by: str,
        detected_at: datetime,
        recorded_at: datetime,
        functionality: str | None = None,
        state: str | None = None,
        audience: str | None = None,
        summary: str = "",
        services: Sequence[str] = (),
        customers_affected: int = 0,
        whole_service: bool = False,
        visibility: Visibility = Visibility.INTERNAL,
        drill: bool = False,
    ) -> None:
        self.number = number
        self.title = title
        self.severity = severity
        self.channel = channel
        self.functionality = functionality
        self.state = state
        self.audience = audience
        self.summary = summary
        self.services = list(services)
        self.customers_affected = customers_affected
        self.whole_service = whole_service
        self.visibility = visibility
        self.drill = drill
        self.stage = Stage.INVESTIGATING
        self.declared_by = declared_by
        self.detected_at = detected_at
        self.declared_at = declared_at
        self.recorded_at = recorded_at
        self.acknowledged_at: datetime | None = None
        self.identified_at: datetime | None = None
        self.mitigated_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.stage_entered_at = declared_at
        self.last_update_internal_at: datetime | None = None
        self.last_update_customers_at: datetime | None = None
        self.last_update_observers_at: datetime | None = None
        self.links: dict[str, str] = {}
        self.roles: list[RoleAssignment] = []
        self.followups: list[FollowUp] = []
        self.experiments: list[Experiment] = []
        self.whys: list[Why] = []
        self.postmortem: Postmortem | None = None
        self.checklist: list[ChecklistMark] = []
        self.stage_arrivals: list[StageArrival] = []
        self.customers: list[AffectedCustomer] = []
        self.clocks: list[DueClock] = []
        self.test_steps: list[TestStep] = []
        self.test_signers: list[RequiredSigner] = []
        self.test_signoffs: list[TestSignoff] = []
        self.automated_tests: list[AutomatedTests] = []
        self.fixes: list[Fix] = []
        self.non_durable: list[NonDurableItem] = []
        self.retro_meeting: RetroMeeting | None = None
        self.init_transient()

    def init_transient(self) -> None:
        """Reset the unsaved state; also called when the object is loaded from storage."""
        self.events: list[events.Event] = []
        self.new_entries: list[TimelineEntry] = []

    # -- identity ---------------------------------------------------------------

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"

    @property
    def summary_line(self) -> str:
        """'Logging in is broken for all users', or the title when the triple is incomplete."""
        if self.functionality and self.state and self.audience:
            line = f"{self.functionality} is {self.state} for {self.audience}"
            return line[0].upper() + line[1:]
        return self.title

    @property
    def is_open(self) -> bool:
        return self.stage is not Stage.CLOSED

    # -- helpers ---------------------------------------------------------------------------------

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise RuleViolation("stages.closed", f"{self.ref} is closed; cannot {action}")

    def _when(
        self, at: datetime | None, now: datetime, policy: Policy, *, floor: bool = True
    ) -> datetime:
        """The true time of an action: not in the future, not before the incident began."""
        when = not_future("occurred_at", at or now, now, policy)
        if floor and at is not None and when < self.detected_at:
            raise InvalidInput(
                "occurred_at",
                f"{when.isoformat()} is before {self.ref} was detected "
                f"({self.detected_at.isoformat()})",
            )
        return when

    def _entry(
        self,
        kind: EntryKind,
        text: str,
        author: str,
        occurred_at: datetime,
        recorded_at: datetime,
        data: dict[str, Any],
    ) -> TimelineEntry:
        entry = TimelineEntry(
            kind=kind,
            text=text,
            author=author,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            data={k: v if isinstance(v, int | bool) else show_value(v) for k, v in data.items()},
        )
        self.new_entries.append(entry)
        return entry


def not_future(field: str, at: datetime, now: datetime, policy: Policy) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput(field, "needs a time zone, e.g. 2026-11-23T09:34:00Z")
    if at - now > timedelta(seconds=policy.limits.future_skew_seconds):
        raise InvalidInput(field, f"{at.isoformat()} is in the future")
    return at.astimezone(UTC)  # as stored: what is read back is what was written


def clean_services(services: Iterable[str], limit: int) -> list[str]:
    out: list[str] = []
    for name in services:
        cleaned = check_text("services", name, limit, required=True)
        if cleaned not in out:
            out.append(cleaned)
    return out


def show_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
