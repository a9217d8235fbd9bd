"""Who may do what: access roles, the principal making a request, and the one permission map."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from warroom.domain.enums import RoleName, Visibility


class AccessRole(StrEnum):
    ADMIN = "admin"
    RESPONDER = "responder"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


_GRANTS = {
    AccessRole.VIEWER: frozenset({Permission.READ}),
    AccessRole.RESPONDER: frozenset({Permission.READ, Permission.WRITE}),
    AccessRole.ADMIN: frozenset(Permission),
}

_RANK = {AccessRole.VIEWER: 0, AccessRole.RESPONDER: 1, AccessRole.ADMIN: 2}

# The people running an incident write on it whatever their access role: a viewer made
# commander must be able to command. Executives and observers are told, not working.
WORKING_ROLES = frozenset(
    {
        RoleName.COMMANDER,
        RoleName.COMMUNICATIONS,
        RoleName.RECORDER,
        RoleName.LEAD,
        RoleName.WORKER,
        RoleName.LIAISON,
    }
)

SCOPES = {
    "read": AccessRole.VIEWER,
    "write": AccessRole.RESPONDER,
    "admin": AccessRole.ADMIN,
}


def capped(role: AccessRole, ceiling: AccessRole) -> AccessRole:
    """The lesser of two roles (a token never exceeds its user's role)."""
    return role if _RANK[role] <= _RANK[ceiling] else ceiling


@dataclass(frozen=True)
class Principal:
    """An authenticated caller; `name` is what the timeline records as the author.

    `name` is also the handle matched against incident roles and members, so a user's
    tokens and sessions carry the user's handle.
    """

    name: str
    role: AccessRole
    token_id: int | None = None
    user_id: int | None = None

    def can(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role is AccessRole.ADMIN


@dataclass(frozen=True)
class IncidentAccess:
    """What the permission map needs to know about one incident and one principal."""

    visibility: Visibility
    roles: Collection[str]  # roles the principal holds on the incident now
    member: bool  # added as a member


class Decision(StrEnum):
    ALLOWED = "allowed"
    HIDDEN = "hidden"  # answered as "not found": existence must not leak
    DENIED = "denied"


def decide(
    principal: Principal, permission: Permission, incident: IncidentAccess | None = None
) -> Decision:
    """The permission map: the access role, widened on an incident by the roles held on it."""
    if incident is not None and not sees(principal, incident):
        return Decision.HIDDEN
    if principal.can(permission):
        return Decision.ALLOWED
    if (
        incident is not None
        and permission is Permission.WRITE
        and any(r in WORKING_ROLES for r in incident.roles)
    ):
        return Decision.ALLOWED
    return Decision.DENIED


def refusal(principal: Principal, permission: Permission) -> str:
    """Why `decide` denied: the rule, in words the caller can act on."""
    what = " (it may not change incidents)" if permission is Permission.WRITE else ""
    return f"the {principal.role} role may not {permission}{what}; ask an admin for access"


def sees(principal: Principal, incident: IncidentAccess) -> bool:
    """Restricted incidents are seen by admins and their members only."""
    if incident.visibility is not Visibility.RESTRICTED or principal.is_admin:
        return True
    return incident.member or bool(incident.roles)


# warroom itself, for internal reads that must see every incident (never a request's caller).
SYSTEM = Principal(name="warroom", role=AccessRole.ADMIN)
