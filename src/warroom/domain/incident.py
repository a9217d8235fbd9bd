"""The Incident aggregate: the one place where the rules of running an incident live."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from warroom.domain import events, stages
from warroom.domain.enums import (
    FREE_ENTRY_KINDS,
    Audience,
    EntryKind,
    Stage,
    Visibility,
)
from warroom.domain.errors import GateBlocked, InvalidInput, RuleViolation
from warroom.domain.gates import GATE_CHECKS
from warroom.domain.incident_base import clean_services, not_future, show_value
from warroom.domain.incident_checklist import ChecklistMixin
from warroom.domain.incident_clocks import ClocksMixin
from warroom.domain.incident_customers import CustomersMixin
from warroom.domain.incident_durability import DurabilityMixin
from warroom.domain.incident_learning import LearningMixin
from warroom.domain.incident_notify import NotifyMixin
from warroom.domain.incident_roles import RolesMixin
from warroom.domain.incident_testplan import TestPlanMixin
from warroom.domain.incident_work import WorkMixin
from warroom.domain.naming import channel_name
from warroom.domain.policy import ClassificationAction, ClassificationRule, Policy
from warroom.domain.textcheck import check_text
from warroom.domain.timeline import TimelineEntry

_UPDATE_KIND = {
    Audience.INTERNAL: EntryKind.STATUS_UPDATE,
    Audience.OBSERVERS: EntryKind.STATUS_UPDATE,
    Audience.CUSTOMERS: EntryKind.CUSTOMER_UPDATE,
}


def restricted_by_policy(policy: Policy, services: Sequence[str]) -> Visibility | None:
    """RESTRICTED when the policy restricts one of these services (security incidents)."""
    if set(services) & set(policy.restricted_services):
        return Visibility.RESTRICTED
    return None


class Incident(
    LearningMixin,
    ClocksMixin,
    ChecklistMixin,
    CustomersMixin,
    TestPlanMixin,
    DurabilityMixin,
    RolesMixin,
    WorkMixin,
    NotifyMixin,
):
    """An incident from declaration to closure, with everything recorded about it."""

    # -- declaration --------------------------------------------------------------

    @classmethod
    def declare(
        cls,
        *,
        number: int,
        policy: Policy,
        title: str,
        severity: str,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
        detected_at: datetime | None = None,
        functionality: str | None = None,
        state: str | None = None,
        audience: str | None = None,
        summary: str = "",
        services: Sequence[str] = (),
        customers_affected: int = 0,
        whole_service: bool = False,
        visibility: Visibility | None = None,
        drill: bool = False,
    ) -> tuple[Incident, ClassificationRule | None]:
        """Open a new incident; returns it with the classification rule that matched."""
        limits = policy.limits
        title = check_text("title", title, limits.title, required=True)
        for name, value in (
            ("functionality", functionality),
            ("state", state),
            ("audience", audience),
        ):
            if value is not None:
                check_text(name, value, limits.name, required=True)
        check_text("summary", summary, limits.text)
        cleaned_services = clean_services(services, limits.name)
        if customers_affected < 0:
            raise InvalidInput("customers_affected", "must be zero or more")
        policy.severity(severity)
        declared_at = not_future("occurred_at", occurred_at or now, now, policy)
        detected = not_future("detected_at", detected_at or declared_at, now, policy)
        if detected > declared_at:
            raise InvalidInput("detected_at", "must not be later than the declaration")

        rule = policy.classify(
            customers=customers_affected,
            services=len(cleaned_services),
            whole_service=whole_service,
        )
        applied = severity
        if (
            rule is not None
            and rule.action is ClassificationAction.RAISE
            and policy.more_severe(rule.severity, severity)
        ):
            applied = rule.severity
        ref = f"INC-{number}"
        channel = channel_name(
            policy.channel_pattern,
            when=declared_at.astimezone(ZoneInfo(policy.timezone)),
            ref=ref,
            severity=applied,
            title=title,
            functionality=functionality,
            state=state,
            audience=audience,
        )
        incident = cls(
            number=number,
            title=title,
            severity=applied,
            channel=channel,
            declared_at=declared_at,
            declared_by=by,
            detected_at=detected,
            recorded_at=now,
            functionality=functionality,
            state=state,
            audience=audience,
            summary=summary,
            services=cleaned_services,
            customers_affected=customers_affected,
            whole_service=whole_service,
            visibility=restricted_by_policy(policy, cleaned_services)
            or visibility
            or Visibility(policy.default_visibility),
            drill=drill,
        )
        text = f"Incident declared by {by}: {incident.summary_line} ({applied})"
        if applied != severity:
            text += f"; raised from {severity} by classification rule '{rule.name}'"  # type: ignore[union-attr]
        incident._entry(EntryKind.SYSTEM, text, by, declared_at, now, {"severity": applied})
        incident.events.append(
            events.IncidentDeclared(
                ref=ref,
                title=title,
                severity=applied,
                services=tuple(cleaned_services),
                channel=channel,
                declared_by=by,
                occurred_at=declared_at,
                drill=drill,
            )
        )
        return incident, rule

    def edit(self, *, policy: Policy, by: str, now: datetime, **changes: Any) -> None:
        """Change descriptive fields (title, summary triple, services, customers, visibility)."""
        self._require_open("edit")
        limits = policy.limits
        applied: dict[str, object] = {}
        new_links: dict[str, str] = {}
        services = changes.get("services")
        if services is not None and restricted_by_policy(policy, services):
            # Touching a restricted service restricts the incident (never the reverse).
            changes["visibility"] = Visibility.RESTRICTED
        for name, value in changes.items():
            if value is None:
                continue
            if name == "title":
                value = check_text("title", value, limits.title, required=True)
            elif name in {"functionality", "state", "audience"}:
                value = check_text(name, value, limits.name, required=True)
            elif name == "summary":
                value = check_text("summary", value, limits.text)
            elif name == "services":
                value = clean_services(value, limits.name)
            elif name == "customers_affected":
                if value < 0:
                    raise InvalidInput("customers_affected", "must be zero or more")
            elif name == "visibility":
                value = Visibility(value)
            elif name not in {"whole_service", "links"}:
                raise InvalidInput(name, "is not an editable field")
            before = getattr(self, name)
            if before != value:
                setattr(self, name, value)
                applied[name] = value
                if name == "links" and isinstance(value, dict):
                    new_links = {k: str(v) for k, v in value.items() if v and before.get(k) != v}
        if applied:
            described = ", ".join(f"{k}={show_value(v)}" for k, v in applied.items())
            self._entry(EntryKind.SYSTEM, f"Edited by {by}: {described}", by, now, now, {})
            self.events.append(events.IncidentEdited(ref=self.ref, changes=applied))
            self.note_links_changed(new_links, by=by, now=now)

    # -- stages ---------------------------------------------------------------------

    def allowed_stages(self) -> list[Stage]:
        return stages.allowed_targets(self.stage)

    def gate_failures(self, target: Stage, policy: Policy) -> list[tuple[str, str]]:
        """(gate name, what is missing) for each gate that holds back `target`.

        A fix released without tests drops the severity "assuming all other tests pass"
        (document 003): the gates of the severity it dropped from still apply."""
        failures: list[tuple[str, str]] = []
        seen: set[str] = set()
        levels = {self.severity: ""}
        for fix in self.fixes if target in (Stage.RESOLVED, Stage.CLOSED) else ():
            if fix.dropped_from and fix.dropped_from != fix.dropped_to:
                levels.setdefault(
                    fix.dropped_from,
                    f" (required at {fix.dropped_from}, before fix #{fix.number} lowered it)",
                )
        for level, why in levels.items():
            for gate in policy.gates_for(target, level):
                for name in gate.require:
                    if name in seen:
                        continue
                    seen.add(name)
                    reason = GATE_CHECKS[name](self, policy)
                    if reason:
                        failures.append((name, reason + why))
        return failures

    def change_stage(
        self,
        target: Stage,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
        note: str = "",
    ) -> None:
        """Move to `target`, enforcing the stage machine and the policy's gates."""
        if target is self.stage:
            raise RuleViolation("stages.same", f"{self.ref} is already {target}")
        if target not in self.allowed_stages():
            allowed = ", ".join(self.allowed_stages()) or "none (closed)"
            raise RuleViolation(
                "stages.transition",
                f"cannot move {self.ref} from {self.stage} to {target}; allowed: {allowed}",
            )
        check_text("note", note, policy.limits.text)
        at = self._when(occurred_at, now, policy)
        if stages.crosses_mitigation(self.stage, target):
            # Before the gates: the follow-ups the audit opens are what resolving waits for.
            self.audit_durability(policy=policy, at=at, now=now)
        failures = self.gate_failures(target, policy)
        if failures:
            raise GateBlocked(str(target), failures)
        previous = self.stage
        self.stage = target
        self.stage_entered_at = at
        self._stamp_milestones(previous, target, at)
        text = f"Stage {previous} → {target}"
        if stages.is_reopen(previous, target):
            text = f"Reopened: stage {previous} → {target}"
        if note:
            text += f": {note}"
        self._entry(EntryKind.STAGE_CHANGE, text, by, at, now, {"from": previous, "to": target})
        self.events.append(
            events.StageChanged(
                ref=self.ref, from_stage=previous, to_stage=target, by=by, occurred_at=at
            )
        )

    def _stamp_milestones(self, previous: Stage, target: Stage, at: datetime) -> None:
        if stages.is_reopen(previous, target):
            # The cause is unknown again and customers feel it again: the next
            # identification and mitigation are new milestones.
            self.identified_at = self.mitigated_at = self.resolved_at = None
            return
        index = stages.ORDER.index(target)
        if index >= stages.ORDER.index(Stage.IDENTIFIED) and self.identified_at is None:
            self.identified_at = at
        if index >= stages.ORDER.index(Stage.MITIGATED) and self.mitigated_at is None:
            self.mitigated_at = at
        if index >= stages.ORDER.index(Stage.RESOLVED) and self.resolved_at is None:
            self.resolved_at = at
        if target is Stage.CLOSED:
            self.closed_at = at

    # -- severity ---------------------------------------------------------------------

    def change_severity(
        self,
        severity: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
        reason: str = "",
    ) -> None:
        self._require_open("change severity")
        policy.severity(severity)
        check_text("reason", reason, policy.limits.text)
        if severity == self.severity:
            raise RuleViolation("severity.same", f"{self.ref} is already {severity}")
        at = self._when(occurred_at, now, policy)
        previous = self.severity
        self.severity = severity
        direction = "raised" if policy.more_severe(severity, previous) else "lowered"
        text = f"Severity {direction} {previous} → {severity}"
        if reason:
            text += f": {reason}"
        self._entry(
            EntryKind.SEVERITY_CHANGE, text, by, at, now, {"from": previous, "to": severity}
        )
        self.events.append(
            events.SeverityChanged(
                ref=self.ref,
                from_severity=previous,
                to_severity=severity,
                by=by,
                occurred_at=at,
                reason=reason,
            )
        )

    # -- timeline -----------------------------------------------------------------------------

    def log(
        self,
        kind: EntryKind,
        text: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
        data: dict[str, Any] | None = None,
    ) -> TimelineEntry:
        """Add a note, hypothesis, manual change, milestone… written by a person."""
        if kind not in FREE_ENTRY_KINDS:
            allowed = ", ".join(sorted(FREE_ENTRY_KINDS))
            raise InvalidInput(
                "kind", f"{kind!r} entries are written by the engine; write one of {allowed}"
            )
        text = check_text("text", text, policy.limits.text, required=True)
        # A note may describe what happened before detection (the deploy that
        # caused it), so only the future is refused.
        at = self._when(occurred_at, now, policy, floor=False)
        entry = self._entry(kind, text, by, at, now, data or {})
        self.events.append(
            events.TimelineEntryAdded(ref=self.ref, kind=kind, text=text, author=by, occurred_at=at)
        )
        return entry

    def post_update(
        self,
        audience: Audience,
        text: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> None:
        """Record a status update sent to an audience; it resets that audience's clock."""
        text = check_text("text", text, policy.limits.text, required=True)
        at = self._when(occurred_at, now, policy)
        setattr(self, f"last_update_{audience}_at", at)
        self._entry(_UPDATE_KIND[audience], text, by, at, now, {"audience": audience})
        self.events.append(
            events.UpdatePosted(
                ref=self.ref, audience=audience, text=text, author=by, occurred_at=at
            )
        )

    # -- entries written by the engine ------------------------------------------------------

    def record_alert(
        self,
        text: str,
        *,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
        data: dict[str, Any] | None = None,
    ) -> TimelineEntry:
        """An alert fired, fired again or resolved for this incident (written by intake)."""
        return self._engine_entry(EntryKind.ALERT, text, by, now, occurred_at, data)

    def record_event(
        self,
        text: str,
        *,
        by: str,
        now: datetime,
        data: dict[str, Any] | None = None,
        occurred_at: datetime | None = None,
    ) -> TimelineEntry:
        """A system entry: a page acknowledged, a role filled from an on-call rotation."""
        return self._engine_entry(EntryKind.SYSTEM, text, by, now, occurred_at, data)

    def _engine_entry(
        self,
        kind: EntryKind,
        text: str,
        by: str,
        now: datetime,
        occurred_at: datetime | None,
        data: dict[str, Any] | None,
    ) -> TimelineEntry:
        text = text.strip()[:10_000] or str(kind)
        at = min(occurred_at or now, now)
        entry = self._entry(kind, text, by, at, now, data or {})
        self.events.append(
            events.TimelineEntryAdded(ref=self.ref, kind=kind, text=text, author=by, occurred_at=at)
        )
        return entry
