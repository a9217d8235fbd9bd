"""Variants of a policy that leave out the rules whose timers a test does not count."""

from __future__ import annotations

from dataclasses import replace

from warroom.domain.checklists import Checklist
from warroom.domain.policy import Policy


def without_checklists(policy: Policy) -> Policy:
    """No checklist items, so no checklist deadline timers or reminders."""
    return replace(policy, checklist=Checklist())


def without_clocks(policy: Policy, *, keep_cadence: bool = False) -> Policy:
    """No cadences (unless `keep_cadence`, which update templates quote), SME cycle,
    escalation, fatigue or retrospective deadlines."""
    quiet = tuple(
        replace(
            level,
            cadence=level.cadence if keep_cadence else {},
            identify_within=None,
            escalate_after=None,
            escalate_to=None,
            worker_fatigue_after=None,
            retrospective_within=None,
        )
        for level in policy.severities
    )
    return replace(policy, severities=quiet)
