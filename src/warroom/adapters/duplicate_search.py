"""The open incidents a declaration might duplicate, found without reading them all.

`domain.duplicates.find_duplicates` is the rule: an open incident on a shared service,
or with a title at least `threshold` alike (difflib's ratio). Applying it to every open
incident meant reading each one whole and comparing titles in Python — about 13 ms with
a thousand open, on every declaration. Here only what the rule could report is read in
full: the incidents sharing a service (from the service index) and those whose title
passes an upper bound of the similarity, computed by rapidfuzz over the titles alone.
The bound is InDel similarity, 2·LCS/(|a|+|b|): difflib's matching blocks form a common
subsequence of the two titles, so its ratio never exceeds it. The rule then runs on
those few, so its answer is the same as over every open incident.

What is compared is kept between declarations (`OpenIncidents`, one per database a
process opened): reading and normalising every open title again on each declaration was
a fifth of its cost with 1,500 open, and finding the services in SQL (folded, unindexed)
another twentieth.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, Engine, Select, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from warroom.adapters.orm.base import counters
from warroom.adapters.orm.incidents import incident_services, incidents
from warroom.adapters.visibility import seen_by_person
from warroom.domain.access import Principal
from warroom.domain.duplicates import Candidate, normalise_title
from warroom.domain.enums import Stage

# rapidfuzz scores 0..100 in floating point: a hair of slack keeps the bound a bound.
_SLACK = 1e-6


@cache
def _statements(mine: bool, after: bool, dialect: str) -> tuple[Select[Any], Select[Any]]:
    """(service pairs, titles) of the open incidents — with `mine`, of those a non-admin
    bound as `person` may see — numbered above the bound `after` when `after` is set.
    The pairs are only those whose service may match one of the bound `services`
    (`_may_match`). Built once each: building the conditions and their cache keys cost
    as much as running the queries."""
    conditions: list[Any] = [incidents.c.stage != Stage.CLOSED]
    if mine:
        conditions.append(seen_by_person(bindparam("person")))
    if after:
        conditions.append(incidents.c.id > bindparam("after"))
    pairs = (
        select(incident_services.c.incident_id, incident_services.c.service)
        .join(incidents, incidents.c.id == incident_services.c.incident_id)
        .where(*conditions, _may_match(incident_services.c.service, dialect))
    )
    return pairs, select(incidents.c.id, incidents.c.title).where(*conditions)


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _may_match(service: Any, dialect: str) -> Any:
    """A superset, in SQL, of the services equal to one of the bound `services` (given
    lower-cased and printable ASCII) once lower-cased by Python: a service of printable
    ASCII only is folded in SQL, A-Z to a-z, which is what Python's `lower` does to it
    (`lower()` on SQLite folds only ASCII, `translate` on PostgreSQL whatever the
    locale); a service with any other character is always returned, and Python decides.
    Reading every open incident's services to compare them in Python cost more than
    the rest of the pre-check with a thousand open."""
    wanted: Any = bindparam("services", expanding=True)
    if dialect == "sqlite":
        return or_(func.lower(service).in_(wanted), service.op("GLOB")("*[^ -~]*"))
    folded = func.translate(service, _UPPER, _UPPER.lower())
    return or_(folded.in_(wanted), service.op("~")("[^ -~]"))


def title_bound(title: str, others: Sequence[str], threshold: float) -> list[int]:
    """Indexes of the `others` (normalised titles) whose similarity to `title` (normalised)
    may reach `threshold`: a superset of those whose difflib ratio does."""
    if not title:
        return []
    found = process.extract(
        title,
        others,
        scorer=fuzz.ratio,
        score_cutoff=max(0.0, threshold * 100 - _SLACK),
        limit=None,
    )
    return [index for _choice, _score, index in found]


@dataclass(frozen=True)
class Known:
    """What `OpenIncidents` knew at one look: every incident open and numbered up to
    `through` is among `numbers`, with its normalised title at the same index in `names`
    and its number under each of its lower-cased services in `services`; so perhaps are
    some since closed."""

    numbers: Sequence[int]
    names: Sequence[str]
    services: Mapping[str, frozenset[int]]
    through: int


_NOTHING = Known((), (), {}, 0)
EDITS = "incident_edit"  # the counter of edits to incidents' titles and services


class OpenIncidents:
    """The open incidents' normalised titles and services, by number, kept between
    declarations.

    A closed incident never reopens, and titles and services change only by an edit, which
    counts itself in the `counters` table in its own transaction (`count_edit`, from
    `IncidentRepository.flush_pending`). So each look reads only the incidents numbered
    above the last one seen — numbers are handed out and committed in order
    (`IncidentRepository.next_number` holds the counter's row until the commit) — with
    the count of edits alongside; when the count has moved, everything is read again.
    Every `SWEEP` looks the numbers still open are read to forget the closed. What a look
    returns is thus a superset of the open incidents up to its `through`, as they are: the
    candidates found in it are read back with their stage and visibility
    (`duplicate_candidates`), so a closed or hidden one is never reported.

    A look runs on a connection of its own, never inside a write transaction, whose rows
    could still roll back. A database emptied under a running process is noticed too —
    the incident numbered `through` is gone or has another title — and read again.
    """

    SWEEP = 64

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known = _NOTHING
        self._anchor = ""  # the title of incident `through`
        self._edits = 0
        self._looks = 0

    def look(self, conn: Connection) -> Known:
        since, still_open = _known_statements()
        with self._lock:
            known = self._known
            rows = conn.execute(since, {"through": known.through}).all()
            first = rows[0] if rows else None
            if known.through and (
                first is None
                or first.id != known.through
                or first.title != self._anchor
                or (first.edits or 0) != self._edits
            ):
                known = _NOTHING
                rows = conn.execute(since, {"through": 0}).all()
            fresh = [r for r in rows if r.id > known.through]
            if fresh:
                opened = [r for r in fresh if r.stage != Stage.CLOSED]
                services = dict(known.services)
                for r in opened:
                    for name in {s.lower() for s in r.services}:
                        services[name] = services.get(name, frozenset()) | {r.id}
                known = Known(
                    [*known.numbers, *(r.id for r in opened)],
                    [*known.names, *(normalise_title(r.title) for r in opened)],
                    services,
                    fresh[-1].id,
                )
                self._anchor, self._edits = fresh[-1].title, fresh[-1].edits or 0
            self._looks += 1
            if self._looks % self.SWEEP == 0 and known.numbers:
                open_now = set(conn.scalars(still_open, {"through": known.through}))
                if not open_now.issuperset(known.numbers):
                    known = _only(known, open_now)
            self._known = known  # replaced, never changed in place: a caller's copy holds
            return known


def _only(known: Known, numbers: set[int]) -> Known:
    kept = [i for i, n in enumerate(known.numbers) if n in numbers]
    services = {name: found & numbers for name, found in known.services.items()}
    return Known(
        [known.numbers[i] for i in kept],
        [known.names[i] for i in kept],
        {name: found for name, found in services.items() if found},
        known.through,
    )


_registry: weakref.WeakKeyDictionary[Engine, OpenIncidents] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def open_incidents(engine: Engine) -> OpenIncidents | None:
    """The `OpenIncidents` of the database `engine` opens; None for an in-memory SQLite
    database, where a connection may not see what another wrote."""
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None
    with _registry_lock:
        found = _registry.get(engine)
        if found is None:
            found = _registry[engine] = OpenIncidents()
        return found


def count_edit(conn: Connection) -> None:
    """Count an edit of an incident's title or services, in the editing transaction."""
    dialect_insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    upsert = dialect_insert(counters).values(name=EDITS, value=1)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
        )
    )


@cache
def _known_statements() -> tuple[Select[Any], Select[Any]]:
    edits = select(counters.c.value).where(counters.c.name == EDITS).scalar_subquery()
    since = (
        select(
            incidents.c.id,
            incidents.c.title,
            incidents.c.stage,
            incidents.c.services,
            edits.label("edits"),
        )
        .where(incidents.c.id >= bindparam("through"))
        .order_by(incidents.c.id)
    )
    still_open = select(incidents.c.id).where(
        incidents.c.stage != Stage.CLOSED, incidents.c.id <= bindparam("through")
    )
    return since, still_open


@cache
def _found_statement(mine: bool) -> Select[Any]:
    conditions: list[Any] = [
        incidents.c.id.in_(bindparam("numbers", expanding=True)),
        incidents.c.stage != Stage.CLOSED,
    ]
    if mine:
        conditions.append(seen_by_person(bindparam("person")))
    return (
        select(
            incidents.c.id,
            incidents.c.title,
            incidents.c.services,
            incidents.c.channel,
            incidents.c.stage,
            incidents.c.severity,
        )
        .where(*conditions)
        .order_by(incidents.c.id)
    )


def duplicate_candidates(
    conn: Connection,
    seen_by: Principal | None,
    *,
    title: str,
    services: Sequence[str],
    threshold: float,
    after: int | None = None,
    known: Known | None = None,
) -> list[Candidate]:
    """The open incidents (visible to `seen_by` when given; numbered above `after` when
    given) that `find_duplicates` could report for a declaration of `title` on
    `services`, in number order. What is compared is `known` when given (and `after` is
    not), else read here."""
    mine = seen_by is not None and not seen_by.is_admin
    params: dict[str, Any] = {}
    if mine and seen_by is not None:
        params["person"] = seen_by.name
    ids: set[int] = set()
    wanted = {s.lower() for s in services}
    if known is not None and after is None:
        for name in wanted:
            ids.update(known.services.get(name, ()))
        numbers, names = known.numbers, known.names
    else:
        pairs, titles = _statements(mine, after is not None, conn.dialect.name)
        if after is not None:
            params["after"] = after
        if wanted:
            ascii_names = sorted(n for n in wanted if n.isascii() and n.isprintable())
            rows = conn.execute(pairs, {**params, "services": ascii_names}).all()
            ids.update(number for number, service in rows if service.lower() in wanted)
        rows = conn.execute(titles, params).all()
        numbers = [number for number, _ in rows]
        names = [normalise_title(other) for _, other in rows]
    ids.update(numbers[i] for i in title_bound(normalise_title(title), names, threshold))
    if not ids:
        return []
    chosen = {"numbers": sorted(ids), **({"person": params["person"]} if mine else {})}
    found = conn.execute(_found_statement(mine), chosen)
    return [
        Candidate(f"INC-{r.id}", r.title, list(r.services), r.channel, r.stage, r.severity)
        for r in found
    ]
