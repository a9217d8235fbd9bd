"""The read side of alerts and pages: lists as plain dicts, straight from SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from warroom.adapters.orm.alerts import alerts, integrations
from warroom.adapters.orm.oncall import pages
from warroom.adapters.visibility import visible_to
from warroom.domain.access import Principal

_ALERT_COLUMNS = [c for c in alerts.c if c.name not in ("open_fingerprint", "incident_id")]


def _alert(row: Any) -> dict[str, Any]:
    data = {str(c.name): getattr(row, c.name) for c in _ALERT_COLUMNS}
    data["integration"] = row.integration
    data["incident_ref"] = f"INC-{row.incident_id}" if row.incident_id is not None else None
    return data


def list_alerts(
    conn: Connection,
    *,
    seen_by: Principal,
    status: str | None = None,
    service: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    conds = [visible_to(seen_by, alerts.c.incident_id)]
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


def get_alert(conn: Connection, alert_id: int, *, seen_by: Principal) -> dict[str, Any] | None:
    row = conn.execute(
        select(*_ALERT_COLUMNS, alerts.c.incident_id, integrations.c.name.label("integration"))
        .join(integrations, integrations.c.id == alerts.c.integration_id)
        .where(alerts.c.id == alert_id, visible_to(seen_by, alerts.c.incident_id))
    ).one_or_none()
    return _alert(row) if row is not None else None


def _page(row: Any) -> dict[str, Any]:
    data = {str(c.name): getattr(row, c.name) for c in pages.c if c.name != "incident_id"}
    data["incident_ref"] = f"INC-{row.incident_id}" if row.incident_id is not None else None
    return data


def list_pages(
    conn: Connection,
    *,
    seen_by: Principal,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    conds = [visible_to(seen_by, pages.c.incident_id)]
    if status:
        conds.append(pages.c.status == status)
    count = conn.execute(select(func.count()).select_from(pages).where(*conds)).scalar_one()
    rows = conn.execute(
        select(pages).where(*conds).order_by(pages.c.id.desc()).limit(limit).offset(offset)
    )
    return {"data": [_page(r) for r in rows], "count": int(count)}


def get_page(conn: Connection, page_id: int, *, seen_by: Principal | None) -> dict[str, Any] | None:
    """A page; `seen_by=None` is for callers already authorised (a signed link)."""
    where = [pages.c.id == page_id]
    if seen_by is not None:
        where.append(visible_to(seen_by, pages.c.incident_id))
    row = conn.execute(select(pages).where(*where)).one_or_none()
    return _page(row) if row is not None else None
