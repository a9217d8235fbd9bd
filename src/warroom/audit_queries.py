"""The read side of the audit log: filtered pages, and every row in order for exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select

from warroom.adapters.orm.audit import audit_log


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    ref: str | None = None  # normalised: "INC-3"
    command: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _where(stmt: Select[Any], f: AuditFilter) -> Select[Any]:
    if f.actor:
        stmt = stmt.where(audit_log.c.actor == f.actor)
    if f.ref:
        stmt = stmt.where(audit_log.c.refs.contains(f",{f.ref},", autoescape=True))
    if f.command:
        stmt = stmt.where(audit_log.c.command == f.command)
    if f.since is not None:
        stmt = stmt.where(audit_log.c.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(audit_log.c.at < f.until)
    return stmt


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "at": r.at,
        "actor": r.actor,
        "role": r.role,
        "channel": r.channel,
        "client_ip": r.client_ip,
        "user_agent": r.user_agent,
        "command": r.command,
        "refs": [ref for ref in r.refs.split(",") if ref],
        "fields": r.fields,
        "changes": r.changes,
    }


def entries(
    conn: Connection, f: AuditFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of matching rows, newest first, and how many match in all."""
    count = conn.execute(_where(select(func.count()).select_from(audit_log), f)).scalar_one()
    rows = conn.execute(
        _where(select(audit_log), f).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    )
    return [_row(r) for r in rows], int(count)


def every_entry(engine: Engine, f: AuditFilter, *, page: int = 500) -> Iterator[dict[str, Any]]:
    """Every matching row, oldest first, read a page at a time (for exports of any size)."""
    after = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                _where(select(audit_log), f)
                .where(audit_log.c.id > after)
                .order_by(audit_log.c.id)
                .limit(page)
            ).all()
        for r in rows:
            yield _row(r)
        if len(rows) < page:
            return
        after = rows[-1].id
