"""The read side of alerts and pages: lists as plain dicts, straight from SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from warroom.adapters.orm.alerts import alerts, integrations
from warroom.adapters.orm.oncall import pages

_ALERT_COLUMNS = [c for c in alerts.c if c.name not in ("open_fingerprint", "incident_id")]


def _alert(row: Any) -> dict[str, Any]:
    data = {str(c.name): getattr(row, c.name) for c in _ALERT_COLUMNS}
    data["integration"] = row.integration
    data["incident_ref"] = f"INC-{row.incident_id}" if row.incident_id is not None else None
    return data


def list_alerts(
    conn: Connection,
    *,
    status: str | None = None,
    service: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    conds = []
    if status == "open":
        conds.append(alerts.c.status != "resolved")
    elif status:
        conds.append(alerts.c.status == status)
    if service:
        conds.append(alerts.c.service == service)
    count = conn.execute(select(func.count()).select_from(alerts).where(*conds)).scalar_one()
    rows = conn.execute(
        select(*_ALERT_COLUMNS, alerts.c.incident_id, integrations.c.name.label("integration"))
        .join(integrations, integrations.c.id == alerts.c.integration_id)
        .where(*conds)
        .order_by(alerts.c.last_seen_at.desc(), alerts.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return {"data": [_alert(r) for r in rows], "count": int(count)}


def get_alert(conn: Connection, alert_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(*_ALERT_COLUMNS, alerts.c.incident_id, integrations.c.name.label("integration"))
        .join(integrations, integrations.c.id == alerts.c.integration_id)
        .where(alerts.c.id == alert_id)
    ).one_or_none()
    return _alert(row) if row is not None else None


def _page(row: Any) -> dict[str, Any]:
    data = {str(c.name): getattr(row, c.name) for c in pages.c if c.name != "incident_id"}
    data["incident_ref"] = f"INC-{row.incident_id}" if row.incident_id is not None else None
    return data


def list_pages(
    conn: Connection, *, status: str | None = None, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    conds = [pages.c.status == status] if status else []
    count = conn.execute(select(func.count()).select_from(pages).where(*conds)).scalar_one()
    rows = conn.execute(
        select(pages).where(*conds).order_by(pages.c.id.desc()).limit(limit).offset(offset)
    )
    return {"data": [_page(r) for r in rows], "count": int(count)}


def get_page(conn: Connection, page_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(pages).where(pages.c.id == page_id)).one_or_none()
    return _page(row) if row is not None else None
