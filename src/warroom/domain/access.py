"""Who may do what: access roles and the principal making a request."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


@dataclass(frozen=True)
class Principal:
    """An authenticated caller; `name` is what the timeline records as the author."""

    name: str
    role: AccessRole
    token_id: int | None = None

    def can(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]
