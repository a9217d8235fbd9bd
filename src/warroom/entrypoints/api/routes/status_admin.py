"""Administration of the public status page: components and scheduled maintenance."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from warroom import status_queries
from warroom.adapters.orm.status import status_components, status_maintenances
from warroom.bootstrap import Warroom
from warroom.domain.commands import Command
from warroom.domain.errors import NotFound
from warroom.domain.status_commands import (
    AddStatusComponent,
    CancelMaintenance,
    EditMaintenance,
    EditStatusComponent,
    RemoveStatusComponent,
    ScheduleMaintenance,
)
from warroom.entrypoints.api import status_schemas as s
from warroom.entrypoints.api.deps import Admin, Reader, WarroomDep
from warroom.entrypoints.api.limits import Id
from warroom.entrypoints.api.openapi import ALL, MISSING
from warroom.entrypoints.api.responses import JSONBytes

router = APIRouter(prefix="/status", tags=["status page"])


def _run(request: Request, wr: Warroom, command: Command) -> Any:
    result = wr.bus.handle(command)
    # The page in this process shows the change at once; others within their TTL.
    renderer = getattr(request.app.state, "status_renderer", None)
    if renderer is not None:
        renderer.invalidate()
    return result


def _component(wr: Warroom, component_id: int) -> dict[str, Any]:
    with wr.db.read.connect() as conn:
        row = conn.execute(
            select(status_components).where(status_components.c.id == component_id)
        ).one_or_none()
    if row is None:
        raise NotFound("status component", str(component_id))
    out = status_queries.as_dict(row)
    out["group"] = out.pop("group_name")
    return out


def _maintenance(wr: Warroom, maintenance_id: int) -> dict[str, Any]:
    with wr.db.read.connect() as conn:
        row = conn.execute(
            select(status_maintenances).where(status_maintenances.c.id == maintenance_id)
        ).one_or_none()
    if row is None:
        raise NotFound("maintenance", str(maintenance_id))
    return status_queries.as_dict(row)


@router.get("/components", response_model=list[s.ComponentPublic])
def list_components(wr: WarroomDep, who: Reader) -> JSONBytes:
    with wr.db.read.connect() as conn:
        rows = status_queries.components(conn)
    for row in rows:
        row["group"] = row.pop("group_name")
    return JSONBytes(rows)


@router.post("/components", status_code=201, response_model=s.ComponentPublic, responses=ALL)
def add_component(
    body: s.ComponentCreate, request: Request, wr: WarroomDep, who: Admin
) -> JSONBytes:
    """Add a component to the page; services name it in `status_component`."""
    result = _run(
        request,
        wr,
        AddStatusComponent(
            name=body.name,
            by=who.name,
            group=body.group,
            description=body.description,
            position=body.position,
            status=str(body.status),
        ),
    )
    return JSONBytes(_component(wr, result["id"]), status_code=201)


@router.patch("/components/{component_id}", response_model=s.ComponentPublic, responses=ALL)
def edit_component(
    component_id: Id, body: s.ComponentUpdate, request: Request, wr: WarroomDep, who: Admin
) -> JSONBytes:
    """Rename, regroup, reorder, or set the status an admin declares for a component."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    _run(request, wr, EditStatusComponent(component_id=component_id, by=who.name, changes=changes))
    return JSONBytes(_component(wr, component_id))


@router.delete(
    "/components/{component_id}", status_code=204, response_class=Response, responses=MISSING
)
def remove_component(component_id: Id, request: Request, wr: WarroomDep, who: Admin) -> Response:
    _run(request, wr, RemoveStatusComponent(component_id=component_id, by=who.name))
    return Response(status_code=204)


@router.get("/maintenances", response_model=list[s.MaintenancePublic])
def list_maintenances(wr: WarroomDep, who: Reader) -> JSONBytes:
    with wr.db.read.connect() as conn:
        return JSONBytes(status_queries.maintenances(conn))


@router.post("/maintenances", status_code=201, response_model=s.MaintenancePublic, responses=ALL)
def schedule(body: s.MaintenanceCreate, request: Request, wr: WarroomDep, who: Admin) -> JSONBytes:
    """Announce a maintenance window; its components show under maintenance during it."""
    result = _run(
        request,
        wr,
        ScheduleMaintenance(
            name=body.name,
            body=body.body,
            components=tuple(body.components),
            scheduled_for=body.scheduled_for,
            scheduled_until=body.scheduled_until,
            by=who.name,
        ),
    )
    return JSONBytes(_maintenance(wr, result["id"]), status_code=201)


@router.patch("/maintenances/{maintenance_id}", response_model=s.MaintenancePublic, responses=ALL)
def edit_maintenance(
    maintenance_id: Id, body: s.MaintenanceUpdate, request: Request, wr: WarroomDep, who: Admin
) -> JSONBytes:
    changes = body.model_dump(exclude_unset=True)
    _run(request, wr, EditMaintenance(maintenance_id=maintenance_id, by=who.name, changes=changes))
    return JSONBytes(_maintenance(wr, maintenance_id))


@router.delete(
    "/maintenances/{maintenance_id}", status_code=204, response_class=Response, responses=MISSING
)
def cancel(maintenance_id: Id, request: Request, wr: WarroomDep, who: Admin) -> Response:
    _run(request, wr, CancelMaintenance(maintenance_id=maintenance_id, by=who.name))
    return Response(status_code=204)
