"""The record of an incident: timeline entries, status updates, the five whys, questions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from warroom import queries
from warroom.adapters.repository import parse_ref
from warroom.bootstrap import Warroom
from warroom.domain import commands
from warroom.domain.access import Principal
from warroom.domain.enums import EntryKind
from warroom.domain.errors import NotFound
from warroom.entrypoints.api import schemas
from warroom.entrypoints.api.deps import Idempotency, Reader, WarroomDep, Writer, execute
from warroom.entrypoints.api.openapi import CONFLICT, INVALID, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.entrypoints.api.routes._views import incident_public
from warroom.service_layer.messagebus import IdempotencyKey
from warroom.service_layer.views import load_incident

router = APIRouter(prefix="/incidents/{ref}", tags=["record"])


@router.get("/timeline", response_model=schemas.TimelinePublic, responses=MISSING)
async def timeline(
    ref: str,
    wr: WarroomDep,
    who: Reader,
    kind: Annotated[list[EntryKind] | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> JSONBytes:
    """Entries in true-time order, optionally only some kinds."""
    number = parse_ref(ref)
    with wr.db.read.connect() as conn:
        if not queries.incident_exists(conn, number):
            raise NotFound("incident", f"INC-{number}")
        data = queries.timeline(conn, number, kinds=[str(k) for k in kind or ()], limit=limit)
    return JSONBytes({"data": data, "count": len(data)})


@router.post(
    "/timeline",
    status_code=201,
    response_model=schemas.TimelineEntryPublic,
    responses={**MISSING, **CONFLICT, **INVALID},
)
def add_entry(
    ref: str, body: schemas.TimelineEntryCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Write a note, hypothesis, milestone, experiment, result or manual change."""
    return write_entry(wr, ref, body, who, key)


def write_entry(
    wr: Warroom,
    ref: str,
    body: schemas.TimelineEntryCreate,
    who: Principal,
    key: IdempotencyKey | None,
) -> JSONBytes:
    """The timeline write, shared with the API's write lane (`api/write_lane.py`)."""
    command = commands.AddTimelineEntry(
        ref=ref, kind=body.kind, text=body.text, by=who.name, occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: r["entry"], status_code=201)


@router.post(
    "/updates",
    status_code=201,
    response_model=schemas.IncidentPublic,
    responses={**MISSING, **CONFLICT, **INVALID},
)
def post_update(
    ref: str, body: schemas.UpdateCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Record a status update to internal stakeholders, customers or observers."""
    command = commands.PostUpdate(
        ref=ref,
        audience=body.audience,
        text=body.text,
        by=who.name,
        occurred_at=body.occurred_at,
        template=body.template,
    )
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]), status_code=201)


@router.post(
    "/whys",
    status_code=201,
    response_model=schemas.IncidentPublic,
    responses={**MISSING, **CONFLICT, **INVALID},
)
def add_why(
    ref: str, body: schemas.WhyCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Add the next answer to the five whys."""
    command = commands.AddWhy(ref=ref, text=body.text, by=who.name, occurred_at=body.occurred_at)
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]), status_code=201)


@router.get("/questions", response_model=schemas.QuestionsPublic, responses=MISSING)
def questions(ref: str, wr: WarroomDep, who: Reader) -> dict[str, Any]:
    """The policy's question bank for the incident's current stage."""
    with wr.read_session() as session:
        stage = load_incident(session, ref).stage
    return {
        "stage": str(stage),
        "data": [{"category": q.category, "text": q.text} for q in wr.policy.questions_for(stage)],
    }
