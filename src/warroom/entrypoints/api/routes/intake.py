"""Alert intake endpoints: Alertmanager, Grafana, generic JSON, and PagerDuty Events v2.

The hot path is kept lean: the body is parsed with orjson and validated once, the
integration is found by its key in a short-lived cache, and the events go to the
group-commit writer; the answer is sent only after the transaction holding them
committed (durable and deduplicated when the 2xx leaves).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from warroom.adapters.alert_formats import (
    PayloadError,
    parse_alertmanager,
    parse_generic,
    parse_grafana,
    parse_pagerduty,
)
from warroom.bootstrap import Warroom
from warroom.domain.alerts import AlertEvent
from warroom.domain.errors import DomainError
from warroom.domain.integrations import Integration, IntegrationKind
from warroom.entrypoints.api.openapi import RETRY_AFTER, problems
from warroom.entrypoints.api.problems import problem
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.group_commit import Overloaded
from warroom.service_layer.intake import IntakeGate, Throttled, UnknownKey

INTAKE_ERRORS = problems(
    {
        400: "Malformed JSON",
        401: "No integration key, or an unknown one",
        403: "The key belongs to an integration of another kind",
        409: "Refused by a rule",
        413: "The request body is too large",
        422: "The payload does not fit the format; names the field",
        429: "Over the integration's rate limit",
        503: "Intake is saturated",
    },
    retry=(429, 503),
)
_PD_BODY = {
    "type": "object",
    "required": ["status", "message"],
    "properties": {
        "status": {"type": "string"},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
        "dedup_key": {"type": "string"},
    },
}
# PagerDuty's own answers (its senders parse them), but for 413 from the body limit.
PAGERDUTY_RESPONSES = {
    400: {
        "description": "Invalid event (or unknown routing key)",
        "content": {"application/json": {"schema": _PD_BODY}},
    },
    429: {
        "description": "Throttled",
        "headers": RETRY_AFTER,
        "content": {"application/json": {"schema": _PD_BODY}},
    },
    **problems({413: "The request body is too large"}),
}

router = APIRouter(prefix="/alerts", tags=["alert intake"], responses=INTAKE_ERRORS)
pagerduty_router = APIRouter(tags=["alert intake"], responses=PAGERDUTY_RESPONSES)

PD_MAX_BYTES = 512 * 1024
_AUTH_HINT = "send the integration key as 'Authorization: Bearer KEY' or '?key=KEY'"


def _gate(request: Request) -> IntakeGate:
    wr: Warroom = request.app.state.warroom
    assert wr.intake is not None
    return wr.intake


def _key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("key") or None


async def _find(gate: IntakeGate, key: str) -> Integration:
    try:
        return gate.integration_cached(key)
    except LookupError:
        return await run_in_threadpool(gate.integration, key)


async def _intake(
    request: Request,
    kind: IntegrationKind,
    parse: Callable[[Any, Integration], list[AlertEvent]],
) -> Response:
    path = request.url.path
    gate = _gate(request)
    key = _key(request)
    if key is None:
        return problem(
            401, "unauthorized", "Unauthorized", f"no integration key; {_AUTH_HINT}", instance=path
        )
    try:
        integration = await _find(gate, key)
    except UnknownKey:
        return problem(
            401, "unauthorized", "Unauthorized", "unknown integration key", instance=path
        )
    if integration.kind is not kind:
        return problem(
            403,
            "forbidden",
            "Forbidden",
            f"integration {integration.name!r} is a {integration.kind} integration; "
            f"post to /api/v1/alerts/{integration.kind}",
            instance=path,
        )
    try:
        gate.admit(integration)
    except Throttled as exc:
        return problem(
            429,
            "rate-limited",
            "Too many requests",
            f"integration {integration.name!r} is limited to "
            f"{integration.rate_limit_per_minute} requests a minute",
            instance=path,
            headers={"Retry-After": str(exc.retry_after)},
        )
    body = await request.body()
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return problem(
            400,
            "malformed-json",
            "Malformed JSON",
            f"the request body is not valid JSON: {exc}",
            instance=path,
        )
    try:
        events = parse(data, integration)
    except PayloadError as exc:
        errors = [
            {"field": e.split(": ", 1)[0], "message": e.split(": ", 1)[-1]} for e in exc.errors
        ]
        return problem(
            422,
            "invalid-input",
            "Invalid input",
            "; ".join(exc.errors),
            instance=path,
            errors=errors,
        )
    try:
        result = await asyncio.wrap_future(gate.submit(integration, events))
    except Overloaded:
        return problem(
            503,
            "overloaded",
            "Overloaded",
            "intake is saturated; retry shortly",
            instance=path,
            headers={"Retry-After": "1"},
        )
    except DomainError as exc:
        return problem(409, "rule-violation", "Refused", exc.message, instance=path)
    return JSONBytes({"status": "ok", "integration": integration.name, **result})


@router.post("/alertmanager", summary="Prometheus Alertmanager webhook (version 4)")
async def alertmanager(request: Request) -> Response:
    """Point an Alertmanager `webhook_configs` receiver here, with the key as bearer token."""
    return await _intake(request, IntegrationKind.ALERTMANAGER, lambda d, _i: parse_alertmanager(d))


@router.post("/grafana", summary="Grafana alerting webhook contact point")
async def grafana(request: Request) -> Response:
    return await _intake(request, IntegrationKind.GRAFANA, lambda d, _i: parse_grafana(d))


@router.post("/generic", summary="Any JSON, read through the integration's field mapping")
async def generic(request: Request) -> Response:
    return await _intake(request, IntegrationKind.GENERIC, lambda d, i: parse_generic(d, i.mapping))


# -- PagerDuty Events API v2 --------------------------------------------------------------------


def _pd_invalid(errors: list[str], status: int = 400) -> Response:
    return JSONBytes(
        {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
        status_code=status,
    )


@pagerduty_router.post("/v2/enqueue", status_code=202, summary="PagerDuty Events API v2")
async def enqueue(request: Request) -> Response:
    """Events API v2-compatible: change a sender's host to warroom and keep its routing key."""
    body = await request.body()
    if len(body) > PD_MAX_BYTES:
        return _pd_invalid([f"Event payload exceeds the 512 KB size limit ({len(body)} bytes)"])
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _pd_invalid(["Malformed JSON"])
    try:
        routing_key, event = parse_pagerduty(data)
    except PayloadError as exc:
        return _pd_invalid(exc.errors)
    gate = _gate(request)
    try:
        integration = await _find(gate, routing_key)
    except UnknownKey:
        return _pd_invalid(["routing_key: no integration has this routing key"])
    if integration.kind is not IntegrationKind.PAGERDUTY:
        return _pd_invalid([f"routing_key: belongs to a {integration.kind} integration"])
    try:
        gate.admit(integration)
    except Throttled as exc:
        return JSONBytes(
            {
                "status": "throttle event",
                "message": "Requests for this service are arriving too quickly. "
                "Please retry later.",
            },
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    try:
        await asyncio.wrap_future(gate.submit(integration, [event]))
    except Overloaded:
        return JSONBytes(
            {"status": "throttle event", "message": "Intake is saturated; retry shortly."},
            status_code=429,
            headers={"Retry-After": "1"},
        )
    return JSONBytes(
        {"status": "success", "message": "Event processed", "dedup_key": event.fingerprint},
        status_code=202,
    )


# Served by the fast lane (entrypoints/api/intake_lane.py) ahead of the router.
FAST_ROUTES = {
    "/api/v1/alerts/alertmanager": alertmanager,
    "/api/v1/alerts/grafana": grafana,
    "/api/v1/alerts/generic": generic,
    "/v2/enqueue": enqueue,
}
