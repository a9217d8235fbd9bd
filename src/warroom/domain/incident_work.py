"""Follow-ups, experiments, the five whys and the postmortem of an incident."""

from __future__ import annotations

from datetime import date, datetime

from warroom.domain import events
from warroom.domain.enums import (
    EntryKind,
    ExperimentStatus,
    FollowUpKind,
    FollowUpStatus,
    PostmortemStatus,
    Stage,
)
from warroom.domain.errors import InvalidInput, NotFound, RuleViolation
from warroom.domain.experiments import Experiment, Why
from warroom.domain.followups import FollowUp
from warroom.domain.incident_base import IncidentState
from warroom.domain.policy import Policy
from warroom.domain.postmortem import Postmortem
from warroom.domain.textcheck import check_text


class WorkMixin(IncidentState):
    """The work around the fix: what is tried, why it broke, what is left to do."""

    # -- follow-ups ---------------------------------------------------------------------------

    def add_followup(
        self,
        title: str,
        *,
        kind: FollowUpKind,
        policy: Policy,
        by: str,
        now: datetime,
        owner: str | None = None,
        due: date | None = None,
        ticket_url: str | None = None,
        occurred_at: datetime | None = None,
    ) -> FollowUp:
        title = check_text("title", title, policy.limits.title, required=True)
        if owner is not None:
            owner = check_text("owner", owner, policy.limits.name, required=True)
        if ticket_url is not None:
            ticket_url = check_text("ticket_url", ticket_url, 2000, required=True)
        at = self._when(occurred_at, now, policy, floor=False)
        followup = FollowUp(
            number=len(self.followups) + 1,
            title=title,
            kind=kind,
            created_at=at,
            created_by=by,
            owner=owner,
            due=due,
            ticket_url=ticket_url,
        )
        self.followups.append(followup)
        owner_text = f", owner {owner}" if owner else ""
        self._entry(
            EntryKind.SYSTEM,
            f"Follow-up #{followup.number} ({kind}) added: {title}{owner_text}",
            by,
            at,
            now,
            {"followup": followup.number},
        )
        self.events.append(
            events.FollowUpAdded(
                ref=self.ref,
                number=followup.number,
                title=title,
                kind=kind,
                owner=owner,
                occurred_at=at,
            )
        )
        return followup

    def followup(self, number: int) -> FollowUp:
        for f in self.followups:
            if f.number == number:
                return f
        raise NotFound("follow-up", f"#{number} on {self.ref}")

    def close_followup(
        self,
        number: int,
        *,
        status: FollowUpStatus,
        policy: Policy,
        by: str,
        now: datetime,
        reason: str = "",
        occurred_at: datetime | None = None,
    ) -> None:
        followup = self.followup(number)
        reason = check_text("reason", reason, policy.limits.text)
        if status is FollowUpStatus.OPEN:
            raise InvalidInput("status", "use done or not-doing to close a follow-up")
        if status is FollowUpStatus.NOT_DOING and not reason:
            raise RuleViolation(
                "followups.not_doing_reason", "a follow-up marked not-doing needs a reason"
            )
        if followup.status is not FollowUpStatus.OPEN:
            raise RuleViolation(
                "followups.closed", f"follow-up #{number} is already {followup.status}"
            )
        at = self._when(occurred_at, now, policy, floor=False)
        followup.status, followup.reason = status, reason
        followup.closed_at, followup.closed_by = at, by
        text = f"Follow-up #{number} {status}: {followup.title}"
        if reason:
            text += f" ({reason})"
        self._entry(EntryKind.SYSTEM, text, by, at, now, {"followup": number, "status": status})
        self.events.append(
            events.FollowUpClosed(
                ref=self.ref, number=number, status=status, reason=reason, occurred_at=at
            )
        )

    # -- experiments and five whys ---------------------------------------------------------------

    def start_experiment(
        self,
        hypothesis: str,
        *,
        action: str,
        policy: Policy,
        by: str,
        now: datetime,
        owner: str | None = None,
        time_box_minutes: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Experiment:
        self._require_open("start experiments")
        hypothesis = check_text("hypothesis", hypothesis, policy.limits.text, required=True)
        action = check_text("action", action, policy.limits.text, required=True)
        if owner is not None:
            owner = check_text("owner", owner, policy.limits.name, required=True)
        if time_box_minutes is not None and not 1 <= time_box_minutes <= 24 * 60:
            raise InvalidInput("time_box_minutes", "must be between 1 and 1440")
        at = self._when(occurred_at, now, policy)
        experiment = Experiment(
            number=len(self.experiments) + 1,
            hypothesis=hypothesis,
            action=action,
            started_at=at,
            started_by=by,
            owner=owner,
            time_box_minutes=time_box_minutes,
        )
        self.experiments.append(experiment)
        box = f" within {time_box_minutes} min" if time_box_minutes else ""
        who = f" ({owner})" if owner else ""
        self._entry(
            EntryKind.EXPERIMENT,
            f"Experiment #{experiment.number}{who}{box}: {action} — testing: {hypothesis}",
            by,
            at,
            now,
            {"experiment": experiment.number},
        )
        self.events.append(
            events.ExperimentStarted(
                ref=self.ref,
                number=experiment.number,
                hypothesis=hypothesis,
                owner=owner,
                occurred_at=at,
            )
        )
        return experiment

    def conclude_experiment(
        self,
        number: int,
        *,
        status: ExperimentStatus,
        result: str,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> None:
        experiment = next((e for e in self.experiments if e.number == number), None)
        if experiment is None:
            raise NotFound("experiment", f"#{number} on {self.ref}")
        if status is ExperimentStatus.RUNNING:
            raise InvalidInput("status", "use confirmed, refuted or inconclusive")
        if experiment.status is not ExperimentStatus.RUNNING:
            raise RuleViolation(
                "experiments.concluded", f"experiment #{number} is already {experiment.status}"
            )
        result = check_text("result", result, policy.limits.text, required=True)
        at = self._when(occurred_at, now, policy)
        experiment.status, experiment.result, experiment.ended_at = status, result, at
        self._entry(
            EntryKind.RESULT,
            f"Experiment #{number} {status}: {result}",
            by,
            at,
            now,
            {"experiment": number, "status": status},
        )
        self.events.append(
            events.ExperimentConcluded(ref=self.ref, number=number, status=status, occurred_at=at)
        )

    def add_why(
        self,
        text: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> Why:
        text = check_text("text", text, policy.limits.text, required=True)
        at = self._when(occurred_at, now, policy, floor=False)
        why = Why(position=len(self.whys) + 1, text=text, author=by, recorded_at=at)
        self.whys.append(why)
        self._entry(
            EntryKind.NOTE, f"Why #{why.position}: {text}", by, at, now, {"why": why.position}
        )
        self.events.append(
            events.WhyAdded(ref=self.ref, position=why.position, text=text, occurred_at=at)
        )
        return why

    # -- postmortem ------------------------------------------------------------------------------

    def write_postmortem(self, body: str, *, policy: Policy, by: str, now: datetime) -> None:
        body = check_text("body", body, 200_000, required=True)
        if self.postmortem is None:
            self.postmortem = Postmortem(body=body, created_at=now, updated_at=now, updated_by=by)
            self._entry(EntryKind.SYSTEM, f"Postmortem drafted by {by}", by, now, now, {})
            return
        if self.postmortem.status is PostmortemStatus.PUBLISHED:
            raise RuleViolation("postmortem.published", "the postmortem is already published")
        self.postmortem.body, self.postmortem.updated_at = body, now
        self.postmortem.updated_by = by

    def publish_postmortem(
        self,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> None:
        if self.postmortem is None:
            raise RuleViolation("postmortem.missing", f"{self.ref} has no postmortem draft yet")
        if self.postmortem.status is PostmortemStatus.PUBLISHED:
            raise RuleViolation("postmortem.published", "the postmortem is already published")
        if self.stage not in {Stage.MITIGATED, Stage.RESOLVED}:
            raise RuleViolation(
                "postmortem.too_early", "publish the postmortem once the incident is mitigated"
            )
        at = self._when(occurred_at, now, policy)
        self.postmortem.status = PostmortemStatus.PUBLISHED
        self.postmortem.published_at, self.postmortem.published_by = at, by
        self._entry(EntryKind.MILESTONE, f"Postmortem published by {by}", by, at, now, {})
        self.events.append(events.PostmortemPublished(ref=self.ref, by=by, occurred_at=at))
