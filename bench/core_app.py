"""The app served by the core API benchmark: warroom's ASGI app (no worker thread) plus a
bare reference endpoint that answers a pre-serialised 50-incident page without touching
the database or checking a token: the ceiling of the HTTP stack in that process.

uvicorn bench.core_app:make --factory   (settings from WARROOM_* variables)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.routing import Route

from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.entrypoints.api.app import create_app
from warroom.entrypoints.api.responses import dumps
from warroom.runtime import tune_gc


def bare_page(n: int = 50) -> bytes:
    """A list page shaped like `GET /api/v1/incidents` (same keys, similar sizes)."""
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    data = [
        {
            "ref": f"INC-{1000 - i}",
            "title": f"Bxoyhc njdsuf qzvkep wlmrta {i}",
            "summary_line": f"Bxoyhc njdsuf qzvkep wlmrta {i}",
            "severity": "sev3",
            "stage": "investigating",
            "services": [f"service-{i}"],
            "customers_affected": 0,
            "visibility": "internal",
            "drill": False,
            "channel": f"inc-23-11-26-bxoyhc-njdsuf-{i}",
            "commander": None,
            "detected_at": now - timedelta(minutes=i),
            "declared_at": now - timedelta(minutes=i),
            "mitigated_at": None,
            "resolved_at": None,
            "closed_at": None,
            "last_update_internal_at": None,
            "last_update_customers_at": None,
            "updates_due": {"internal": now + timedelta(minutes=30)},
            "updates_overdue": [],
            "retrospective_due_at": None,
            "retrospective_breached": False,
        }
        for i in range(n)
    ]
    return dumps({"data": data, "count": 1000})


def make() -> FastAPI:
    settings = Settings()
    wr = bootstrap(settings, policy=load_policy(settings.policy), migrate=False)
    app = create_app(wr)
    tune_gc()  # as `warroom serve` does
    page = bare_page()

    async def bare(request: Request) -> Response:
        return Response(page, media_type="application/json")

    # First in the routing table, so the reference pays no route scan the API paths do not.
    app.router.routes.insert(0, Route("/bench/bare", bare, methods=["GET"]))
    return app
