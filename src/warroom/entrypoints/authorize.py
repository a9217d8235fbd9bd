"""The one permission check, shared by the API and the console.

A route declares the permission it needs; if its path names an incident (`{ref}`), the
caller's standing on that incident is looked up and `domain.access.decide` rules: a
restricted incident the caller may not see is "not found", exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from warroom.adapters.repository import parse_ref
from warroom.adapters.visibility import incident_access
from warroom.bootstrap import Warroom
from warroom.domain.access import Decision, IncidentAccess, Permission, Principal, decide, refusal
from warroom.domain.errors import InvalidInput, NotFound


class AccessDenied(Exception):
    """The caller is known but may not do this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def authorize(
    wr: Warroom, principal: Principal, permission: Permission, path_params: Mapping[str, Any]
) -> None:
    """Admit the caller or raise NotFound (hidden incident) / AccessDenied."""
    ref = path_params.get("ref")
    access: IncidentAccess | None = None
    number: int | None = None
    if isinstance(ref, str) and not (principal.is_admin and principal.can(permission)):
        with suppress(InvalidInput):  # the route itself answers 422 naming `ref`
            number = parse_ref(ref)
        if number is not None:
            with wr.db.read.connect() as conn:
                access = incident_access(conn, number, principal)
    decision = decide(principal, permission, access)
    if decision is Decision.HIDDEN:
        raise NotFound("incident", f"INC-{number}" if number is not None else str(ref))
    if decision is Decision.DENIED:
        raise AccessDenied(refusal(principal, permission))
