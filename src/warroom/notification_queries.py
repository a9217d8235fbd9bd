"""The read side of the outbox: what was sent, what is failing, what is dead."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from warroom.adapters.orm.background import outbox
from warroom.adapters.visibility import visible_to
from warroom.domain.access import Principal

_COLUMNS = (
    outbox.c.id,
    outbox.c.key,
    outbox.c.channel,
    outbox.c.destination,
    outbox.c.subject,
    outbox.c.status,
    outbox.c.attempts,
    outbox.c.last_error,
    outbox.c.next_attempt_at,
    outbox.c.created_at,
    outbox.c.sent_at,
    outbox.c.incident_id,
    outbox.c.payload,
    outbox.c.result,
)


def _row(r: Any) -> dict[str, Any]:
    payload = r.payload or {}
    return {
        "id": r.id,
        "key": r.key,
        "channel": r.channel,
        "destination": r.destination,
        "subject": r.subject,
        "status": r.status,
        "attempts": r.attempts,
        "last_error": r.last_error,
        "next_attempt_at": r.next_attempt_at,
        "created_at": r.created_at,
        "sent_at": r.sent_at,
        "incident": f"INC-{r.incident_id}" if r.incident_id is not None else None,
        "step": payload.get("step"),
        "op": payload.get("op"),
        "result": r.result,
    }


def notifications(
    conn: Connection,
    *,
    seen_by: Principal,
    incident_id: int | None = None,
    status: str | None = None,
    channel: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Messages, newest first, with the total matching count."""
    where = [visible_to(seen_by, outbox.c.incident_id)]
    if incident_id is not None:
        where.append(outbox.c.incident_id == incident_id)
    if status:
        where.append(outbox.c.status == status)
    if channel:
        where.append(outbox.c.channel == channel)
    total = conn.execute(select(func.count()).select_from(outbox).where(*where)).scalar_one()
    rows = conn.execute(
        select(*_COLUMNS).where(*where).order_by(outbox.c.id.desc()).limit(limit).offset(offset)
    ).all()
    return [_row(r) for r in rows], int(total)


def status_counts(conn: Connection, incident_id: int) -> dict[str, int]:
    rows = conn.execute(
        select(outbox.c.status, func.count())
        .where(outbox.c.incident_id == incident_id)
        .group_by(outbox.c.status)
    ).all()
    return {status: int(n) for status, n in rows}
