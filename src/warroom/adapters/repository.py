"""Repositories: load and save aggregates inside a unit of work's session."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session, lazyload

from warroom.adapters.audit_log import record_insert
from warroom.adapters.core_changes import untracked
from warroom.adapters.duplicate_search import count_edit, duplicate_candidates
from warroom.adapters.orm.auth import idempotency_keys, incident_members
from warroom.adapters.orm.base import counters
from warroom.adapters.orm.incidents import incident_services, incidents, timeline_entries
from warroom.adapters.statement_insert import fully_loaded, insert_aggregate, insert_rows
from warroom.domain.access import Principal
from warroom.domain.duplicates import Candidate
from warroom.domain.enums import EntryKind
from warroom.domain.errors import InvalidInput, NotFound
from warroom.domain.incident import Incident
from warroom.domain.timeline import TimelineEntry

_REF = re.compile(r"^(?:INC-)?(\d{1,9})$", re.IGNORECASE)


def parse_ref(ref: str) -> int:
    """'INC-12' (or '12') → 12; anything else is InvalidInput naming `ref`."""
    match = _REF.match(ref.strip())
    if not match:
        raise InvalidInput("ref", f"{ref!r} is not an incident reference like INC-12")
    return int(match.group(1))


class IncidentRepository:
    """Incidents by reference; remembers what it handed out so events can be collected."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.seen: list[Incident] = []
        self._services: dict[int, list[str]] = {}
        self._titles: dict[int, str] = {}
        self._added: dict[int, Incident] = {}
        self._written: set[int] = set()  # of those, the ones written by statement

    def next_number(self) -> int:
        """Allocate the next INC number; the row lock serialises concurrent declarations."""
        stmt = (
            update(counters)
            .where(counters.c.name == "incident")
            .values(value=counters.c.value + 1)
            .returning(counters.c.value)
        )
        value = self.session.execute(stmt).scalar_one_or_none()
        if value is None:
            self.session.execute(insert(counters).values(name="incident", value=1))
            return 1
        return int(value)

    def add(self, incident: Incident) -> None:
        self.session.add(incident)
        self._track(incident, fresh=True)
        self._added[incident.number] = incident

    def added(self) -> dict[int, Incident]:
        """The incidents declared in this unit of work, by number."""
        return self._added

    def whole(self) -> dict[str, Incident]:
        """The incidents added in this unit of work that are wholly in memory (written by
        statement, nothing left to load): readable after the session has closed."""
        return {
            incident.ref: incident
            for number, incident in self._added.items()
            if number in self._written and fully_loaded(incident)
        }

    def get(self, ref: str) -> Incident:
        """The incident, locked for update until the unit of work ends."""
        number = parse_ref(ref)
        added = self._added.get(number)
        if added is not None:
            # Declared in this unit of work: the same object a query would return from the
            # session, without the query and the flush it would force (the declaration's
            # reactions then write everything in one flush).
            return added
        incident = self.session.execute(_get_statement(), {"number": number}).scalar_one_or_none()
        if incident is None:
            raise NotFound("incident", f"INC-{number}")
        self._track(incident, fresh=False)
        return incident

    def add_member(self, number: int, person: str, *, by: str, now: datetime) -> bool:
        """Add a member; False if they already were one."""
        if self.session.execute(
            select(incident_members.c.person).where(
                incident_members.c.incident_id == number, incident_members.c.person == person
            )
        ).first():
            return False
        self.session.execute(
            insert(incident_members).values(
                incident_id=number, person=person, added_by=by, added_at=now
            )
        )
        return True

    def has_member(self, number: int, person: str) -> bool:
        return (
            self.session.execute(
                select(incident_members.c.person).where(
                    incident_members.c.incident_id == number, incident_members.c.person == person
                )
            ).first()
            is not None
        )

    def remove_member(self, number: int, person: str) -> bool:
        done = self.session.execute(
            delete(incident_members).where(
                incident_members.c.incident_id == number, incident_members.c.person == person
            )
        )
        return bool(getattr(done, "rowcount", 0))

    def duplicate_candidates(
        self,
        seen_by: Principal | None,
        *,
        title: str,
        services: Sequence[str],
        threshold: float,
        after: int | None = None,
    ) -> list[Candidate]:
        """Open incidents (those `seen_by` may see, when given; with `after`, only those
        numbered above it) that a declaration of `title` on `services` may duplicate."""
        return duplicate_candidates(
            self.session.connection(),
            seen_by,
            title=title,
            services=services,
            threshold=threshold,
            after=after,
        )

    def entries(self, number: int, kinds: Sequence[EntryKind]) -> list[TimelineEntry]:
        """Timeline entries of the given kinds, oldest first."""
        stmt = (
            select(TimelineEntry)
            .where(timeline_entries.c.incident_id == number, timeline_entries.c.kind.in_(kinds))
            .order_by(timeline_entries.c.occurred_at, timeline_entries.c.id)
        )
        return list(self.session.execute(stmt).scalars())

    def numbers(self) -> list[int]:
        """The numbers of the incidents handed out or added so far."""
        return [incident.number for incident in self.seen]

    def _track(self, incident: Incident, *, fresh: bool) -> None:
        if incident not in self.seen:
            self.seen.append(incident)
            self._services[id(incident)] = [] if fresh else list(incident.services)
            self._titles[id(incident)] = incident.title

    def flush_pending(self) -> None:
        """Write the new timeline entries and the service index of every touched incident."""
        entries: list[TimelineEntry] = []
        for incident in self.seen:
            for entry in incident.new_entries:
                entry.incident_id = incident.number
                entries.append(entry)
            incident.new_entries = []
        for incident in self._added.values():
            # A new incident with its checklist marks, clocks and stage arrival: by
            # statement (`statement_insert`), unless a query has flushed it already.
            if insert_aggregate(self.session, incident):
                self._written.add(incident.number)
        self.session.flush()  # a new incident's row first: its entries refer to it
        if entries:
            self._insert_entries(entries)
        edited = False
        for incident in self.seen:
            if incident.title != self._titles[id(incident)]:
                edited = edited or incident.number not in self._added
                self._titles[id(incident)] = incident.title
            before = self._services[id(incident)]
            if before != incident.services:
                edited = edited or incident.number not in self._added
                if incident.number not in self._added:  # a new one has no rows to replace
                    self.session.execute(
                        delete(incident_services).where(
                            incident_services.c.incident_id == incident.number
                        )
                    )
                if incident.services:
                    self.session.execute(
                        insert(incident_services),
                        [{"incident_id": incident.number, "service": s} for s in incident.services],
                    )
                self._services[id(incident)] = list(incident.services)
        if edited:  # what the duplicate check compares has changed (`OpenIncidents`)
            count_edit(self.session.connection())

    def _insert_entries(self, entries: list[TimelineEntry]) -> None:
        """Timeline entries are only ever appended: written by statement, their ids
        returned, rather than through the ORM's flush, whose bookkeeping for one row cost
        a note more than the rest of its transaction. The audit records them as the flush
        would have. Several at once (a declaration writes ten) go in one statement."""
        rows = [{name: getattr(entry, name) for name in _ENTRY_COLUMNS} for entry in entries]
        with untracked(self.session):
            ids = insert_rows(self.session.connection(), timeline_entries, rows)
        for entry, number in zip(entries, ids, strict=True):
            entry.id = number
            record_insert(self.session, entry, f"INC-{entry.incident_id}/{number}")


# Every column but the id the database hands out, read off the table.
_ENTRY_COLUMNS = tuple(c.name for c in timeline_entries.c if c.name != "id")


@cache
def _get_statement() -> Select[Incident]:
    """The aggregate's row, locked for update. Built once (after the mapping exists): every
    command loads an incident this way, and building the statement and its cache key each
    time cost as much as running it. Children load when first touched: a command (or a
    timer) that needs only the roles does not pay a query for every collection."""
    return (
        select(Incident)
        .where(incidents.c.id == bindparam("number"))
        .options(lazyload("*"))
        .with_for_update()
    )


class IdempotencyRepository:
    """Results of POSTs made with an Idempotency-Key, kept with the effect they describe."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, principal: str, key: str) -> Any:
        return self.session.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.principal == principal, idempotency_keys.c.key == key
            )
        ).one_or_none()

    def add(self, principal: str, key: str, fingerprint: str, result: Any, now: datetime) -> None:
        self.session.execute(
            insert(idempotency_keys).values(
                principal=principal, key=key, fingerprint=fingerprint, result=result, created_at=now
            )
        )

    def save_response(self, principal: str, key: str, status_code: int, response: str) -> None:
        self.session.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.principal == principal, idempotency_keys.c.key == key)
            .values(status_code=status_code, response=response)
        )


def last_number(conn: Connection) -> int:
    """The highest incident number in the database (0 when there is none)."""
    return int(conn.execute(_last_number_statement()).scalar_one() or 0)


@cache
def _last_number_statement() -> Select[Any]:
    return select(func.max(incidents.c.id))
