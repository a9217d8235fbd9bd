"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.responses import Response

from warroom.entrypoints.api.deps import WarroomDep
from warroom.entrypoints.api.responses import JSONBytes

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(wr: WarroomDep) -> JSONBytes:
    """200 when the database answers, 503 otherwise."""
    try:
        with wr.db.read.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means "not healthy"
        return JSONBytes({"status": "unavailable", "database": str(exc)[:200]}, status_code=503)
    return JSONBytes({"status": "ok", "database": "ok", "policy": wr.policy.name})


@router.get("/metrics", include_in_schema=False)
def metrics(wr: WarroomDep) -> Response:
    """Prometheus exposition; incident gauges are computed from the database per scrape."""
    registry = wr.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
