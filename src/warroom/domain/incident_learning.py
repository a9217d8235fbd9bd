"""The learning after an incident: scheduling the retrospective, the customer postmortem."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from warroom.domain import events
from warroom.domain import postmortem_events as pev
from warroom.domain.due_clocks import RETROSPECTIVE
from warroom.domain.enums import EntryKind, Stage, Visibility
from warroom.domain.errors import InvalidInput, RuleViolation
from warroom.domain.incident_deadlines import DeadlinesMixin
from warroom.domain.policy import Policy
from warroom.domain.retrospective import RetroMeeting
from warroom.domain.textcheck import check_text

MIN_MINUTES, MAX_MINUTES = 15, 8 * 60
CUSTOMER_STAGES = frozenset({Stage.MITIGATED, Stage.RESOLVED, Stage.CLOSED})


def _url(value: str | None) -> str | None:
    if value is None:
        return None
    url = check_text("url", value, 2000, required=True)
    if not url.startswith(("https://", "http://")):
        raise InvalidInput("url", "must be an http(s) URL")
    return url


class LearningMixin(DeadlinesMixin):
    """What follows the mitigation: the meeting to learn, and telling customers what was learnt."""

    def participants_by_default(self) -> list[str]:
        """Everyone who held a role, released or not, in the order they joined."""
        seen: list[str] = []
        for assignment in self.roles:
            if assignment.person not in seen:
                seen.append(assignment.person)
        return seen

    def retrospective_deadline(self, policy: Policy) -> datetime | None:
        """When the meeting must be held by: the running clock, else the policy's span."""
        clock = self.due_clock(RETROSPECTIVE)
        if clock is not None:
            return clock.due_at
        level = self.level(policy)
        if self.mitigated_at is None or level is None or level.retrospective_within is None:
            return None
        return policy.calendar.deadline(self.mitigated_at, level.retrospective_within)

    def schedule_retrospective(
        self,
        *,
        starts_at: datetime,
        duration_minutes: int,
        participants: Sequence[str],
        policy: Policy,
        by: str,
        now: datetime,
        location: str | None = None,
        url: str | None = None,
        force: bool = False,
        reason: str = "",
        occurred_at: datetime | None = None,
    ) -> RetroMeeting:
        """Schedule the meeting, or move it (same calendar event, next sequence)."""
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
        if starts_at.tzinfo is None:
            raise InvalidInput("starts_at", "needs a time zone, e.g. 2026-11-24T14:00:00Z")
        if starts_at < at:
            raise InvalidInput("starts_at", f"{starts_at.isoformat()} is in the past")
        if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
            raise InvalidInput("duration", f"must be between {MIN_MINUTES} and {MAX_MINUTES} min")
        if location is not None:
            location = check_text("location", location, policy.limits.name, required=True)
        url = _url(url)
        reason = check_text("reason", reason, policy.limits.text)
        people: list[str] = []
        for name in participants:
            person = check_text("participants", name, policy.limits.name, required=True)
            if person not in people:
                people.append(person)
        people = people or self.participants_by_default()
        if not people:
            raise InvalidInput("participants", "nobody has held a role yet: name the participants")
        deadline = self.retrospective_deadline(policy)
        late = deadline is not None and starts_at > deadline
        if late and not force:
            assert deadline is not None
            raise RuleViolation(
                "retrospective.deadline",
                f"the retrospective of {self.ref} is due by {policy.calendar.show(deadline)}; "
                "schedule it earlier, or force it with a reason",
            )
        if late and not reason:
            raise InvalidInput("reason", "a meeting after the deadline needs a reason")
        meeting = self.retro_meeting
        if meeting is None:
            meeting = RetroMeeting(
                starts_at=starts_at,
                duration_minutes=duration_minutes,
                scheduled_at=at,
                scheduled_by=by,
            )
            self.retro_meeting = meeting
            verb = "scheduled"
        else:
            meeting.sequence += 1
            meeting.starts_at, meeting.duration_minutes = starts_at, duration_minutes
            meeting.scheduled_at, meeting.scheduled_by = at, by
            verb = "moved"
        meeting.participants = people
        meeting.location, meeting.url = location, url
        meeting.forced_reason = reason if late else None
        text = (
            f"Retrospective {verb} to {policy.calendar.show(starts_at)} "
            f"({duration_minutes} min) with {', '.join(people)}"
        )
        if late:
            assert deadline is not None
            text += f"; after its deadline ({policy.calendar.show(deadline)}): {reason}"
        self._entry(
            EntryKind.SYSTEM,
            text,
            by,
            at,
            now,
            {"retrospective": "scheduled", "sequence": meeting.sequence, "forced": late},
        )
        self.events.append(
            pev.RetrospectiveScheduled(
                ref=self.ref,
                by=by,
                starts_at=starts_at,
                sequence=meeting.sequence,
                forced=late,
                occurred_at=at,
            )
        )
        return meeting

    # -- the customer-facing postmortem ---------------------------------------------------------

    def write_customer_postmortem(
        self, body: str, *, policy: Policy, by: str, now: datetime
    ) -> None:
        body = check_text("body", body, 200_000, required=True)
        pm = self.postmortem
        if pm is None:
            raise RuleViolation(
                "postmortem.missing",
                f"{self.ref} has no postmortem yet; the customer version is edited from it",
            )
        if pm.customer_published_at is not None:
            raise RuleViolation(
                "postmortem.customers.published", "the customer postmortem is already published"
            )
        first = pm.customer_body is None
        pm.customer_body, pm.customer_updated_at, pm.customer_updated_by = body, now, by
        if first:
            self._entry(EntryKind.SYSTEM, f"Customer postmortem drafted by {by}", by, now, now, {})
            self.events.append(pev.CustomerPostmortemWritten(ref=self.ref, by=by, occurred_at=now))

    def publish_customer_postmortem(
        self, *, policy: Policy, by: str, now: datetime, occurred_at: datetime | None = None
    ) -> None:
        """Publish on the status page; only a public incident's postmortem leaves the building."""
        if self.visibility is not Visibility.PUBLIC:
            raise RuleViolation(
                "postmortem.customers.not_public",
                f"{self.ref} is {self.visibility}: "
                "only public incidents are published to customers",
            )
        if self.drill:
            raise RuleViolation(
                "postmortem.customers.drill", f"{self.ref} is a drill; nothing goes to customers"
            )
        pm = self.postmortem
        if pm is None or pm.customer_body is None:
            raise RuleViolation(
                "postmortem.customers.missing", f"{self.ref} has no customer postmortem yet"
            )
        if pm.customer_published_at is not None:
            raise RuleViolation(
                "postmortem.customers.published", "the customer postmortem is already published"
            )
        if self.stage not in CUSTOMER_STAGES:
            raise RuleViolation(
                "postmortem.too_early", "publish the postmortem once the incident is mitigated"
            )
        at = self._when(occurred_at, now, policy)
        pm.customer_published_at, pm.customer_published_by = at, by
        self._entry(
            EntryKind.MILESTONE,
            f"Customer postmortem published by {by} to the status page and its subscribers",
            by,
            at,
            now,
            {"postmortem": "customers"},
        )
        self.events.append(
            events.PostmortemPublished(ref=self.ref, by=by, occurred_at=at, audience="customers")
        )
