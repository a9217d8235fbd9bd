"""Integrations (keys shown once, rotatable), alerts, and pages with their acknowledgement."""

from __future__ import annotations

import html
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from warroom import alert_queries
from warroom.bootstrap import Warroom
from warroom.domain.access import Principal
from warroom.domain.errors import NotFound
from warroom.domain.integrations import Integration
from warroom.domain.oncall_commands import (
    AcknowledgeAlert,
    AcknowledgePage,
    CreateIntegration,
    DeleteIntegration,
    ResolveAlert,
    RotateIntegrationKey,
    UpdateIntegration,
)
from warroom.entrypoints.api.deps import Admin, Reader, WarroomDep, Writer
from warroom.entrypoints.api.limits import Id
from warroom.entrypoints.api.oncall_schemas import (
    IntegrationCreate,
    IntegrationKey,
    IntegrationPublic,
    IntegrationUpdate,
    PageAck,
    PagePublic,
)
from warroom.entrypoints.api.openapi import ALL, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.page_links import verify

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _integration(i: Integration) -> dict[str, Any]:
    return {
        "id": i.id,
        "name": i.name,
        "kind": str(i.kind),
        "service": i.service,
        "mapping": dict(i.mapping),
        "rate_limit_per_minute": i.rate_limit_per_minute,
        "key_prefix": i.key_prefix,
        "created_at": i.created_at,
        "rotated_at": i.rotated_at,
        "endpoint": "/v2/enqueue" if i.kind == "pagerduty" else f"/api/v1/alerts/{i.kind}",
    }


def _forget_keys(wr: Warroom) -> None:
    if wr.intake is not None:
        wr.intake.forget()


@router.get("/integrations", tags=["integrations"], response_model=list[IntegrationPublic])
def list_integrations(wr: WarroomDep, who: Admin) -> JSONBytes:
    with wr.bus.uow_factory() as uow:
        return JSONBytes([_integration(i) for i in uow.alerts.integrations()])


@router.post(
    "/integrations",
    tags=["integrations"],
    status_code=201,
    response_model=IntegrationKey,
    responses=ALL,
)
def create_integration(body: IntegrationCreate, wr: WarroomDep, who: Admin) -> JSONBytes:
    """Make an integration; its key is in this response only (rotate it to get a new one)."""
    result = wr.bus.handle(
        CreateIntegration(
            name=body.name,
            kind=body.kind,
            by=who.name,
            service=body.service,
            mapping=body.mapping,
            rate_limit_per_minute=body.rate_limit_per_minute,
        )
    )
    return JSONBytes({"name": result["name"], "key": result["key"]}, status_code=201)


@router.patch("/integrations/{name}", tags=["integrations"], responses=ALL)
def update_integration(name: str, body: IntegrationUpdate, wr: WarroomDep, who: Admin) -> JSONBytes:
    wr.bus.handle(
        UpdateIntegration(name=name, by=who.name, changes=body.model_dump(exclude_unset=True))
    )
    _forget_keys(wr)
    with wr.bus.uow_factory() as uow:
        found = uow.alerts.integration(name)
    assert found is not None
    return JSONBytes(_integration(found))


@router.post(
    "/integrations/{name}/rotate-key",
    tags=["integrations"],
    response_model=IntegrationKey,
    responses=MISSING,
)
def rotate_key(name: str, wr: WarroomDep, who: Admin) -> JSONBytes:
    """A new key; the old one stops working at once here, within seconds in other processes."""
    result = wr.bus.handle(RotateIntegrationKey(name=name, by=who.name))
    _forget_keys(wr)
    return JSONBytes(result)


@router.delete(
    "/integrations/{name}",
    tags=["integrations"],
    status_code=204,
    response_class=Response,
    responses=MISSING,
)
def delete_integration(name: str, wr: WarroomDep, who: Admin) -> Response:
    wr.bus.handle(DeleteIntegration(name=name, by=who.name))
    _forget_keys(wr)
    return Response(status_code=204)


# Alerts -------------------------------------------------------------------------------------------


@router.get("/alerts", tags=["alerts"])
async def list_alerts(
    wr: WarroomDep,
    who: Reader,
    status: Literal["open", "firing", "acknowledged", "resolved"] | None = None,
    service: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> JSONBytes:
    """Alerts, most recently seen first; `count` is how often each fired."""
    with wr.db.read.connect() as conn:
        return JSONBytes(
            alert_queries.list_alerts(
                conn, seen_by=who, status=status, service=service, limit=limit, offset=offset
            )
        )


def _alert_or_404(wr: Warroom, alert_id: int, who: Principal) -> dict[str, Any]:
    """The alert as `who` sees it; one on a restricted incident they cannot see is missing."""
    with wr.db.read.connect() as conn:
        found = alert_queries.get_alert(conn, alert_id, seen_by=who)
    if found is None:
        raise NotFound("alert", str(alert_id))
    return found


@router.get("/alerts/{alert_id}", tags=["alerts"], responses=MISSING)
async def get_alert(alert_id: Id, wr: WarroomDep, who: Reader) -> JSONBytes:
    return JSONBytes(_alert_or_404(wr, alert_id, who))


@router.post("/alerts/{alert_id}/acknowledge", tags=["alerts"], responses=ALL)
def acknowledge_alert(alert_id: Id, wr: WarroomDep, who: Writer) -> JSONBytes:
    _alert_or_404(wr, alert_id, who)
    wr.bus.handle(AcknowledgeAlert(alert_id=alert_id, by=who.name))
    return JSONBytes(_alert_or_404(wr, alert_id, who))


@router.post("/alerts/{alert_id}/resolve", tags=["alerts"], responses=ALL)
def resolve_alert(alert_id: Id, wr: WarroomDep, who: Writer) -> JSONBytes:
    _alert_or_404(wr, alert_id, who)
    wr.bus.handle(ResolveAlert(alert_id=alert_id, by=who.name))
    return JSONBytes(_alert_or_404(wr, alert_id, who))


# Pages --------------------------------------------------------------------------------------------


@router.get("/pages", tags=["pages"])
async def list_pages(
    wr: WarroomDep,
    who: Reader,
    status: Literal["triggered", "acknowledged", "resolved", "exhausted"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> JSONBytes:
    with wr.db.read.connect() as conn:
        return JSONBytes(
            alert_queries.list_pages(conn, seen_by=who, status=status, limit=limit, offset=offset)
        )


def _page_or_404(wr: Warroom, page_id: int, seen_by: Principal | None) -> dict[str, Any]:
    with wr.db.read.connect() as conn:
        found = alert_queries.get_page(conn, page_id, seen_by=seen_by)
    if found is None:
        raise NotFound("page", str(page_id))
    return found


@router.get("/pages/{page_id}", tags=["pages"], response_model=PagePublic, responses=MISSING)
def get_page(page_id: Id, wr: WarroomDep, who: Reader) -> JSONBytes:
    return JSONBytes(_page_or_404(wr, page_id, who))


@router.post(
    "/pages/{page_id}/acknowledge", tags=["pages"], response_model=PagePublic, responses=ALL
)
def acknowledge_page(
    page_id: Id, wr: WarroomDep, who: Writer, body: PageAck | None = None
) -> JSONBytes:
    """Acknowledge a page: escalation stops (and its alert is acknowledged)."""
    by = body.by if body is not None and body.by else who.name
    _page_or_404(wr, page_id, who)  # a page of a hidden incident is missing to `who`
    wr.bus.handle(AcknowledgePage(page_id=page_id, by=by))
    return JSONBytes(_page_or_404(wr, page_id, who))


def _link_ok(request: Request, page_id: int, by: str, token: str) -> bool:
    wr: Warroom = request.app.state.warroom
    return verify(wr.bus.context.secret_key, page_id, by, token)


_FORM = """<!doctype html><html lang="en"><meta charset="utf-8">
<title>Acknowledge page {id}</title>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Page {id}</h1><p>{summary}</p><p>Status: <strong>{status}</strong></p>
<form method="post"><button type="submit">Acknowledge as {by}</button></form></body></html>"""


@router.get(
    "/pages/{page_id}/ack", tags=["pages"], response_class=HTMLResponse, include_in_schema=False
)
def ack_link_form(page_id: Id, request: Request, by: str = "", token: str = "") -> Response:
    """The email link: a page with one button (a GET never acknowledges: link scanners)."""
    wr: Warroom = request.app.state.warroom
    if not _link_ok(request, page_id, by, token):
        return HTMLResponse("<p>This acknowledge link is not valid.</p>", status_code=403)
    page = _page_or_404(wr, page_id, None)
    return HTMLResponse(
        _FORM.format(
            id=page_id,
            summary=html.escape(page["summary"]),
            status=html.escape(page["status"]),
            by=html.escape(by),
        )
    )


@router.post(
    "/pages/{page_id}/ack", tags=["pages"], response_class=HTMLResponse, include_in_schema=False
)
def ack_link(page_id: Id, request: Request, by: str = "", token: str = "") -> Response:
    """Acknowledge from the signed email link, without a token of the API."""
    wr: Warroom = request.app.state.warroom
    if not _link_ok(request, page_id, by, token):
        return HTMLResponse("<p>This acknowledge link is not valid.</p>", status_code=403)
    wr.bus.handle(AcknowledgePage(page_id=page_id, by=by))
    return HTMLResponse(f"<p>Page {page_id} acknowledged by {html.escape(by)}. Thank you.</p>")
