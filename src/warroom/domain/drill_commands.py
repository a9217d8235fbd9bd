"""Commands of drills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.commands import Command
from warroom.domain.drills import DrillScenario


@dataclass(frozen=True)
class StartDrill(Command):
    """Declare a practice incident from a scenario and schedule its events."""

    scenario: DrillScenario
    by: str
    # When the drill starts (its events' offsets count from it): now, or a past time to
    # record a drill after the fact or replay one. Never in the future.
    occurred_at: datetime | None = None
    # Offsets are divided by it: 2 runs the scenario in half the time.
    speed: float = 1.0
