"""The incident's checklist: items ticked by hand or by events, skipped, reopened, reminded."""

from __future__ import annotations

from datetime import datetime

from warroom.domain import checklist_events, stages
from warroom.domain.checklist_state import ChecklistMark, StageArrival
from warroom.domain.checklists import ChecklistItem, ChecklistStatus
from warroom.domain.enums import EntryKind, RoleName, Stage
from warroom.domain.errors import RuleViolation
from warroom.domain.events import Event
from warroom.domain.incident_roles import RolesMixin
from warroom.domain.policy import Policy
from warroom.domain.textcheck import check_text

# Event attributes that name the person behind an event, in order of preference.
_ACTOR_FIELDS = ("by", "author", "declared_by")


class ChecklistMixin(RolesMixin):
    """What is done, skipped or still to do of the policy's checklist."""

    # -- reading -------------------------------------------------------------------------------

    def checklist_mark(self, item_id: str) -> ChecklistMark | None:
        return next((m for m in self.checklist if m.item_id == item_id), None)

    def checklist_status(self, item_id: str) -> ChecklistStatus:
        mark = self.checklist_mark(item_id)
        return mark.status if mark else ChecklistStatus.OPEN

    def reached_at(self, stage: Stage) -> datetime | None:
        """When the incident reached `stage` (None while it has not)."""
        if stages.ORDER.index(self.stage) < stages.ORDER.index(stage):
            return None
        for arrival in self.stage_arrivals:
            if arrival.stage is stage:
                return arrival.reached_at
        if stage is Stage.INVESTIGATING:
            return self.declared_at
        # Reached without a recorded arrival (an incident older than its checklist).
        return self.stage_entered_at

    def item_due_at(self, item: ChecklistItem) -> datetime | None:
        return item.due_at(declared_at=self.declared_at, reached_at=self.reached_at(item.stage))

    def item_is_live(self, item: ChecklistItem) -> bool:
        """Open, applicable to the severity, and its stage reached: something to do now."""
        return (
            item.applies_to(self.severity)
            and item.active_in(self.stage)
            and self.checklist_status(item.id) is ChecklistStatus.OPEN
        )

    # -- by hand ---------------------------------------------------------------------------------

    def check_item(
        self,
        item_id: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        note: str = "",
        occurred_at: datetime | None = None,
    ) -> None:
        """Tick an item by hand (also one that was skipped, if it got done after all)."""
        item = self._applicable(item_id, policy)
        note = check_text("note", note, policy.limits.text)
        mark = self.checklist_mark(item.id)
        if mark is not None and mark.status is ChecklistStatus.DONE:
            raise RuleViolation(
                "checklist.done",
                f"'{item.id}' was already ticked by {mark.by} at {mark.at.isoformat()}",
            )
        at = self._when(occurred_at, now, policy)
        self._set_mark(item, ChecklistStatus.DONE, by=by, at=at, now=now, reason=note)
        text = f"Checklist: ticked '{item.title}'" + (f" — {note}" if note else "")
        self._entry(EntryKind.CHECKLIST, text, by, at, now, {"item": item.id, "status": "done"})
        self.events.append(
            checklist_events.ChecklistItemChecked(ref=self.ref, item=item.id, by=by, occurred_at=at)
        )

    def skip_item(
        self,
        item_id: str,
        *,
        reason: str,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> None:
        """Decide not to do an item, saying why; no event will tick it afterwards."""
        item = self._applicable(item_id, policy)
        reason = check_text("reason", reason, policy.limits.text)
        if not reason:
            raise RuleViolation("checklist.skip_reason", "skipping an item needs a reason")
        status = self.checklist_status(item.id)
        if status is not ChecklistStatus.OPEN:
            raise RuleViolation(f"checklist.{status}", f"'{item.id}' is {status}; reopen it first")
        at = self._when(occurred_at, now, policy)
        self._set_mark(item, ChecklistStatus.SKIPPED, by=by, at=at, now=now, reason=reason)
        self._entry(
            EntryKind.CHECKLIST,
            f"Checklist: skipped '{item.title}': {reason}",
            by,
            at,
            now,
            {"item": item.id, "status": "skipped"},
        )
        self.events.append(
            checklist_events.ChecklistItemSkipped(
                ref=self.ref, item=item.id, by=by, reason=reason, occurred_at=at
            )
        )

    def reopen_item(
        self,
        item_id: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        reason: str = "",
        occurred_at: datetime | None = None,
    ) -> None:
        """Put a ticked or skipped item back on the list."""
        item = policy.checklist.item(item_id)
        reason = check_text("reason", reason, policy.limits.text)
        if self.checklist_status(item.id) is ChecklistStatus.OPEN:
            raise RuleViolation("checklist.open", f"'{item.id}' is already open")
        at = self._when(occurred_at, now, policy)
        self._set_mark(item, ChecklistStatus.OPEN, by=by, at=at, now=now, reason=reason)
        text = f"Checklist: reopened '{item.title}'" + (f": {reason}" if reason else "")
        self._entry(EntryKind.CHECKLIST, text, by, at, now, {"item": item.id, "status": "open"})
        self.events.append(
            checklist_events.ChecklistItemReopened(
                ref=self.ref, item=item.id, by=by, occurred_at=at
            )
        )

    # -- by events ---------------------------------------------------------------------------

    def complete_by_event(self, event: Event, *, policy: Policy, now: datetime) -> list[str]:
        """Tick every live item whose rule matches `event`; returns their ids.

        A ticked or skipped item is left alone, so an item is completed by an event at
        most once and a person's decision is never overridden.
        """
        done: list[str] = []
        for item in policy.checklist.by_event.get(type(event).__name__, ()):
            rule = item.done_when
            # The rule first: it needs no stored state, the marks are loaded on demand.
            if rule is None or not rule.matches(event) or not self.item_is_live(item):
                continue
            at = getattr(event, "occurred_at", None)
            at = at if isinstance(at, datetime) else now
            by = next((str(v) for f in _ACTOR_FIELDS if (v := getattr(event, f, None))), "warroom")
            self._set_mark(item, ChecklistStatus.DONE, by=by, at=at, now=now, auto=rule.event)
            self._entry(
                EntryKind.CHECKLIST,
                f"Checklist: ticked '{item.title}' automatically ({rule.describe()})",
                by,
                at,
                now,
                {"item": item.id, "status": "done", "auto": rule.event},
            )
            self.events.append(
                checklist_events.ChecklistItemChecked(
                    ref=self.ref, item=item.id, by=by, occurred_at=at, auto=True
                )
            )
            done.append(item.id)
        return done

    def note_stage_reached(self, previous: Stage, target: Stage, at: datetime) -> None:
        """Record when each stage was first reached; a reopening forgets the later ones."""
        if stages.is_reopen(previous, target):
            self.stage_arrivals[:] = [
                a for a in self.stage_arrivals if a.stage is Stage.INVESTIGATING
            ]
            return
        recorded = {a.stage for a in self.stage_arrivals}
        if Stage.INVESTIGATING not in recorded:
            self.stage_arrivals.append(StageArrival(Stage.INVESTIGATING, self.declared_at))
        low, high = stages.ORDER.index(previous), stages.ORDER.index(target)
        for stage in stages.ORDER[low + 1 : high + 1]:
            if stage not in recorded:
                self.stage_arrivals.append(StageArrival(stage, at))

    def note_reminder(
        self, item: ChecklistItem, *, reminded: list[str], due_at: datetime, now: datetime
    ) -> None:
        """Record that the owners of an overdue item were reminded."""
        mark = self.checklist_mark(item.id)
        if mark is None:
            mark = ChecklistMark(item.id, ChecklistStatus.OPEN, "warroom", now, now)
            self.checklist.append(mark)
        mark.reminded_at = now
        self._entry(
            EntryKind.CHECKLIST,
            f"Checklist: '{item.title}' is overdue (due {due_at:%Y-%m-%d %H:%M} UTC); "
            f"reminded {', '.join(reminded)}",
            "warroom",
            now,
            now,
            {"item": item.id, "status": "overdue"},
        )

    def note_roles_filled(
        self, role: str, *, replaced: str | None, policy: Policy, at: datetime
    ) -> None:
        """Raise RequiredRolesFilled when `role` was the last required role to be filled."""
        required = policy.severity(self.severity).required_roles
        if (
            replaced is None
            and role in required
            and not self.missing_roles(policy)
            and len(self.holders(RoleName(role))) == 1
        ):
            self.events.append(
                checklist_events.RequiredRolesFilled(
                    ref=self.ref, severity=self.severity, occurred_at=at
                )
            )

    # -- helpers ---------------------------------------------------------------------------------

    def _applicable(self, item_id: str, policy: Policy) -> ChecklistItem:
        item = policy.checklist.item(item_id)
        if not item.applies_to(self.severity):
            raise RuleViolation(
                "checklist.not_applicable",
                f"'{item.id}' applies to {', '.join(sorted(item.severities or ()))}, "
                f"not to {self.ref} at {self.severity}",
            )
        return item

    def _set_mark(
        self,
        item: ChecklistItem,
        status: ChecklistStatus,
        *,
        by: str,
        at: datetime,
        now: datetime,
        reason: str = "",
        auto: str | None = None,
    ) -> None:
        mark = self.checklist_mark(item.id)
        if mark is None:
            self.checklist.append(ChecklistMark(item.id, status, by, at, now, reason, auto))
            return
        mark.status, mark.by, mark.at, mark.recorded_at = status, by, at, now
        mark.reason, mark.auto_event = reason, auto
        if status is ChecklistStatus.OPEN:
            mark.reminded_at = None
