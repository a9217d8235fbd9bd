"""Fakes for handler tests: no I/O, same behaviour as the real adapters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from warroom.adapters.repository import parse_ref
from warroom.domain.access import IncidentAccess, Principal, sees
from warroom.domain.duplicates import Candidate
from warroom.domain.enums import EntryKind, Stage
from warroom.domain.errors import NotFound
from warroom.domain.incident import Incident
from warroom.domain.timeline import TimelineEntry
from warroom.service_layer.unit_of_work import UnitOfWork


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class FakeIncidentRepository:
    def __init__(self) -> None:
        self.incidents: dict[int, Incident] = {}
        self.entries_by_incident: dict[int, list[TimelineEntry]] = {}
        self.seen: list[Incident] = []
        self.counter = 0
        self.members: dict[int, set[str]] = {}

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def add(self, incident: Incident) -> None:
        self.incidents[incident.number] = incident
        self.seen.append(incident)

    def get(self, ref: str) -> Incident:
        number = parse_ref(ref)
        if number not in self.incidents:
            raise NotFound("incident", f"INC-{number}")
        incident = self.incidents[number]
        if incident not in self.seen:
            self.seen.append(incident)
        return incident

    def add_member(self, number: int, person: str, *, by: str, now: datetime) -> bool:
        members = self.members.setdefault(number, set())
        added = person not in members
        members.add(person)
        return added

    def has_member(self, number: int, person: str) -> bool:
        return person in self.members.get(number, set())

    def remove_member(self, number: int, person: str) -> bool:
        members = self.members.get(number, set())
        found = person in members
        members.discard(person)
        return found

    def duplicate_candidates(
        self,
        seen_by: Principal | None,
        *,
        title: str,
        services: Sequence[str],
        threshold: float,
        after: int | None = None,
    ) -> list[Candidate]:
        """Every open incident: the rule itself (`find_duplicates`) picks among them."""
        return [
            Candidate(i.ref, i.title, list(i.services), i.channel, str(i.stage), i.severity)
            for i in self.incidents.values()
            if i.stage is not Stage.CLOSED
            and (after is None or i.number > after)
            and (
                seen_by is None
                or sees(
                    seen_by,
                    IncidentAccess(
                        i.visibility, i.roles_of(seen_by.name), i.declared_by == seen_by.name
                    ),
                )
            )
        ]

    def entries(self, number: int, kinds: Sequence[EntryKind]) -> list[TimelineEntry]:
        found = [e for e in self.entries_by_incident.get(number, []) if e.kind in kinds]
        return sorted(found, key=lambda e: e.occurred_at)

    def flush_pending(self) -> None:
        for incident in self.seen:
            stored = self.entries_by_incident.setdefault(incident.number, [])
            for entry in incident.new_entries:
                entry.id = sum(len(v) for v in self.entries_by_incident.values()) + 1
                stored.append(entry)
            incident.new_entries = []


class FakeIdempotency:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Any] = {}

    def get(self, principal: str, key: str) -> Any:
        return self.rows.get((principal, key))

    def add(self, principal: str, key: str, fingerprint: str, result: Any, now: datetime) -> None:
        self.rows[(principal, key)] = _Row(fingerprint, result)

    def save_response(self, principal: str, key: str, status_code: int, response: str) -> None:
        row = self.rows[(principal, key)]
        row.status_code, row.response = status_code, response


class _Row:
    def __init__(self, fingerprint: str, result: Any) -> None:
        self.fingerprint = fingerprint
        self.result = result
        self.status_code: int | None = None
        self.response: str | None = None


class FakeUnitOfWork(UnitOfWork):
    """Shares its stores across units of work, like a database would."""

    def __init__(self, repo: FakeIncidentRepository, idem: FakeIdempotency) -> None:
        self.incidents = repo  # type: ignore[assignment]
        self.idempotency = idem  # type: ignore[assignment]
        self.repo = repo
        self.committed = 0

    def __enter__(self) -> FakeUnitOfWork:
        self.incidents.seen = []
        self._counter = self.repo.counter
        return self

    def flush(self) -> None:
        self.incidents.flush_pending()

    def _commit(self) -> None:
        self.committed += 1
        self._counter = self.repo.counter

    def rollback(self) -> None:
        # As in the database, a number allocated by a refused command is not used up.
        self.repo.counter = self._counter
