"""Process metrics as JSON and CSV: durations, cadence and deadline adherence, follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import StringConstraints
from starlette.responses import Response

from warroom import metrics_csv, metrics_queries
from warroom.bootstrap import Warroom
from warroom.domain.access import Principal
from warroom.entrypoints.api.deps import Reader, WarroomDep
from warroom.entrypoints.api.metrics_schemas import MetricsPublic
from warroom.entrypoints.api.openapi import INVALID
from warroom.entrypoints.api.responses import JSONBytes

router = APIRouter(prefix="/metrics", tags=["metrics"])

From = Annotated[datetime | None, Query(alias="from", description="Declared at or after.")]
To = Annotated[datetime | None, Query(description="Declared before.")]
Severity = Annotated[
    list[Annotated[str, StringConstraints(max_length=32)]] | None, Query(max_length=20)
]
Service = Annotated[str | None, Query(max_length=500)]


def _report(
    wr: Warroom,
    who: Principal,
    start: datetime | None,
    to: datetime | None,
    severity: list[str] | None,
    service: str | None,
) -> dict[str, Any]:
    return metrics_queries.report(
        wr.db.read,
        policy=wr.policy,
        now=wr.clock.now(),
        viewer=who,
        start=start,
        end=to,
        severities=severity or (),
        service=service,
    )


@router.get("", response_model=MetricsPublic, responses=INVALID)
def metrics(
    wr: WarroomDep,
    who: Reader,
    start: From = None,
    to: To = None,
    severity: Severity = None,
    service: Service = None,
) -> JSONBytes:
    """MTTA, time to identify, MTTM, MTTR per severity, service and month; adherence; counts."""
    return JSONBytes(_report(wr, who, start, to, severity, service))


@router.get(
    ".csv",
    responses={200: {"content": {"text/csv": {}}, "description": "CSV"}, **INVALID},
)
def metrics_export(
    wr: WarroomDep,
    who: Reader,
    start: From = None,
    to: To = None,
    severity: Severity = None,
    service: Service = None,
) -> Response:
    """The same metrics as CSV rows (section, group, metric, count, durations, ratio)."""
    result = _report(wr, who, start, to, severity, service)
    return Response(
        metrics_csv.to_csv(result),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="warroom-metrics.csv"'},
    )
