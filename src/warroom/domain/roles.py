"""Who holds which incident role, with the history of hand-offs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.enums import RoleName

# Roles one person holds at a time; assigning another person hands the role off.
SINGLE_HOLDER = frozenset(
    {
        RoleName.COMMANDER,
        RoleName.COMMUNICATIONS,
        RoleName.RECORDER,
        RoleName.LEAD,
        RoleName.LIAISON,
    }
)


@dataclass(eq=False)
class RoleAssignment:
    role: RoleName
    person: str
    assigned_at: datetime
    assigned_by: str
    released_at: datetime | None = None
    released_by: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None
