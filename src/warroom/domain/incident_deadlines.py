"""Deadlines of an incident: the retrospective after mitigation, follow-up due dates —
and the helpers every clock of the aggregate uses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from warroom.domain import clock_events as ev
from warroom.domain.due_clocks import RETROSPECTIVE, DueClock
from warroom.domain.enums import EntryKind, RoleName
from warroom.domain.errors import RuleViolation
from warroom.domain.incident_roles import RolesMixin
from warroom.domain.incident_work import WorkMixin
from warroom.domain.policy import Policy, SeverityLevel

# Who acts when a clock runs out.
SYSTEM = "warroom"


def show_span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


class DeadlinesMixin(RolesMixin, WorkMixin):
    """Dates the learning must meet, and what a clock writes on the timeline."""

    def level(self, policy: Policy) -> SeverityLevel | None:
        """The current severity's rules (None if the policy no longer has it)."""
        return next((s for s in policy.severities if s.name == self.severity), None)

    def due_clock(self, name: str) -> DueClock | None:
        return next((c for c in self.clocks if c.name == name), None)

    def first_holder(self, role: RoleName) -> str | None:
        holders = self.holders(role)
        return holders[0] if holders else None

    def clock_note(self, text: str, *, now: datetime, data: dict[str, Any] | None = None) -> None:
        """A line on the timeline written by a clock."""
        self._entry(EntryKind.SYSTEM, text, SYSTEM, now, now, data or {})
        self.events.append(ev.ClockNoted(ref=self.ref, text=text, at=now))

    # -- the retrospective ------------------------------------------------------------------

    def plan_retrospective(self, policy: Policy, *, now: datetime) -> None:
        """Due a policy span after mitigation, in working days of the business calendar."""
        clock = self.due_clock(RETROSPECTIVE)
        if clock is not None and clock.done_at is not None:
            return
        level = self.level(policy)
        span = level.retrospective_within if level else None
        if self.mitigated_at is None or span is None:
            if clock is not None:
                self.clocks.remove(clock)
                self.clock_note(
                    "Retrospective deadline withdrawn: the incident is no longer mitigated"
                    if self.mitigated_at is None
                    else "Retrospective deadline withdrawn: this severity sets none",
                    now=now,
                )
            return
        due = policy.calendar.deadline(self.mitigated_at, span)
        if clock is not None and clock.due_at == due and clock.base_at == self.mitigated_at:
            return
        if clock is None:
            self.clocks.append(DueClock(name=RETROSPECTIVE, due_at=due, base_at=self.mitigated_at))
        else:
            clock.due_at, clock.base_at = due, self.mitigated_at
            clock.reminded_at = clock.overdue_at = None
        self.clock_note(
            f"Retrospective due by {policy.calendar.show(due)} ({span} after mitigation)",
            now=now,
            data={"clock": RETROSPECTIVE},
        )
        self.events.append(ev.RetrospectiveDeadlineSet(ref=self.ref, due_at=due))

    def remind_retrospective(self, *, policy: Policy, now: datetime) -> None:
        clock = self.due_clock(RETROSPECTIVE)
        if clock is None or clock.done_at is not None:
            return
        clock.reminded_at = now
        commander = self.first_holder(RoleName.COMMANDER)
        who = f"commander {commander} reminded" if commander else "no commander to remind"
        self.clock_note(
            f"Retrospective due by {policy.calendar.show(clock.due_at)}: {who}",
            now=now,
            data={"clock": RETROSPECTIVE, "reminder": True},
        )
        self.events.append(
            ev.RetrospectiveReminded(ref=self.ref, due_at=clock.due_at, commander=commander, at=now)
        )

    def breach_retrospective(self, *, policy: Policy, now: datetime) -> None:
        clock = self.due_clock(RETROSPECTIVE)
        if clock is None or clock.done_at is not None or clock.overdue_at is not None:
            return
        clock.overdue_at = now
        commander = self.first_holder(RoleName.COMMANDER)
        told = f"commander {commander} told" if commander else "no commander to tell"
        self.clock_note(
            f"Retrospective deadline missed: it was due by "
            f"{policy.calendar.show(clock.due_at)}; {told}",
            now=now,
            data={"clock": RETROSPECTIVE, "breached": True},
        )
        self.events.append(
            ev.RetrospectiveBreached(ref=self.ref, due_at=clock.due_at, commander=commander, at=now)
        )

    def record_retrospective(
        self, *, policy: Policy, by: str, now: datetime, occurred_at: datetime | None = None
    ) -> None:
        """The retrospective was held: its deadline stops (a breach stays on the record)."""
        if self.mitigated_at is None:
            raise RuleViolation(
                "retrospective.too_early",
                f"{self.ref} is not mitigated; the retrospective follows the mitigation",
            )
        clock = self.due_clock(RETROSPECTIVE)
        if clock is not None and clock.done_at is not None:
            raise RuleViolation(
                "retrospective.already", f"the retrospective of {self.ref} was already held"
            )
        at = self._when(occurred_at, now, policy)
        if clock is None:
            clock = DueClock(name=RETROSPECTIVE, due_at=at, base_at=self.mitigated_at)
            self.clocks.append(clock)
        clock.done_at = at
        late = at > clock.due_at
        text = f"Retrospective held (recorded by {by})"
        if late:
            text += f", {show_span(at - clock.due_at)} after its deadline"
        self._entry(EntryKind.MILESTONE, text, by, at, now, {"retrospective": True})
        self.events.append(ev.RetrospectiveRecorded(ref=self.ref, held_at=at, by=by, late=late))

    # -- follow-ups -------------------------------------------------------------------------

    def remind_followup(self, number: int, *, now: datetime) -> None:
        followup = self.followup(number)
        if followup.due is None:
            return
        person = followup.owner or self.first_holder(RoleName.COMMANDER)
        who = f"reminded {person}" if person else "no owner or commander to remind"
        self.clock_note(
            f"Follow-up #{number} due {followup.due.isoformat()}: {followup.title}; {who}",
            now=now,
            data={"followup": number, "reminder": True},
        )
        self.events.append(
            ev.FollowUpReminded(
                ref=self.ref,
                number=number,
                title=followup.title,
                due=followup.due,
                person=person,
                at=now,
            )
        )
