"""Documented error responses: the ones routes declare, and the ones every route shares.

Routes declare what is particular to them (404 for an unknown incident, 409 for a rule,
the media types of a download). What follows from the machinery is added here, to every
operation it applies to, when the schema is generated (`document_errors`):

- 401 (with `WWW-Authenticate`) and 403 where a bearer token is required;
- 400 (malformed JSON), 413 (body too large) and 422 where there is a request body;
- 422 where there are parameters, 404 and 414 where there are path parameters;
- 409 where an Idempotency-Key may be reused with another request;
- 429 (with `Retry-After`) on the public rate-limited endpoints.

Every error response is then documented as the app sends it: RFC 9457 problem details,
`application/problem+json` (`problems.py`), unless a route documents another body (the
PagerDuty-compatible endpoint answers in PagerDuty's own format).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from warroom.entrypoints.api.problems import MEDIA_TYPE
from warroom.entrypoints.api.schemas import Problem

Responses = dict[int | str, dict[str, Any]]

CONFLICT: Responses = {409: {"model": Problem, "description": "Refused by a rule or a gate"}}
INVALID: Responses = {422: {"model": Problem, "description": "Invalid input; names the field"}}
MISSING: Responses = {404: {"model": Problem, "description": "No such incident"}}
ALL: Responses = {**MISSING, **CONFLICT, **INVALID}
# The JSON view of a document that `?format=html` or `pdf` renders instead.
RENDERED: Responses = {
    200: {
        "description": "JSON by default; HTML or PDF with `format`",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}

# The bearer scheme of `deps.current_principal`, and the header of `deps.idempotency_key`.
BEARER = "HTTPBearer"
IDEMPOTENCY = "Idempotency-Key"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": "The authentication scheme: `Bearer`.",
        "required": True,
        "schema": {"type": "string", "pattern": "^Bearer"},
    }
}
# Descriptions of the statuses the machinery answers with.
SHARED: dict[int, str] = {
    400: "Malformed JSON in the request body",
    401: "No bearer token, or an unknown, expired or revoked one",
    403: "The token's role or the incident's access does not allow this",
    404: "Not found",
    409: "Refused by a rule (or an Idempotency-Key reused with another request)",
    413: "The request body is too large",
    414: "A path segment is too long",
    422: "Invalid input; names the field",
    429: "Too many requests; retry after `Retry-After` seconds",
}
# The headers the machinery sends with them (routes document their own).
HEADERS: dict[int, dict[str, Any]] = {401: WWW_AUTHENTICATE, 429: RETRY_AFTER}
# FastAPI's own body for 422, which this app never sends (problems.py answers instead).
_REPLACED = {"#/components/schemas/HTTPValidationError", PROBLEM_REF["$ref"]}


def problems(statuses: dict[int, str], *, retry: tuple[int, ...] = ()) -> Responses:
    """Problem-details responses described so; those in `retry` carry `Retry-After`."""
    return {
        status: {"model": Problem, "description": description}
        | ({"headers": RETRY_AFTER} if status in retry else {})
        for status, description in statuses.items()
    }


def shared_statuses(operation: dict[str, Any], rate_limited: bool = False) -> set[int]:
    """The error statuses the app's machinery can give an operation, read off its schema."""
    statuses: set[int] = set()
    if any(BEARER in requirement for requirement in operation.get("security", [])):
        statuses |= {401, 403}
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    params = operation.get("parameters", [])
    if params:
        statuses.add(422)
    if any(param.get("in") == "path" for param in params):
        statuses |= {404, 414}
    if any(param.get("in") == "header" and param.get("name") == IDEMPOTENCY for param in params):
        statuses.add(409)
    if rate_limited:
        statuses.add(429)
    return statuses


def _as_problem(response: dict[str, Any]) -> None:
    """Document an error response as problem details, unless it documents another body.

    FastAPI files a `model` under the route's own media type (`text/html` for a page),
    and its default 422 under `application/json`: both become `application/problem+json`.
    """
    content = response.get("content") or {}
    if any(media.get("schema", {}).get("$ref") not in _REPLACED for media in content.values()):
        return
    response["content"] = {MEDIA_TYPE: {"schema": dict(PROBLEM_REF)}}


def document_errors(app: FastAPI, rate_limited: set[tuple[str, str]] | None = None) -> None:
    """Complete every operation's error responses in the OpenAPI schema (see above)."""
    limited = rate_limited or set()
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = plain()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in shared_statuses(operation, (method.upper(), path) in limited):
                    shared = {"description": SHARED[status], "headers": HEADERS.get(status)}
                    responses.setdefault(str(status), {k: v for k, v in shared.items() if v})
                for code, response in responses.items():
                    if code[:1] in "45":
                        _as_problem(response)
                operation["responses"] = dict(sorted(responses.items()))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
