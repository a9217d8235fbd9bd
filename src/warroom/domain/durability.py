"""Non-durable mitigations and manual changes (document 002's durability audit).

A mitigation can stop the impact without being durable: a cron restarting pods, a cache
turned off, a manual infrastructure change outside the code, a hotfix without tests. Each
one flagged becomes a durable-fix follow-up at mitigation unless waived with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class NonDurableCategory(StrEnum):
    RESTART_CRON = "restart-cron"
    DISABLED_CACHE = "disabled-cache"
    MANUAL_INFRASTRUCTURE = "manual-infrastructure"
    HOTFIX_WITHOUT_TESTS = "hotfix-without-tests"
    OTHER = "other"


CATEGORY_TEXT = {
    NonDurableCategory.RESTART_CRON: "a cron job restarting things",
    NonDurableCategory.DISABLED_CACHE: "caching turned off",
    NonDurableCategory.MANUAL_INFRASTRUCTURE: "a manual infrastructure change not in code",
    NonDurableCategory.HOTFIX_WITHOUT_TESTS: "a hotfix without test coverage",
    NonDurableCategory.OTHER: "a non-durable change",
}


class DurabilityStatus(StrEnum):
    OPEN = "open"  # not yet audited: becomes a follow-up at mitigation
    FOLLOWUP = "followup"
    WAIVED = "waived"


@dataclass(eq=False)
class NonDurableItem:
    number: int
    category: NonDurableCategory
    text: str
    flagged_by: str
    flagged_at: datetime
    entry_id: int | None = None
    followup: int | None = None
    waiver: str = ""
    waived_by: str | None = None
    waived_at: datetime | None = None

    @property
    def status(self) -> DurabilityStatus:
        if self.waived_by is not None:
            return DurabilityStatus.WAIVED
        if self.followup is not None:
            return DurabilityStatus.FOLLOWUP
        return DurabilityStatus.OPEN
