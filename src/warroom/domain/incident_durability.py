"""The durability audit of an incident (document 002): non-durable changes become
durable-fix follow-ups at mitigation unless waived with a reason."""

from __future__ import annotations

from datetime import datetime

from warroom.domain import testplan_events as ev
from warroom.domain.durability import (
    CATEGORY_TEXT,
    DurabilityStatus,
    NonDurableCategory,
    NonDurableItem,
)
from warroom.domain.enums import EntryKind, FollowUpKind, FollowUpStatus, RoleName
from warroom.domain.errors import NotFound, RuleViolation
from warroom.domain.incident_roles import RolesMixin
from warroom.domain.incident_work import WorkMixin
from warroom.domain.policy import Policy
from warroom.domain.textcheck import check_text

AUDITOR = "warroom"


class DurabilityMixin(RolesMixin, WorkMixin):
    """Mitigations and manual changes flagged as non-durable, and what became of them."""

    def non_durable_item(self, number: int) -> NonDurableItem:
        for item in self.non_durable:
            if item.number == number:
                return item
        raise NotFound("non-durable change", f"#{number} on {self.ref}")

    def flag_non_durable(
        self,
        category: NonDurableCategory,
        text: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        entry_id: int | None = None,
        occurred_at: datetime | None = None,
    ) -> NonDurableItem:
        """Flag a mitigation or manual change as non-durable; past mitigation it becomes a
        follow-up at once."""
        self._require_open("flag a non-durable change")
        text = check_text("text", text, policy.limits.text, required=True)
        at = self._when(occurred_at, now, policy, floor=False)
        item = NonDurableItem(
            number=len(self.non_durable) + 1,
            category=category,
            text=text,
            flagged_by=by,
            flagged_at=at,
            entry_id=entry_id,
        )
        self.non_durable.append(item)
        about = f" (timeline entry {entry_id})" if entry_id is not None else ""
        self._entry(
            EntryKind.SYSTEM,
            f"Non-durable change #{item.number} flagged, {CATEGORY_TEXT[category]}: {text}{about}",
            by,
            at,
            now,
            {"non_durable": item.number, "category": category},
        )
        self.events.append(
            ev.NonDurableFlagged(
                ref=self.ref, number=item.number, category=category, by=by, occurred_at=at
            )
        )
        if self.mitigated_at is not None:
            self._followup_for(item, policy=policy, now=now, at=at)
        return item

    def waive_non_durable(
        self,
        number: int,
        reason: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> None:
        """The commander accepts a non-durable change as it is, with a reason; its open
        follow-up is closed as not-doing."""
        self._require_open("waive a non-durable change")
        item = self.non_durable_item(number)
        reason = check_text("reason", reason, policy.limits.text)
        if not reason:
            raise RuleViolation("durability.waive_reason", "a waiver needs a reason")
        if by not in self.holders(RoleName.COMMANDER):
            raise RuleViolation(
                "durability.waive_role",
                f"only the commander of {self.ref} may waive a non-durable change; {by} is not",
            )
        if item.status is DurabilityStatus.WAIVED:
            raise RuleViolation("durability.waived", f"non-durable change #{number} is waived")
        followup = self.followup(item.followup) if item.followup is not None else None
        if followup is not None and followup.status is not FollowUpStatus.OPEN:
            raise RuleViolation(
                "durability.followup_closed",
                f"follow-up #{followup.number} of non-durable change #{number} is already "
                f"{followup.status}",
            )
        at = self._when(occurred_at, now, policy, floor=False)
        item.waiver, item.waived_by, item.waived_at = reason, by, at
        self._entry(
            EntryKind.SYSTEM,
            f"Non-durable change #{number} waived by {by}: {reason}",
            by,
            at,
            now,
            {"non_durable": number},
        )
        self.events.append(ev.NonDurableWaived(ref=self.ref, number=number, by=by, occurred_at=at))
        if followup is not None:
            self.close_followup(
                followup.number,
                status=FollowUpStatus.NOT_DOING,
                policy=policy,
                by=by,
                now=now,
                reason=f"non-durable change #{number} waived: {reason}",
                occurred_at=occurred_at,
            )

    def audit_durability(self, *, policy: Policy, at: datetime, now: datetime) -> None:
        """At mitigation: list the non-durable changes and open a follow-up for each one
        neither waived nor followed up yet."""
        opened = [
            self._followup_for(item, policy=policy, now=now, at=at)
            for item in self.non_durable
            if item.status is DurabilityStatus.OPEN
        ]
        if self.non_durable:
            lines = [_describe(item) for item in self.non_durable]
            text = "Durability audit at mitigation: " + "; ".join(lines)
        else:
            text = (
                "Durability audit at mitigation: nothing flagged as non-durable (restart "
                "cron, cache off, manual infrastructure change, hotfix without tests)"
            )
        self._entry(EntryKind.SYSTEM, text, AUDITOR, at, now, {"durability_audit": True})
        self.events.append(
            ev.DurabilityAudited(
                ref=self.ref,
                items=tuple(i.number for i in self.non_durable),
                followups=tuple(opened),
                occurred_at=at,
            )
        )

    def _followup_for(
        self, item: NonDurableItem, *, policy: Policy, now: datetime, at: datetime | None = None
    ) -> int:
        title = f"Durable fix for non-durable change #{item.number} ({item.category}): {item.text}"
        limit = policy.limits.title
        if len(title) > limit:
            title = title[: limit - 1] + "…"
        commanders = self.holders(RoleName.COMMANDER)
        followup = self.add_followup(
            title,
            kind=FollowUpKind.DURABLE_FIX,
            policy=policy,
            by=AUDITOR,
            now=now,
            owner=commanders[0] if commanders else None,
            occurred_at=at,
        )
        item.followup = followup.number
        return followup.number


def _describe(item: NonDurableItem) -> str:
    state = {
        DurabilityStatus.FOLLOWUP: f"durable-fix follow-up #{item.followup}",
        DurabilityStatus.WAIVED: f"waived: {item.waiver}",
        DurabilityStatus.OPEN: "open",
    }[item.status]
    return f"#{item.number} {item.category}: {item.text} ({state})"
