"""The clocks of an incident: update cadences, SMEs brought in, escalation, fatigue.

The aggregate keeps the state and records what happened (timeline entries and events);
the service layer turns that state into durable timers and notifications.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.domain import clock_events as ev
from warroom.domain.due_clocks import (
    DueClock,
    cadence_due,
    grace_of,
    update_clock_name,
)
from warroom.domain.durations import Span
from warroom.domain.enums import Audience, RoleName, Stage
from warroom.domain.incident_deadlines import SYSTEM, DeadlinesMixin, show_span
from warroom.domain.policy import Policy, RoleRuleKind
from warroom.domain.promises import parse_promise
from warroom.domain.stages import ORDER

# A cadence runs until the stage where its audience no longer needs regular news:
# internal stakeholders and customers until mitigated (the mitigation message is the
# last one of the cadence), observers' summaries until resolved.
CADENCE_UNTIL = {
    Audience.INTERNAL: Stage.MITIGATED,
    Audience.CUSTOMERS: Stage.MITIGATED,
    Audience.OBSERVERS: Stage.RESOLVED,
}


class ClocksMixin(DeadlinesMixin):
    """Due times people must beat, and what happens when they do not."""

    # -- update cadences -----------------------------------------------------------------

    def active_cadences(self, policy: Policy) -> dict[Audience, Span]:
        """The cadence of each audience that is due regular updates at this stage."""
        level = self.level(policy)
        if level is None or not self.is_open:
            return {}
        here = ORDER.index(self.stage)
        return {
            audience: every
            for audience, every in level.cadence.items()
            if here < ORDER.index(CADENCE_UNTIL[audience])
        }

    def sync_cadences(self, policy: Policy, *, at: datetime) -> None:
        """Start, re-plan or stop each audience's cadence after a stage or severity change."""
        active = self.active_cadences(policy)
        for audience in Audience:
            clock = self.due_clock(update_clock_name(audience))
            every = active.get(audience)
            if every is None:
                if clock is not None:
                    self.clocks.remove(clock)
                continue
            if clock is None:
                self.clocks.append(
                    DueClock(
                        name=update_clock_name(audience),
                        due_at=at + every.as_timedelta(),
                        base_at=at,
                    )
                )
                continue
            due = cadence_due(clock.base_at, every, clock.promised_at)
            if due != clock.due_at:
                clock.due_at = due
                clock.reminded_at = clock.overdue_at = None

    def reset_cadence(
        self, audience: Audience, *, text: str, at: datetime, policy: Policy, now: datetime
    ) -> None:
        """An update was posted: the audience's next one is due a cadence later, or when
        the update promised it, if sooner."""
        clock = self.due_clock(update_clock_name(audience))
        every = self.active_cadences(policy).get(audience)
        if clock is None or every is None or at < clock.base_at:
            return  # no cadence, or a late record of an update older than the last one
        promise = parse_promise(text)
        promised = at + promise if promise is not None else None
        if promised is not None and promised >= at + every.as_timedelta():
            promised = None
        clock.base_at, clock.promised_at = at, promised
        clock.due_at = cadence_due(at, every, promised)
        clock.reminded_at = clock.overdue_at = None
        if promised is not None:
            self.clock_note(
                f"Next {audience} update due {policy.calendar.show(promised)}, "
                "as promised in the update",
                now=now,
                data={"clock": clock.name, "promised": True},
            )

    def _update_owner(self, audience: Audience) -> tuple[str | None, str | None]:
        # Observers get the commander's summary of the workers' updates (document 003);
        # everyone else hears from communications, or the commander if nobody holds it.
        order = (RoleName.COMMUNICATIONS, RoleName.COMMANDER)
        if audience is Audience.OBSERVERS:
            order = (RoleName.COMMANDER, RoleName.COMMUNICATIONS)
        for role in order:
            person = self.first_holder(role)
            if person is not None:
                return person, str(role)
        return None, None

    def remind_update(self, audience: Audience, *, policy: Policy, now: datetime) -> None:
        """The update is due: remind communications (or the commander)."""
        clock = self.due_clock(update_clock_name(audience))
        level = self.level(policy)
        if clock is None or level is None:
            return
        person, role = self._update_owner(audience)
        overdue = clock.overdue_at is not None
        clock.reminded_at = now
        when = policy.calendar.show(clock.due_at)
        state = f"overdue (was due {when})" if overdue else f"due {when}"
        who = (
            f"reminded {person} ({role})"
            if person
            else "nobody holds communications or commander, so nobody was reminded"
        )
        every = level.cadence.get(audience)
        cadence = f" (every {every})" if every else ""
        self.clock_note(
            f"{audience.capitalize()} update {state}{cadence}: {who}",
            now=now,
            data={"clock": clock.name, "reminder": True},
        )
        self.events.append(
            ev.UpdateReminded(
                ref=self.ref,
                audience=str(audience),
                due_at=clock.due_at,
                person=person,
                role=role,
                overdue=overdue,
                at=now,
            )
        )
        if not overdue and grace_of(level.cadence_grace) == timedelta(0):
            self.mark_update_overdue(audience, policy=policy, now=now)

    def mark_update_overdue(self, audience: Audience, *, policy: Policy, now: datetime) -> None:
        """Past due by the grace: flag the incident and tell the commander."""
        clock = self.due_clock(update_clock_name(audience))
        if clock is None or clock.overdue_at is not None:
            return
        clock.overdue_at = now
        commander = self.first_holder(RoleName.COMMANDER)
        told = f"commander {commander} told" if commander else "no commander to tell"
        self.clock_note(
            f"{audience.capitalize()} update overdue: it was due "
            f"{policy.calendar.show(clock.due_at)}; {told}",
            now=now,
            data={"clock": clock.name, "overdue": True},
        )
        self.events.append(
            ev.UpdateOverdue(
                ref=self.ref,
                audience=str(audience),
                due_at=clock.due_at,
                commander=commander,
                at=now,
            )
        )

    # -- the SME cycle -----------------------------------------------------------------------

    def role_refusal(self, role: RoleName, person: str, policy: Policy) -> str | None:
        """The name of the role rule that forbids `person` taking `role`, if any."""
        for rule in policy.role_rules:
            if rule.kind is not RoleRuleKind.EXCLUSIVE or not rule.applies_to(self.severity):
                continue
            if role in rule.roles and any(
                r in rule.roles and r is not role for r in self.roles_of(person)
            ):
                return rule.name
        return None

    def ever_held(self, role: RoleName, person: str) -> bool:
        return any(a.role is role and a.person == person for a in self.roles)

    def bring_in_sme(
        self,
        person: str,
        *,
        reason: str,
        within: Span,
        page_note: str,
        skipped: list[str],
        policy: Policy,
        now: datetime,
    ) -> None:
        """Not identified in time: give the next SME the worker role."""
        self.assign_role(RoleName.WORKER, person, policy=policy, by=SYSTEM, now=now)
        text = f"SME cycle: not identified within {within}; brought in {person} ({reason})"
        text += f" as worker; {page_note}"
        if skipped:
            text += f"; skipped {'; '.join(skipped)}"
        self.clock_note(text, now=now, data={"sme": person})
        self.events.append(
            ev.SmeBroughtIn(ref=self.ref, person=person, reason=reason, held_until=None, at=now)
        )

    def no_sme_available(
        self, *, within: Span, skipped: list[str], policy: Policy, now: datetime
    ) -> None:
        services = ", ".join(self.services) or "no impacted service recorded"
        text = (
            f"SME cycle: not identified within {within}, and no further SME is available "
            f"({services})"
        )
        if skipped:
            text += f"; skipped {'; '.join(skipped)}"
        self.clock_note(text, now=now, data={"sme": None})
        self.events.append(ev.SmeUnavailable(ref=self.ref, services=tuple(self.services), at=now))

    # -- severity by time and fatigue ------------------------------------------------------

    def note_escalation(
        self, *, from_severity: str, to_severity: str, after: Span, now: datetime
    ) -> None:
        self.events.append(
            ev.SeverityEscalated(
                ref=self.ref,
                from_severity=from_severity,
                to_severity=to_severity,
                after=str(after),
                commander=self.first_holder(RoleName.COMMANDER),
                at=now,
            )
        )

    def prompt_fatigue(
        self, person: str, *, since: datetime, limit: Span, policy: Policy, now: datetime
    ) -> None:
        """A worker has been engaged past the policy's limit: ask for a hand-off."""
        commander = self.first_holder(RoleName.COMMANDER)
        asked = (
            f"commander {commander} asked to hand off or release them"
            if commander
            else "no commander to ask for a hand-off"
        )
        self.clock_note(
            f"{person} has been a worker for {show_span(now - since)} (limit {limit}): {asked}",
            now=now,
            data={"fatigue": person},
        )
        self.events.append(
            ev.WorkerFatigued(ref=self.ref, person=person, since=since, commander=commander, at=now)
        )

    def release_everyone(
        self,
        *,
        keep: tuple[RoleName, ...],
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> list[tuple[str, str]]:
        """Release every active role except those in `keep`; returns (role, person) pairs."""
        released = [(a.role, a.person) for a in self.roles if a.active and a.role not in keep]
        for role, person in released:
            self.release_role(role, person, policy=policy, by=by, now=now, occurred_at=occurred_at)
        return [(str(role), person) for role, person in released]
