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
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, Select, bindparam, func, or_, select

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


def duplicate_candidates(
    conn: Connection,
    seen_by: Principal | None,
    *,
    title: str,
    services: Sequence[str],
    threshold: float,
    after: int | None = None,
) -> list[Candidate]:
    """The open incidents (visible to `seen_by` when given; numbered above `after` when
    given) that `find_duplicates` could report for a declaration of `title` on
    `services`, in number order."""
    mine = seen_by is not None and not seen_by.is_admin
    pairs, titles = _statements(mine, after is not None, conn.dialect.name)
    params: dict[str, Any] = {}
    if mine and seen_by is not None:
        params["person"] = seen_by.name
    if after is not None:
        params["after"] = after
    ids: set[int] = set()
    wanted = {s.lower() for s in services}
    if wanted:
        ascii_names = sorted(name for name in wanted if name.isascii() and name.isprintable())
        rows = conn.execute(pairs, {**params, "services": ascii_names}).all()
        ids.update(number for number, service in rows if service.lower() in wanted)
    rows = conn.execute(titles, params).all()
    names = [normalise_title(other) for _, other in rows]
    ids.update(rows[i][0] for i in title_bound(normalise_title(title), names, threshold))
    if not ids:
        return []
    found = conn.execute(
        select(
            incidents.c.id,
            incidents.c.title,
            incidents.c.services,
            incidents.c.channel,
            incidents.c.stage,
            incidents.c.severity,
        )
        .where(incidents.c.id.in_(sorted(ids)))
        .order_by(incidents.c.id)
    )
    return [
        Candidate(f"INC-{r.id}", r.title, list(r.services), r.channel, r.stage, r.severity)
        for r in found
    ]
