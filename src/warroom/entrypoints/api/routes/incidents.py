"""Declare incidents, list and read them, move them through stages and severities."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import StringConstraints
from starlette.concurrency import run_in_threadpool

from warroom import queries
from warroom.domain import commands
from warroom.domain.enums import Stage
from warroom.entrypoints.api import schemas
from warroom.entrypoints.api.deps import (
    Idempotency,
    Reader,
    WarroomDep,
    Writer,
    execute,
    execute_outcome,
    run_write,
)
from warroom.entrypoints.api.openapi import CONFLICT, INVALID, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.entrypoints.api.routes._views import incident_detail, incident_public
from warroom.service_layer.messagebus import Outcome

router = APIRouter(prefix="/incidents", tags=["incidents"])


@router.post(
    "",
    status_code=201,
    response_model=schemas.IncidentPublic,
    responses={
        409: {"model": schemas.Problem, "description": "Possible duplicate (candidates listed)"},
        **INVALID,
    },
)
async def declare(
    body: schemas.IncidentCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Declare an incident; 409 with the open candidates when it looks like a duplicate."""
    command = commands.DeclareIncident(
        title=body.title,
        severity=body.severity,
        by=who.name,
        functionality=body.functionality,
        state=body.state,
        audience=body.audience,
        summary=body.summary,
        services=tuple(body.services),
        customers_affected=body.customers_affected,
        whole_service=body.whole_service,
        visibility=body.visibility,
        drill=body.drill,
        occurred_at=body.occurred_at,
        detected_at=body.detected_at,
        force=body.force,
        by_admin=who.is_admin,
    )

    def render(outcome: Outcome) -> dict[str, Any]:
        result = outcome.result
        whole = outcome.incidents.get(result["ref"])
        return incident_public(wr, result["ref"], whole, classification=result["classification"])

    if key is not None:  # a replay's answer is saved in a second transaction
        return await run_in_threadpool(execute_outcome, wr, command, key, render, status_code=201)
    return await run_write(wr, execute_outcome, wr, command, key, render, status_code=201)


@router.get("", response_model=schemas.IncidentsPublic)
async def list_incidents(
    wr: WarroomDep,
    who: Reader,
    status: Literal["open", "closed", "all"] = "all",
    severity: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]] | None, Query(max_length=20)
    ] = None,
    stage: Annotated[list[Stage] | None, Query(max_length=10)] = None,
    service: Annotated[str | None, Query(max_length=100)] = None,
    person: Annotated[str | None, Query(max_length=100)] = None,
    drill: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JSONBytes:
    """Incidents, newest first, filtered and paginated."""
    filters = queries.IncidentFilter(
        status=status,
        severities=severity or (),
        stages=[str(s) for s in stage or ()],
        service=service,
        person=person,
        drill=drill,
        principal=who,
    )
    with wr.db.read.connect() as conn:
        page = queries.list_incidents(conn, filters, limit=limit, offset=offset)
    return JSONBytes(page)


@router.get("/{ref}", response_model=schemas.IncidentDetail, responses=MISSING)
def show(  # in the thread pool: its ~8 queries would hold the event loop meanwhile
    ref: str,
    wr: WarroomDep,
    who: Reader,
    timeline_limit: Annotated[int, Query(ge=0, le=10_000)] = 1000,
) -> JSONBytes:
    """One incident with roles, follow-ups, experiments, process status and its timeline."""
    return JSONBytes(incident_detail(wr, ref, timeline_limit))


@router.patch(
    "/{ref}", response_model=schemas.IncidentPublic, responses={**MISSING, **CONFLICT, **INVALID}
)
def edit(ref: str, body: schemas.IncidentUpdate, wr: WarroomDep, who: Writer) -> JSONBytes:
    """Change the title, summary triple, services, customers affected, visibility or links."""
    changes = body.model_dump(exclude_unset=True)
    command = commands.EditIncident(ref=ref, by=who.name, changes=changes)
    return execute(wr, command, None, lambda r: incident_public(wr, r["ref"]))


@router.post(
    "/{ref}/stage",
    response_model=schemas.IncidentPublic,
    responses={**MISSING, **CONFLICT, **INVALID},
)
def change_stage(
    ref: str, body: schemas.StageChange, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Move to another stage; 409 names the state-machine rule or the gates that block it."""
    command = commands.ChangeStage(
        ref=ref, stage=body.stage, by=who.name, note=body.note, occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]))


@router.post(
    "/{ref}/severity",
    response_model=schemas.IncidentPublic,
    responses={**MISSING, **CONFLICT, **INVALID},
)
def change_severity(
    ref: str, body: schemas.SeverityChange, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    command = commands.ChangeSeverity(
        ref=ref,
        severity=body.severity,
        by=who.name,
        reason=body.reason,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]))


@router.post(
    "/{ref}/acknowledge",
    response_model=schemas.IncidentPublic,
    responses={**MISSING, **CONFLICT, **INVALID},
)
def acknowledge(
    ref: str, body: schemas.Acknowledgement, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    command = commands.Acknowledge(ref=ref, by=who.name, occurred_at=body.occurred_at)
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]))
