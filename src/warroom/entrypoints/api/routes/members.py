"""Members of an incident: who may see a restricted incident besides its role holders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from warroom import queries
from warroom.adapters.repository import parse_ref
from warroom.bootstrap import Warroom
from warroom.domain.errors import NotFound
from warroom.domain.member_commands import AddMember, RemoveMember
from warroom.entrypoints.api import user_schemas as us
from warroom.entrypoints.api.deps import Reader, WarroomDep, Writer
from warroom.entrypoints.api.openapi import INVALID, MISSING
from warroom.entrypoints.api.responses import JSONBytes

router = APIRouter(prefix="/incidents/{ref}/members", tags=["members"])


def members_of(wr: Warroom, ref: str) -> dict[str, Any]:
    """Everyone who sees the incident as a member: role holders and added members."""
    number = parse_ref(ref)
    with wr.db.read.connect() as conn:
        if not queries.incident_exists(conn, number):
            raise NotFound("incident", f"INC-{number}")
        data = queries.incident_members(conn, number)
    return {"data": data, "count": len(data)}


@router.get("", response_model=us.MembersPublic, responses=MISSING)
def list_members(ref: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    """Who sees this incident besides admins (for a restricted one, nobody else does)."""
    return JSONBytes(members_of(wr, ref))


@router.post("", response_model=us.MembersPublic, responses={**MISSING, **INVALID})
def add_member(ref: str, body: us.MemberCreate, wr: WarroomDep, who: Writer) -> JSONBytes:
    """Let a person see the incident without giving them a role."""
    wr.bus.handle(AddMember(ref=ref, person=body.person, by=who.name))
    return JSONBytes(members_of(wr, ref))


@router.delete("/{person}", status_code=204, response_class=Response, responses=MISSING)
def remove_member(ref: str, person: str, wr: WarroomDep, who: Writer) -> Response:
    wr.bus.handle(RemoveMember(ref=ref, person=person, by=who.name))
    return Response(status_code=204)
