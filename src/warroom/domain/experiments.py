"""Experiments: a hypothesis tested by an action within a time box (document 001)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.enums import ExperimentStatus


@dataclass(eq=False)
class Experiment:
    number: int
    hypothesis: str
    action: str
    started_at: datetime
    started_by: str
    owner: str | None = None
    time_box_minutes: int | None = None
    status: ExperimentStatus = ExperimentStatus.RUNNING
    result: str = ""
    ended_at: datetime | None = None


@dataclass(eq=False)
class Why:
    """One answer in the five-whys chain; position 1 is the symptom's first why."""

    position: int
    text: str
    author: str
    recorded_at: datetime
