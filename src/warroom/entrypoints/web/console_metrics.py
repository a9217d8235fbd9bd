"""The metrics dashboard: filters, SVG charts rendered on the server, and a CSV download."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from starlette.responses import HTMLResponse, Response

from warroom import metrics_csv, metrics_queries
from warroom.domain.errors import InvalidInput
from warroom.entrypoints.web import metrics_charts
from warroom.entrypoints.web.auth import Viewer
from warroom.entrypoints.web.render import page, warroom

router = APIRouter(include_in_schema=False)

Severity = Annotated[list[str] | None, Query(max_length=20)]


def _day(name: str, value: str | None, *, end: bool = False) -> datetime | None:
    """A date field as a UTC instant: the start of that day (of the next one for `to`)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not a date like 2026-11-01") from None
    return datetime.combine(day + timedelta(days=1 if end else 0), time(0), tzinfo=UTC)


def _query(
    request: Request,
    user: Viewer,
    start: str | None,
    to: str | None,
    severity: list[str] | None,
    service: str | None,
) -> dict[str, Any]:
    wr = warroom(request)
    known = {s.name for s in wr.policy.severities}
    return metrics_queries.report(
        wr.db.read,
        policy=wr.policy,
        now=wr.clock.now(),
        viewer=user.principal,
        start=_day("from", start),
        end=_day("to", to, end=True),
        severities=[s for s in severity or () if s in known],
        service=service,
    )


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    user: Viewer,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
    severity: Severity = None,
    service: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    result = _query(request, user, start, to, severity, service)
    d = result["durations"]
    charts = {
        "severity": metrics_charts.durations_by(d["by_severity"], "By severity"),
        "month": metrics_charts.durations_by(d["by_month"], "By month", line=True),
        "service": metrics_charts.durations_by(d["by_service"], "By service"),
        "adherence": metrics_charts.adherence(result["updates"], result["retrospectives"]),
    }
    chosen = {
        "from": start or "",
        "to": to or "",
        "severity": result["filter"]["severity"],
        "service": result["filter"]["service"] or "",
    }
    return page(
        request,
        "console/dashboard.html",
        user=user,
        m=result,
        chosen=chosen,
        # pygal output: generated here from numbers and our own labels; group names
        # (services) are escaped by pygal's XML serialiser.
        charts={k: Markup(v) for k, v in charts.items()},
        query=request.url.query,
    )


@router.get("/dashboard.csv")
def dashboard_csv(
    request: Request,
    user: Viewer,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
    severity: Severity = None,
    service: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    result = _query(request, user, start, to, severity, service)
    return Response(
        metrics_csv.to_csv(result),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="warroom-metrics.csv"'},
    )
