"""Notifications: the outbox as people see it (failures, dead letters), retries, previews."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from warroom import notification_queries, queries
from warroom.adapters.repository import parse_ref
from warroom.domain.errors import NotFound
from warroom.domain.notify_commands import RetryNotification
from warroom.entrypoints.api import notify_schemas
from warroom.entrypoints.api.deps import Admin, Idempotency, Reader, WarroomDep, execute
from warroom.entrypoints.api.limits import Id
from warroom.entrypoints.api.openapi import CONFLICT, INVALID, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer import templates
from warroom.service_layer.views import load_incident

router = APIRouter(tags=["notifications"])

Status = Literal["pending", "sent", "dead"]


@router.get(
    "/incidents/{ref}/notifications",
    response_model=notify_schemas.NotificationsPublic,
    responses=MISSING,
)
async def incident_notifications(
    ref: str,
    wr: WarroomDep,
    who: Reader,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JSONBytes:
    """Every message queued for the incident, newest first, with counts by status."""
    number = parse_ref(ref)
    with wr.db.read.connect() as conn:
        if not queries.incident_exists(conn, number):
            raise NotFound("incident", f"INC-{number}")
        data, count = notification_queries.notifications(
            conn, seen_by=who, incident_id=number, status=status, limit=limit, offset=offset
        )
        by_status = notification_queries.status_counts(conn, number)
    return JSONBytes({"data": data, "count": count, "by_status": by_status})


@router.get("/notifications", response_model=notify_schemas.NotificationsPublic)
async def list_notifications(
    wr: WarroomDep,
    who: Reader,
    status: Status | None = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JSONBytes:
    """Messages across incidents, e.g. `?status=dead` for the dead letters."""
    with wr.db.read.connect() as conn:
        data, count = notification_queries.notifications(
            conn, seen_by=who, status=status, channel=channel, limit=limit, offset=offset
        )
    return JSONBytes({"data": data, "count": count})


@router.post(
    "/notifications/{message_id}/retry",
    response_model=notify_schemas.RetryPublic,
    responses={**MISSING, **CONFLICT},
)
def retry(message_id: Id, wr: WarroomDep, who: Admin, key: Idempotency) -> JSONBytes:
    """Put a failing or dead message back in the queue now (admins only)."""
    return execute(wr, RetryNotification(message_id=message_id, by=who.name), key, lambda r: r)


@router.post(
    "/incidents/{ref}/updates/preview",
    response_model=notify_schemas.PreviewPublic,
    responses={**MISSING, **INVALID},
)
def preview(
    ref: str, body: notify_schemas.PreviewCreate, wr: WarroomDep, who: Reader
) -> dict[str, str]:
    """Render a policy template for the incident without posting anything."""
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        text = templates.render(
            wr.policy,
            body.template,
            incident,
            audience=body.audience,
            text=body.text,
            author=who.name,
        )
    return {"template": body.template, "text": text}


@router.get("/templates", response_model=notify_schemas.TemplatesPublic)
def template_names(wr: WarroomDep, who: Reader) -> dict[str, list[str]]:
    """The message templates this policy offers."""
    return {"data": templates.template_names(wr.policy)}
