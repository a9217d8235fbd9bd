"""The service catalog (ownership database): people, teams, services, schedules and
escalation policies, one at a time or as a whole document (import / export)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from warroom.adapters.catalog_file import (
    CatalogIn,
    EscalationPolicyIn,
    PersonIn,
    ScheduleIn,
    ServiceIn,
    TeamIn,
    catalog_out,
    dump_yaml,
    person_out,
    service_out,
    team_out,
    to_command,
)
from warroom.adapters.oncall_codec import policy_to_dict, schedule_to_dict
from warroom.bootstrap import Warroom
from warroom.domain.errors import InvalidInput, NotFound
from warroom.domain.oncall_commands import RemoveCatalogEntry
from warroom.entrypoints.api.deps import Admin, Reader, WarroomDep, Writer
from warroom.entrypoints.api.oncall_schemas import ImportReport
from warroom.entrypoints.api.openapi import ALL, MISSING, Responses
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.handlers.catalog import SINGULAR

router = APIRouter(tags=["catalog"])

# A PUT answers 201 when it created the entry, 200 when it updated it or left it unchanged.
UPSERT: Responses = {
    **ALL,
    201: {"description": "Created", "content": {"application/json": {"schema": {}}}},
}


def _export(wr: Warroom) -> dict[str, Any]:
    with wr.bus.uow_factory() as uow:
        return catalog_out(
            uow.directory.people(),
            uow.directory.teams(),
            uow.directory.services(),
            uow.oncall.schedules(),
            uow.oncall.policies(),
        )


@router.get(
    "/catalog",
    summary="Export the whole catalog",
    responses={200: {"description": "JSON, or YAML", "content": {"application/yaml": {}}}},
)
def export_catalog(request: Request, wr: WarroomDep, who: Reader) -> Response:
    """The catalog as JSON, or YAML with `Accept: application/yaml`."""
    data = _export(wr)
    if "yaml" in request.headers.get("accept", ""):
        return Response(dump_yaml(data), media_type="application/yaml")
    return JSONBytes(data)


@router.post("/catalog", response_model=ImportReport, responses=ALL)
def import_catalog(body: CatalogIn, wr: WarroomDep, who: Admin) -> JSONBytes:
    """Create or update every entry given (idempotent); reports created/updated/unchanged."""
    return JSONBytes(wr.bus.handle(to_command(body, by=who.name)))


def _one(wr: Warroom, kind: str, name: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = _export(wr)[kind]
    found = next((e for e in entries if _name(e) == name), None)
    if found is None:
        raise NotFound(SINGULAR[kind], name)
    return found


def _name(entry: dict[str, Any]) -> str:
    return str(entry.get("handle") or entry["name"])


def _put(wr: Warroom, who: str, kind: str, name: str, entry: Any) -> JSONBytes:
    if _name(entry.model_dump()) != name:
        field = "handle" if kind == "people" else "name"
        raise InvalidInput(field, f"must match the path ({name!r})")
    report = wr.bus.handle(to_command(CatalogIn(**{kind: [entry]}), by=who))
    outcome = next(o for o in ("created", "updated", "unchanged") if report[o])
    status = 201 if outcome == "created" else 200
    return JSONBytes({"outcome": outcome, kind: _one(wr, kind, name)}, status_code=status)


def _delete(wr: Warroom, who: str, kind: str, name: str) -> Response:
    wr.bus.handle(RemoveCatalogEntry(kind=kind, name=name, by=who))
    return Response(status_code=204)


# People ---------------------------------------------------------------------------------------


@router.get("/people")
def list_people(wr: WarroomDep, who: Reader) -> JSONBytes:
    with wr.bus.uow_factory() as uow:
        data = [person_out(p) for p in uow.directory.people()]
    return JSONBytes({"data": data, "count": len(data)})


@router.get("/people/{handle}", responses=MISSING)
def get_person(handle: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    return JSONBytes(_one(wr, "people", handle))


@router.put("/people/{handle}", responses=UPSERT)
def put_person(handle: str, body: PersonIn, wr: WarroomDep, who: Writer) -> JSONBytes:
    """Create or replace a person."""
    return _put(wr, who.name, "people", handle, body)


@router.delete("/people/{handle}", status_code=204, response_class=Response, responses=MISSING)
def delete_person(handle: str, wr: WarroomDep, who: Admin) -> Response:
    return _delete(wr, who.name, "people", handle)


# Teams -----------------------------------------------------------------------------------------


@router.get("/teams")
def list_teams(wr: WarroomDep, who: Reader) -> JSONBytes:
    with wr.bus.uow_factory() as uow:
        data = [team_out(t) for t in uow.directory.teams()]
    return JSONBytes({"data": data, "count": len(data)})


@router.get("/teams/{name}", responses=MISSING)
def get_team(name: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    return JSONBytes(_one(wr, "teams", name))


@router.put("/teams/{name}", responses=UPSERT)
def put_team(name: str, body: TeamIn, wr: WarroomDep, who: Writer) -> JSONBytes:
    return _put(wr, who.name, "teams", name, body)


@router.delete("/teams/{name}", status_code=204, response_class=Response, responses=MISSING)
def delete_team(name: str, wr: WarroomDep, who: Admin) -> Response:
    return _delete(wr, who.name, "teams", name)


# Services ----------------------------------------------------------------------------------------


@router.get("/services")
def list_services(wr: WarroomDep, who: Reader) -> JSONBytes:
    with wr.bus.uow_factory() as uow:
        data = [service_out(s) for s in uow.directory.services()]
    return JSONBytes({"data": data, "count": len(data)})


@router.get("/services/{name}", responses=MISSING)
def get_service(name: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    return JSONBytes(_one(wr, "services", name))


@router.put("/services/{name}", responses=UPSERT)
def put_service(name: str, body: ServiceIn, wr: WarroomDep, who: Writer) -> JSONBytes:
    return _put(wr, who.name, "services", name, body)


@router.delete("/services/{name}", status_code=204, response_class=Response, responses=MISSING)
def delete_service(name: str, wr: WarroomDep, who: Admin) -> Response:
    return _delete(wr, who.name, "services", name)


# Schedules and escalation policies ---------------------------------------------------------


@router.get("/schedules", tags=["on-call"])
def list_schedules(wr: WarroomDep, who: Reader) -> JSONBytes:
    with wr.bus.uow_factory() as uow:
        data = [schedule_to_dict(s) for s in uow.oncall.schedules()]
    return JSONBytes({"data": data, "count": len(data)})


@router.get("/schedules/{name}", tags=["on-call"], responses=MISSING)
def get_schedule(name: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    return JSONBytes(_one(wr, "schedules", name))


@router.put("/schedules/{name}", tags=["on-call"], responses=UPSERT)
def put_schedule(name: str, body: ScheduleIn, wr: WarroomDep, who: Writer) -> JSONBytes:
    """Create or replace a schedule (its layers); overrides are kept."""
    return _put(wr, who.name, "schedules", name, body)


@router.delete(
    "/schedules/{name}", tags=["on-call"], status_code=204, response_class=Response, responses=ALL
)
def delete_schedule(name: str, wr: WarroomDep, who: Admin) -> Response:
    return _delete(wr, who.name, "schedules", name)


@router.get("/escalation-policies", tags=["on-call"])
def list_policies(wr: WarroomDep, who: Reader) -> JSONBytes:
    with wr.bus.uow_factory() as uow:
        data = [policy_to_dict(p) for p in uow.oncall.policies()]
    return JSONBytes({"data": data, "count": len(data)})


@router.get("/escalation-policies/{name}", tags=["on-call"], responses=MISSING)
def get_policy(name: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    return JSONBytes(_one(wr, "escalation_policies", name))


@router.put("/escalation-policies/{name}", tags=["on-call"], responses=UPSERT)
def put_policy(name: str, body: EscalationPolicyIn, wr: WarroomDep, who: Writer) -> JSONBytes:
    return _put(wr, who.name, "escalation_policies", name, body)


@router.delete(
    "/escalation-policies/{name}",
    tags=["on-call"],
    status_code=204,
    response_class=Response,
    responses=ALL,
)
def delete_policy(name: str, wr: WarroomDep, who: Admin) -> Response:
    return _delete(wr, who.name, "escalation_policies", name)
