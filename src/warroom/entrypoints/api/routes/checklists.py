"""Checklists: read, tick, skip, reopen; next steps for the signed-in person."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from warroom.domain import checklist_commands as cc
from warroom.domain.enums import RoleName
from warroom.entrypoints.api import schemas_checklists as s
from warroom.entrypoints.api.deps import Idempotency, Reader, WarroomDep, Writer, execute
from warroom.entrypoints.api.openapi import ALL, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.checklist_view import checklist_view, my_next_steps, next_steps
from warroom.service_layer.views import load_incident

router = APIRouter(tags=["checklists"])

Person = Annotated[
    str | None,
    Query(max_length=100, description="Whose next steps; the caller (token name) by default."),
]


def _checklist(
    wr: WarroomDep, ref: str, role: RoleName | None = None, include_all: bool = False
) -> dict[str, Any]:
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        return checklist_view(
            incident, wr.policy, wr.clock.now(), role=role, include_all=include_all
        )


@router.get("/incidents/{ref}/checklist", response_model=s.ChecklistPublic, responses=MISSING)
def get_checklist(
    ref: str,
    wr: WarroomDep,
    who: Reader,
    role: RoleName | None = None,
    all: Annotated[
        bool, Query(description="Also the items of other severities (applies=false).")
    ] = False,
) -> JSONBytes:
    """The incident's checklist in stage order: status, owner, deadline, automatic rule."""
    return JSONBytes(_checklist(wr, ref, role, all))


@router.post(
    "/incidents/{ref}/checklist/{item}/check", response_model=s.ChecklistPublic, responses=ALL
)
def check(
    ref: str, item: str, body: s.ItemCheck, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Tick an item by hand (who and when are recorded; `occurred_at` for its true time)."""
    command = cc.CheckItem(
        ref=ref, item=item, by=who.name, note=body.note, occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: _checklist(wr, r["ref"]))


@router.post(
    "/incidents/{ref}/checklist/{item}/skip", response_model=s.ChecklistPublic, responses=ALL
)
def skip(
    ref: str, item: str, body: s.ItemSkip, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Decide not to do an item, with a reason; no event will tick it afterwards."""
    command = cc.SkipItem(
        ref=ref, item=item, reason=body.reason, by=who.name, occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: _checklist(wr, r["ref"]))


@router.post(
    "/incidents/{ref}/checklist/{item}/reopen", response_model=s.ChecklistPublic, responses=ALL
)
def reopen(
    ref: str, item: str, body: s.ItemReopen, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Put a ticked or skipped item back on the list."""
    command = cc.ReopenItem(
        ref=ref, item=item, by=who.name, reason=body.reason, occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: _checklist(wr, r["ref"]))


@router.get("/incidents/{ref}/next-steps", response_model=s.NextStepsPublic, responses=MISSING)
def incident_next_steps(ref: str, wr: WarroomDep, who: Reader, person: Person = None) -> JSONBytes:
    """What a person's roles on this incident have to do now, soonest deadline first."""
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        view = next_steps(incident, wr.policy, person or who.name, wr.clock.now())
    return JSONBytes(view)


@router.get("/me/next-steps", response_model=s.MyNextStepsPublic)
def my_steps(wr: WarroomDep, who: Reader, person: Person = None) -> JSONBytes:
    """Your next steps on every open incident where you hold a role."""
    with wr.read_session() as session:
        view = my_next_steps(session, wr.policy, person or who.name, wr.clock.now(), seen_by=who)
    return JSONBytes(view)
