"""The HTTP application: JSON API under /api/v1, health and metrics."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from warroom.adapters.rate_limit import SharedTokenBuckets
from warroom.bootstrap import Warroom
from warroom.entrypoints.api import problems
from warroom.entrypoints.api.deps import TokenCache
from warroom.entrypoints.api.intake_lane import IntakeLane
from warroom.entrypoints.api.limits import BodySizeLimit, document_path_limits
from warroom.entrypoints.api.openapi import document_errors
from warroom.entrypoints.api.origin import RequestOrigin
from warroom.entrypoints.api.read_lane import ReadLane
from warroom.entrypoints.api.routes import (
    admin,
    audit,
    catalog,
    checklists,
    clocks,
    customers,
    drills,
    health,
    hooks,
    incidents,
    intake,
    learning,
    matrix,
    members,
    metrics,
    notifications,
    oncall,
    record,
    roles,
    slack,
    status_admin,
    testplan,
    users,
    work,
)
from warroom.entrypoints.api.routes import alerts as alert_routes
from warroom.entrypoints.api.security_headers import SecurityHeaders
from warroom.entrypoints.api.throttle import PublicRateLimit, public_limits
from warroom.entrypoints.api.write_lane import WriteLane
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
    clocks.router,
    testplan.router,
    members.router,
    users.router,
    metrics.router,
    drills.router,
    learning.router,
    audit.router,
    hooks.router,
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
    document_path_limits(app)
    limits = public_limits(wr.settings)
    document_errors(app, rate_limited={(limit.method, limit.path) for limit in limits})
    app.add_middleware(BodySizeLimit, max_bytes=wr.settings.max_body_bytes)
    install_web(app, wr)
    app.add_middleware(
        PublicRateLimit,
        limits=limits,
        buckets=SharedTokenBuckets(wr.db.write),
    )
    app.add_middleware(IntakeLane, routes=intake.FAST_ROUTES, max_bytes=wr.settings.max_body_bytes)
    # Inside the security headers: the lane's answers carry them like every other.
    app.add_middleware(ReadLane, wr=wr, tokens=app.state.token_cache)
    app.add_middleware(
        WriteLane, wr=wr, tokens=app.state.token_cache, max_bytes=wr.settings.max_body_bytes
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestOrigin)
    return app
