"""The clocks of an incident: what is due when, the retrospective, releasing people."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from warroom.domain import clock_commands
from warroom.entrypoints.api import schemas
from warroom.entrypoints.api.deps import Idempotency, Reader, WarroomDep, Writer, execute
from warroom.entrypoints.api.openapi import ALL, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.entrypoints.api.routes._views import incident_public
from warroom.service_layer.clock_views import clock_fields, pending_clocks
from warroom.service_layer.views import load_incident

router = APIRouter(prefix="/incidents/{ref}", tags=["clocks"])


@router.get("/clocks", response_model=schemas.ClocksPublic, responses=MISSING)
def clocks(ref: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    """Every pending clock (next due per kind), update countdowns and the retrospective."""
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        data = pending_clocks(session.connection(), incident.number)
        body: dict[str, Any] = {"ref": incident.ref, "data": data, "count": len(data)}
        body.update(clock_fields(incident, wr.policy, wr.clock.now()))
    return JSONBytes(body)


@router.post("/retrospective", response_model=schemas.IncidentPublic, responses=ALL)
def record_retrospective(
    ref: str, body: schemas.RetrospectiveRecord, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Record that the retrospective was held; its deadline stops."""
    command = clock_commands.RecordRetrospective(ref=ref, by=who.name, occurred_at=body.occurred_at)
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]))


@router.post("/release-everyone", response_model=schemas.ReleasedPublic, responses=ALL)
def release_everyone(
    ref: str,
    body: schemas.ReleaseEveryoneRequest,
    wr: WarroomDep,
    who: Writer,
    key: Idempotency,
) -> JSONBytes:
    """Release everyone no longer needed (all roles except those kept, the commander by default)."""
    command = clock_commands.ReleaseEveryone(
        ref=ref, by=who.name, keep=tuple(body.keep), occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: r)
