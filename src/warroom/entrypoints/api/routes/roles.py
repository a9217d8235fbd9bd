"""Incident roles: assign (hand off) and release."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.domain import commands
from warroom.entrypoints.api import schemas
from warroom.entrypoints.api.deps import Idempotency, WarroomDep, Writer, execute
from warroom.entrypoints.api.openapi import CONFLICT, INVALID, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.entrypoints.api.routes._views import incident_public

router = APIRouter(prefix="/incidents/{ref}/roles", tags=["roles"])


@router.post(
    "",
    response_model=schemas.IncidentPublic,
    responses={**MISSING, **CONFLICT, **INVALID},
)
def assign(
    ref: str, body: schemas.RoleAssign, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Give a person a role; a single-holder role (commander…) is handed off."""
    command = commands.AssignRole(
        ref=ref, role=body.role, person=body.person, by=who.name, occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]))


@router.post(
    "/release",
    response_model=schemas.IncidentPublic,
    responses={**MISSING, **CONFLICT, **INVALID},
)
def release(
    ref: str, body: schemas.RoleAssign, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Release a person from a role (relieved, or no longer needed)."""
    command = commands.ReleaseRole(
        ref=ref, role=body.role, person=body.person, by=who.name, occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]))
