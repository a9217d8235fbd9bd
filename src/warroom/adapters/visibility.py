"""Who sees which incident, in SQL: restricted incidents are for their members and admins.

Every read path that lists incidents adds `visible_to(principal)` to its WHERE clause;
every path that names one incident asks `incident_access` and lets `domain.access.decide`
rule. Members are the people holding a role on the incident now, the people added as
members, and whoever declared it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, or_, select, true, union

from warroom.adapters.orm.auth import incident_members
from warroom.adapters.orm.incidents import incidents, role_assignments
from warroom.domain.access import IncidentAccess, Principal
from warroom.domain.enums import Visibility
from warroom.domain.incident import Incident


def _mine(name: Any) -> Any:
    """Ids of the incidents `name` is a member of: declared, a live role, or added.

    Uncorrelated, so the database computes it once per query, not once per row.
    """
    return union(
        select(incidents.c.id).where(incidents.c.declared_by == name),
        select(role_assignments.c.incident_id).where(
            role_assignments.c.person == name, role_assignments.c.released_at.is_(None)
        ),
        select(incident_members.c.incident_id).where(incident_members.c.person == name),
    )


def visible_to(principal: Principal | None, incident_id: Any = None) -> Any:
    """A condition on `incidents` (or on a column holding an incident id) for this caller.

    `None` is the public: it sees no restricted incident.
    """
    if principal is not None and principal.is_admin:
        return true()
    restricted = Visibility.RESTRICTED.value
    if incident_id is None:
        open_ = incidents.c.visibility != restricted
        if principal is None:
            return open_
        return seen_by_person(principal.name)
    # Rows of another table, by their incident: those of restricted incidents not seen go.
    inc = incidents.alias()
    hidden = select(inc.c.id).where(inc.c.visibility == restricted)
    if principal is not None:
        hidden = hidden.where(inc.c.id.not_in(_mine(principal.name)))
    return or_(incident_id.is_(None), incident_id.not_in(hidden))


def seen_by_person(name: Any) -> Any:
    """`visible_to` a non-admin called `name` (a string, or a bound parameter for a
    statement built once)."""
    open_ = incidents.c.visibility != Visibility.RESTRICTED.value
    return or_(open_, incidents.c.id.in_(_mine(name)))


def standing_on(conn: Connection, incident: Incident, principal: Principal) -> IncidentAccess:
    """`incident_access` for an incident already loaded with its roles: at most one query
    (whether the principal was added as a member), none when they declared it or are an
    admin (who sees and may change every incident, member or not)."""
    name = principal.name
    roles = [str(r.role) for r in incident.roles if r.person == name and r.released_at is None]
    member = (
        incident.declared_by == name
        or principal.is_admin
        or (
            conn.execute(
                select(incident_members.c.person).where(
                    incident_members.c.incident_id == incident.number,
                    incident_members.c.person == name,
                )
            ).first()
            is not None
        )
    )
    return IncidentAccess(visibility=Visibility(incident.visibility), roles=roles, member=member)


def incident_access(conn: Connection, number: int, principal: Principal) -> IncidentAccess | None:
    """The incident's visibility and the caller's standing on it; None if there is none.

    One query (a row per live role the caller holds), since every request naming a
    restricted-capable incident asks it."""
    ra, members = role_assignments.c, incident_members.c
    name = principal.name
    member = (
        select(members.person)
        .where(members.incident_id == number, members.person == name)
        .exists()
        .label("member")
    )
    rows = conn.execute(
        select(incidents.c.visibility, incidents.c.declared_by, ra.role, member)
        .select_from(
            incidents.outerjoin(
                role_assignments,
                and_(
                    ra.incident_id == incidents.c.id,
                    ra.person == name,
                    ra.released_at.is_(None),
                ),
            )
        )
        .where(incidents.c.id == number)
    ).all()
    if not rows:
        return None
    first = rows[0]
    return IncidentAccess(
        visibility=Visibility(first.visibility),
        roles=[str(r.role) for r in rows if r.role is not None],
        member=first.declared_by == name or bool(first.member),
    )
