"""The audit log for admins: a filtered, paginated list and a full export (JSONL or CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.responses import StreamingResponse

from warroom import audit_queries
from warroom.adapters.repository import parse_ref
from warroom.entrypoints.api.audit_schemas import AuditEntriesPublic
from warroom.entrypoints.api.deps import Admin, WarroomDep
from warroom.entrypoints.api.openapi import INVALID
from warroom.entrypoints.api.responses import JSONBytes, dumps

router = APIRouter(tags=["audit"])

CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "role",
    "channel",
    "client_ip",
    "user_agent",
    "command",
    "refs",
    "fields",
    "changes",
)
# A spreadsheet would run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _filter(
    actor: str | None,
    ref: str | None,
    command: str | None,
    since: datetime | None,
    until: datetime | None,
) -> audit_queries.AuditFilter:
    return audit_queries.AuditFilter(
        actor=actor or None,
        ref=f"INC-{parse_ref(ref)}" if ref else None,
        command=command or None,
        since=since,
        until=until,
    )


Actor = Annotated[str | None, Query(max_length=500, description="Who ran the command.")]
Ref = Annotated[str | None, Query(max_length=20, description="An incident, e.g. INC-3.")]
CommandName = Annotated[
    str | None, Query(max_length=100, description="A command name, e.g. ChangeStage.")
]
Since = Annotated[datetime | None, Query(alias="from", description="At or after (ISO 8601).")]
Until = Annotated[datetime | None, Query(alias="to", description="Before (ISO 8601).")]


@router.get("/audit", response_model=AuditEntriesPublic, responses=INVALID)
def list_audit(
    wr: WarroomDep,
    who: Admin,
    actor: Actor = None,
    ref: Ref = None,
    command: CommandName = None,
    since: Since = None,
    until: Until = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JSONBytes:
    """Every write, newest first: who, when, from where, the command and what it changed."""
    f = _filter(actor, ref, command, since, until)
    with wr.db.read.connect() as conn:
        data, count = audit_queries.entries(conn, f, limit=limit, offset=offset)
    return JSONBytes({"data": data, "count": count})


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = " ".join(value)  # the refs
    elif isinstance(value, dict | list):
        text = dumps(value).decode()
    elif isinstance(value, datetime):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _jsonl(rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    for row in rows:
        yield dumps(row) + b"\n"


@router.get(
    "/audit/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Every matching row, oldest first",
            "content": {"application/x-ndjson": {}, "text/csv": {}},
        },
        **INVALID,
    },
)
def export_audit(
    wr: WarroomDep,
    who: Admin,
    format: Literal["jsonl", "csv"] = "jsonl",
    actor: Actor = None,
    ref: Ref = None,
    command: CommandName = None,
    since: Since = None,
    until: Until = None,
) -> StreamingResponse:
    """The whole (filtered) audit log as JSON Lines or CSV, streamed."""
    rows = audit_queries.every_entry(wr.db.read, _filter(actor, ref, command, since, until))
    stamp = wr.clock.now().strftime("%Y%m%dT%H%M%SZ")
    if format == "csv":
        return StreamingResponse(
            _csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
        )
    return StreamingResponse(
        _jsonl(rows),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.jsonl"'},
    )
