"""Named checks a policy can require before a stage transition.

Each check returns None when satisfied, or a sentence saying what is missing. The
policy loader refuses names that are not registered here, so a typo in a policy file
is caught when the file is loaded, not when an incident is stuck.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from warroom.domain.durability import DurabilityStatus
from warroom.domain.enums import ExperimentStatus, FollowUpKind, PostmortemStatus

if TYPE_CHECKING:
    from warroom.domain.incident import Incident
    from warroom.domain.policy import Policy

GateCheck = Callable[["Incident", "Policy"], "str | None"]

GATE_CHECKS: dict[str, GateCheck] = {}


def gate(name: str) -> Callable[[GateCheck], GateCheck]:
    """Register a gate check under `name`."""

    def register(check: GateCheck) -> GateCheck:
        GATE_CHECKS[name] = check
        return check

    return register


@gate("durable_followups_closed")
def durable_followups_closed(incident: Incident, policy: Policy) -> str | None:
    open_ones = [
        f"#{f.number} {f.title}"
        for f in incident.followups
        if f.kind is FollowUpKind.DURABLE_FIX and not f.settled
    ]
    # Flagged non-durable changes not yet audited become follow-ups when mitigation is
    # crossed; they are shown here so a view of the gate does not look clear too early.
    unaudited = [
        f"non-durable change #{i.number} ({i.category})"
        for i in incident.non_durable
        if i.status is DurabilityStatus.OPEN
    ]
    if open_ones or unaudited:
        return (
            "durable-fix follow-ups not done or not marked not-doing with a reason: "
            + ", ".join(open_ones + unaudited)
        )
    return None


@gate("followups_closed")
def followups_closed(incident: Incident, policy: Policy) -> str | None:
    open_ones = [f"#{f.number} {f.title}" for f in incident.followups if not f.settled]
    return "follow-ups still open: " + ", ".join(open_ones) if open_ones else None


@gate("followups_owned")
def followups_owned(incident: Incident, policy: Policy) -> str | None:
    orphans = [f"#{f.number} {f.title}" for f in incident.followups if not f.owner]
    return "follow-ups without an owner: " + ", ".join(orphans) if orphans else None


@gate("required_roles_filled")
def required_roles_filled(incident: Incident, policy: Policy) -> str | None:
    missing = incident.missing_roles(policy)
    return "required roles not assigned: " + ", ".join(missing) if missing else None


@gate("experiments_concluded")
def experiments_concluded(incident: Incident, policy: Policy) -> str | None:
    running = [
        f"#{e.number} {e.hypothesis}"
        for e in incident.experiments
        if e.status is ExperimentStatus.RUNNING
    ]
    return "experiments still running: " + ", ".join(running) if running else None


@gate("root_cause_recorded")
def root_cause_recorded(incident: Incident, policy: Policy) -> str | None:
    return None if incident.whys else "no 'why' recorded: add at least one to the five whys"


@gate("five_whys")
def five_whys(incident: Incident, policy: Policy) -> str | None:
    count = len(incident.whys)
    return None if count >= 5 else f"five whys incomplete: {count} of 5 recorded"


@gate("postmortem_published")
def postmortem_published(incident: Incident, policy: Policy) -> str | None:
    pm = incident.postmortem
    if pm is None or pm.status is not PostmortemStatus.PUBLISHED:
        return "the postmortem is not published"
    return None


@gate("customers_verified")
def customers_verified(incident: Incident, policy: Policy) -> str | None:
    # Customers are named by number only: gate reasons are shown to viewers.
    waiting = [f"#{c.number}" for c in incident.customers_awaiting_confirmation()]
    if waiting:
        return (
            "customers who reported the problem have not confirmed the fix "
            "(or been waived by the liaison or commander): " + ", ".join(waiting)
        )
    return None


@gate("test_plan_signed")
def test_plan_signed(incident: Incident, policy: Policy) -> str | None:
    if not incident.test_steps:
        return "no test plan: add its steps, run them in staging and production, and sign it"
    problems = []
    unfinished = incident.unfinished_steps()
    if unfinished:
        problems.append("steps not run or failed: " + ", ".join(unfinished))
    missing = incident.missing_signoffs()
    if missing:
        problems.append("sign-offs missing: " + ", ".join(missing))
    return "the test plan is not signed: " + "; ".join(problems) if problems else None


@gate("automated_tests_recorded")
def automated_tests_recorded(incident: Incident, policy: Policy) -> str | None:
    if incident.automated_tests:
        return None
    return "no automated tests recorded: record the tests added and passing, with a link"


@gate("untested_fix_covered")
def untested_fix_covered(incident: Incident, policy: Policy) -> str | None:
    waiting = incident.awaiting_tests()
    if not waiting:
        return None
    fixes = ", ".join(f"#{f.number} (dropped {f.dropped_from} → {f.dropped_to})" for f in waiting)
    return (
        "awaiting automated tests for fixes released without them: "
        + fixes
        + "; record the tests to resolve"
    )
