"""Generic inbound hooks: another system writes on an incident's timeline, signed per
Standard Webhooks with the hook's own secret (no bearer token)."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.domain import commands
from warroom.entrypoints.api import schemas
from warroom.entrypoints.api.deps import WarroomDep
from warroom.entrypoints.api.inbound import VerifiedHook
from warroom.entrypoints.api.openapi import CONFLICT, INVALID, MISSING, Responses
from warroom.entrypoints.api.responses import JSONBytes

router = APIRouter(tags=["inbound hooks"])

UNVERIFIED: Responses = {
    401: {"model": schemas.Problem, "description": "Bad or replayed signature"}
}


@router.post(
    "/hooks/{name}",
    status_code=201,
    response_model=schemas.TimelineEntryPublic,
    responses={**MISSING, **CONFLICT, **INVALID, **UNVERIFIED},
)
def receive(body: schemas.HookEntryCreate, name: VerifiedHook, wr: WarroomDep) -> JSONBytes:
    """Record a note (or another free entry kind) on an incident, as `hook:<name>`."""
    command = commands.AddTimelineEntry(
        ref=body.ref,
        kind=body.kind,
        text=body.text,
        by=f"hook:{name}",
        occurred_at=body.occurred_at,
    )
    result = wr.bus.handle(command)
    return JSONBytes(result["entry"], status_code=201)
