"""The HTTP application: JSON API under /api/v1, health and metrics."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from warroom.bootstrap import Warroom
from warroom.entrypoints.api import problems
from warroom.entrypoints.api.deps import TokenCache
from warroom.entrypoints.api.intake_lane import IntakeLane
from warroom.entrypoints.api.limits import BodySizeLimit
from warroom.entrypoints.api.routes import (
    admin,
    catalog,
    checklists,
    customers,
    health,
    incidents,
    intake,
    matrix,
    notifications,
    oncall,
    record,
    roles,
    slack,
    status_admin,
    work,
)
from warroom.entrypoints.api.routes import alerts as alert_routes
from warroom.entrypoints.web.app import install_web

API_ROUTERS: tuple[APIRouter, ...] = (
    incidents.router,
    record.router,
    roles.router,
    work.router,
    admin.router,
    notifications.router,
    slack.router,
    status_admin.router,
    checklists.router,
    customers.router,
    matrix.router,
    intake.router,
    catalog.router,
    oncall.router,
    alert_routes.router,
)


def create_app(wr: Warroom) -> FastAPI:
    """An ASGI app serving `wr`; nothing is created at import time."""
    app = FastAPI(
        title="warroom",
        version="0.1.0",
        summary="Self-hosted incident management",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.warroom = wr
    app.state.token_cache = TokenCache(wr.settings.token_cache_seconds)
    api = APIRouter(prefix="/api/v1")
    for router in API_ROUTERS:
        api.include_router(router)
    app.include_router(api)
    app.include_router(health.router)
    app.include_router(intake.pagerduty_router)
    problems.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=wr.settings.max_body_bytes)
    install_web(app, wr)
    app.add_middleware(IntakeLane, routes=intake.FAST_ROUTES, max_bytes=wr.settings.max_body_bytes)
    return app
