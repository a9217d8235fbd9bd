"""Every route of the app, every kind of caller, an open and a restricted incident.

The routes come from the router, so a new route fails `test_every_route_is_classified`
until it is given an access class in `tests/support/route_access.py`. Each call must get
exactly the answer its class gives that caller:

- admitted: one of the statuses the route gives an admitted call of the matrix's shape
  (`route_access.admitted`): reads of real rows (the incident, the alert and page on it,
  catalog entries) answer 200; writes carry a body of the wrong type (422) or unknown ids
  (404), so an admitted call changes nothing that matters, except the alert and page on the
  incident, which are really acknowledged and resolved so that their handlers are reached;
- no credentials: 401 with `WWW-Authenticate` on the API, a 303 to `/login?next=<path>` in
  the console;
- a role lacking the right: 403 with the refusal naming the rule (not the CSRF refusal,
  which is also a 403);
- an incident (or an alert or page on one) the caller may not see: 404 saying it is not
  found, exactly like a missing one (docs/security.md, `authorize.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import route_access as ra
from tests.support.access import ROLES, World, build_world, iter_routes
from warroom.bootstrap import Warroom
from warroom.entrypoints.api.app import create_app

# Parameters of writes: unknown, so an admitted write finds nothing to change.
_UNKNOWN = {
    "item": "no-such-item",
    "number": "999",
    "person": "nobody",
    "name": "no-such-name",
    "handle": "nobody",
}
# Parameters of reads: real rows (the catalog the world imports, a real user), by the
# path's first segment after /api/v1/.
_REAL = {
    "people": "alice",
    "teams": "payments",
    "services": "payments-api",
    "schedules": "payments-primary",
    "escalation-policies": "payments-escalation",
    "users": "victor",
    "incidents": "header",  # the console's /incidents/{ref}/part/{name}
}
_QUERIES = {"/incidents/{ref}/timeline/older": "?before_at=2100-01-01T00:00:00Z&before_id=1"}
# Bodies other than the wrong-type `[]`: a page is acknowledged for real.
# The refusals of a role: the common rule's, and the customers routes' own wording.
_ROLE_REFUSAL = re.compile(r"role may not|only responders and admins may")
_BODIES: dict[tuple[str, str], Any] = {("POST", "/api/v1/pages/{page_id}/acknowledge"): {}}


@pytest.fixture
def world(wr: Warroom) -> Iterator[World]:
    built = build_world(wr)
    yield built
    built.close()


def test_every_route_is_classified(wr: Warroom) -> None:
    served = set(iter_routes(create_app(wr)))
    unknown = sorted(served - ra.ROUTES.keys())
    assert not unknown, f"classify these routes in {ra.__name__}.ROUTES: {unknown}"
    gone = sorted(ra.ROUTES.keys() - served)
    assert not gone, f"no longer served, remove from {ra.__name__}.ROUTES: {gone}"
    stale = sorted(ra.ADMITTED.keys() - served)
    assert not stale, f"no longer served, remove from {ra.__name__}.ADMITTED: {stale}"


def _sees(role: str, restricted: bool) -> bool:
    return role in ("admin", "member", "commander") or not restricted


def expected(access: str, role: str, restricted: bool) -> str:
    """admitted | login (no credentials) | denied (403) | hidden (404 like a missing one)."""
    if access in (ra.PUBLIC, ra.OWN_CHECK):
        return "admitted"
    if role == "anonymous":
        return "login"
    needs = access.rsplit("-", 1)[-1]  # read | write | admin | user
    if access in (ra.ALERT_READ, ra.ALERT_WRITE):
        # The role's permission first; then the alert or page of a hidden incident is missing.
        if needs == "write" and role not in ("responder", "admin"):
            return "denied"
        return "admitted" if _sees(role, restricted) else "hidden"
    incident = access in ra.INCIDENT_CLASSES
    if incident and not _sees(role, restricted):
        return "hidden"
    if needs in ("read", "user"):
        return "admitted"
    if needs == "admin":
        return "admitted" if role == "admin" else "denied"
    # write: responders and admins; on an incident, its commander too (a working role)
    if role in ("responder", "admin") or (incident and role == "commander"):
        return "admitted"
    return "denied"


def _fill(world: World, method: str, path: str, ref: str) -> str:
    out = path.replace("{ref}", ref)
    out = out.replace("{alert_id}", str(world.alert_ids[ref]))
    out = out.replace("{page_id}", str(world.page_ids[ref]))
    if method == "GET":
        real = _REAL.get(path.split("/")[3] if path.startswith("/api/v1/") else "incidents")
        if real is not None:
            out = re.sub(r"\{(name|handle)\}", real, out)
    for name, value in _UNKNOWN.items():
        out = out.replace("{" + name + "}", value)
    return re.sub(r"\{[a-z_]+\}", "999999", out) + _QUERIES.get(path, "")


def _call(world: World, method: str, route: str, path: str, role: str, console: bool) -> Any:
    if console:
        client = world.console[role]
        if method == "GET":
            return client.get(path, follow_redirects=False)
        data = {"csrf": world.csrf.get(role, "")}
        return client.request(method, path, data=data, follow_redirects=False)
    client = world.api[role]
    if method in ("GET", "DELETE"):
        return client.request(method, path, follow_redirects=False)
    # A JSON array where an object is expected: admitted callers get 422, nothing changes.
    body = _BODIES.get((method, route), [])
    return client.request(method, path, json=body, follow_redirects=False)


def _missing(path: str, ref: str, console: bool) -> str:
    """What the 404 of something the caller may not see says (that it is not found)."""
    if "{alert_id}" in path or "{page_id}" in path:
        kind = "alert" if "{alert_id}" in path else "page"
        return f"{kind} '"
    return f"incident &#39;{ref}&#39; not found" if console else f"incident '{ref}' not found"


def wrong(
    response: Any, want: str, statuses: frozenset[int], path: str, missing: str, console: bool
) -> str | None:
    """Why `response` is not the answer `want` (None when it is)."""
    status, text = response.status_code, response.text
    if status >= 500:
        return f"server error {status}"
    if want == "admitted":
        if status not in statuses:
            return f"admitted: expected {sorted(statuses)}"
        if status == 404 and "incident" in missing and missing in text:
            return "admitted, but answered as a hidden incident"
        return None
    if want == "login":
        if console:
            location = response.headers.get("location", "")
            ok = status == 303 and location == "/login?next=" + path.split("?")[0]
            return None if ok else "expected a 303 to /login?next=<path>"
        ok = status == 401 and "Bearer" in response.headers.get("www-authenticate", "")
        return None if ok else "expected 401 with WWW-Authenticate"
    if want == "denied":
        # The rule's refusal ("the viewer role may not write (…)"), not "Form expired".
        return None if status == 403 and _ROLE_REFUSAL.search(text) else "expected 403 (role)"
    assert want == "hidden"
    return None if status == 404 and missing in text else "expected 404 like a missing one"


@pytest.mark.parametrize("restricted", [False, True], ids=["internal", "restricted"])
def test_authorisation_matrix(world: World, restricted: bool) -> None:
    ref = world.restricted_ref if restricted else world.open_ref
    failures = []
    routes = sorted(ra.ROUTES.items(), key=lambda item: item[0] in ra.ENDS_SESSIONS)
    for (method, route), access in routes:
        if method == "MOUNT":
            continue
        console = not route.startswith(("/api/", "/v2/", "/metrics", "/healthz"))
        path = _fill(world, method, route, ref)
        statuses = ra.admitted(method, route)
        for role in ROLES:
            want = expected(access, role, restricted)
            response = _call(world, method, route, path, role, console)
            missing = _missing(route, ref, console)
            why = wrong(response, want, statuses, path, missing, console)
            if why:
                failures.append(
                    f"{method} {route} as {role}: {why}, got "
                    f"{response.status_code} {response.text[:120]!r}"
                )
    assert not failures, "\n".join(failures)
