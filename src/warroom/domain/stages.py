"""The stage machine: forward through the stages, back to investigating while open."""

from __future__ import annotations

from warroom.domain.enums import Stage

ORDER: tuple[Stage, ...] = tuple(Stage)

# Stages in which customers may still feel the impact.
ACTIVE = frozenset({Stage.INVESTIGATING, Stage.IDENTIFIED, Stage.RESTORING, Stage.MONITORING})
OPEN = frozenset(s for s in Stage if s is not Stage.CLOSED)


def allowed_targets(current: Stage) -> list[Stage]:
    """Stages reachable from `current` in one step.

    Response is not linear: stages may be skipped forward (a rollback can mitigate
    before anyone knows the cause), any open stage may return to investigating
    (a relapse or a wrong guess), and only a resolved incident may be closed.
    """
    if current is Stage.CLOSED:
        return []
    later = [s for s in ORDER if ORDER.index(s) > ORDER.index(current)]
    targets = [s for s in later if s is not Stage.CLOSED or current is Stage.RESOLVED]
    if current is not Stage.INVESTIGATING:
        targets.insert(0, Stage.INVESTIGATING)
    return targets


def is_reopen(current: Stage, target: Stage) -> bool:
    return target is Stage.INVESTIGATING and current is not Stage.INVESTIGATING


def crosses_mitigation(current: Stage, target: Stage) -> bool:
    """A forward move that reaches or passes `mitigated` from an earlier stage."""
    mitigated = ORDER.index(Stage.MITIGATED)
    return ORDER.index(current) < mitigated <= ORDER.index(target) and target is not Stage.CLOSED
