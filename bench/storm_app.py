"""The app served by the alert-storm benchmark: warroom's ASGI app (no worker thread)
plus a bare reference endpoint that parses the same webhook and touches no database.

uvicorn bench.storm_app:make --factory   (settings from WARROOM_* variables)
"""

from __future__ import annotations

import orjson
from fastapi import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from warroom.adapters.alert_formats import parse_alertmanager
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.entrypoints.api.app import create_app
from warroom.entrypoints.api.intake_lane import IntakeLane
from warroom.runtime import tune_gc


def make() -> ASGIApp:
    settings = Settings()
    wr = bootstrap(settings, policy=load_policy(settings.policy), migrate=False)
    app = create_app(wr)
    tune_gc()  # as `warroom serve` does

    async def bare(request: Request) -> Response:
        events = parse_alertmanager(orjson.loads(await request.body()))
        return Response(
            orjson.dumps({"status": "ok", "alerts": len(events)}), media_type="application/json"
        )

    async def stats(request: Request) -> Response:
        writer = wr.intake.writer if wr.intake else None
        body = (
            {
                "batches": writer.batches,
                "commands": writer.commands,
                "busy_s": round(writer.busy_seconds, 2),
            }
            if writer
            else {}
        )
        return Response(orjson.dumps(body), media_type="application/json")

    app.add_route("/bench/stats", stats, methods=["GET"])
    # The reference goes through the same fast lane as intake: same HTTP path, no database.
    return IntakeLane(app, routes={"/bench/bare": bare}, max_bytes=settings.max_body_bytes)
