"""Where the SME cycle finds the next subject-matter expert: a small port.

The default source asks, for each impacted service, who is on call for it, then its
ordered SMEs, then its owning team (`service_layer/oncall.py: sme_candidates`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from warroom.domain.incident import Incident
from warroom.service_layer.oncall import sme_candidates
from warroom.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SmeCandidate:
    person: str
    reason: str  # why them, for the timeline: "SME for auth"


SmeSource = Callable[[UnitOfWork, Incident, datetime], list[SmeCandidate]]


def service_smes(uow: UnitOfWork, incident: Incident, at: datetime) -> list[SmeCandidate]:
    """For each impacted service: who is on call for it, its SMEs in catalog order, then
    its owning team; each person once."""
    found: list[SmeCandidate] = []
    seen: set[str] = set()
    for name in incident.services:
        for person, reason in sme_candidates(uow, name, at=at):
            if person not in seen:
                seen.add(person)
                found.append(SmeCandidate(person, reason))
    return found
