"""Every error becomes an RFC 9457 problem-details body that names the field or the rule."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from warroom.domain.errors import (
    DomainError,
    DuplicateSuspected,
    GateBlocked,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from warroom.entrypoints.api.responses import dumps

log = structlog.get_logger(__name__)

MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {
        "type": f"urn:warroom:problem:{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **{k: v for k, v in extra.items() if v is not None},
    }
    return Response(dumps(body), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "body"


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        first = errors[0]
        return problem(
            400,
            "malformed-json",
            "Malformed JSON",
            f"the request body is not valid JSON: {first.get('ctx', {}).get('error', '')}".strip(),
            instance=request.url.path,
        )
    listed = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in listed)
    return problem(
        422, "invalid-input", "Invalid input", detail, instance=request.url.path, errors=listed
    )


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return domain_problem(exc, request.url.path)


def domain_problem(exc: DomainError, path: str) -> Response:
    """The problem details of a refusal by the domain (a rule, a gate, bad input, unknown)."""
    if isinstance(exc, InvalidInput):
        return problem(
            422,
            "invalid-input",
            "Invalid input",
            exc.message,
            instance=path,
            errors=[{"field": exc.field, "message": exc.reason}],
        )
    if isinstance(exc, NotFound):
        return problem(404, "not-found", "Not found", exc.message, instance=path)
    if isinstance(exc, DuplicateSuspected):
        return problem(
            409,
            "possible-duplicate",
            "Possible duplicate",
            exc.message,
            instance=path,
            rule="declare.duplicates",
            candidates=exc.candidates,
        )
    if isinstance(exc, GateBlocked):
        return problem(
            409,
            "gate-blocked",
            "Blocked by a policy gate",
            exc.message,
            instance=path,
            rule=exc.rule,
            gates=[{"gate": name, "reason": why} for name, why in exc.failures],
        )
    if isinstance(exc, RuleViolation):
        return problem(
            409, "rule-violation", "Refused by a rule", exc.message, instance=path, rule=exc.rule
        )
    return problem(400, "refused", "Refused", exc.message, instance=path)


_TITLES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
}


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return http_problem(
        exc.status_code,
        str(exc.detail),
        request.url.path,
        headers=dict(exc.headers) if exc.headers else None,
    )


def http_problem(
    status: int, detail: str, path: str, *, headers: dict[str, str] | None = None
) -> Response:
    """The problem details of an HTTP-level refusal (401, 403, 405, 413 …)."""
    title = _TITLES.get(status, "Error")
    return problem(
        status, title.lower().replace(" ", "-"), title, detail, instance=path, headers=headers
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path)
    return internal_error(request.url.path)


def internal_error(path: str) -> Response:
    """What the API answers for anything unexpected (the error itself is logged)."""
    return problem(
        500,
        "internal-error",
        "Internal error",
        "an unexpected error occurred; it has been logged",
        instance=path,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
