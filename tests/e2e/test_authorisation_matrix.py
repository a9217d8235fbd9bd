"""Every route of the app, every kind of caller, an open and a restricted incident.

The routes come from the router, so a new route fails `test_every_route_is_classified`
until it is given an access class below. Requests are made so that an admitted call
cannot change anything that matters (unsafe calls carry a body of the wrong type and
unknown ids), so the statuses tell only whether the caller was let in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.access import ROLES, World, build_world, iter_routes
from warroom.bootstrap import Warroom

# Access classes.
PUBLIC = "public"  # anyone, signed in or not
OWN_CHECK = "own-check"  # its own credential (integration key, Slack signature, signed link)
API_READ, API_WRITE, API_ADMIN = "api-read", "api-write", "api-admin"
API_USER = "api-user"  # a user's own things (/me): a token of a user
INC_READ, INC_WRITE = "incident-read", "incident-write"  # bearer, an incident in the path
WEB_READ, WEB_WRITE = "console-read", "console-write"
WEB_INC_READ, WEB_INC_WRITE = "console-incident-read", "console-incident-write"
WEB_ADMIN = "console-admin"

ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/"): WEB_READ,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("MOUNT", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/login/oidc"): PUBLIC,
    ("GET", "/login/oidc/callback"): PUBLIC,
    ("POST", "/logout"): WEB_READ,
    ("GET", "/declare"): WEB_WRITE,
    ("POST", "/declare"): WEB_WRITE,
    ("GET", "/declare/classify"): WEB_READ,  # a preview of the policy's rules only
    ("GET", "/status"): PUBLIC,
    ("GET", "/status/subscribe"): PUBLIC,
    ("POST", "/status/subscribe"): PUBLIC,
    ("GET", "/status/subscribe/confirm"): PUBLIC,
    ("GET", "/status/unsubscribe"): PUBLIC,
    ("POST", "/status/unsubscribe"): PUBLIC,
    ("GET", "/incidents/{ref}"): WEB_INC_READ,
    ("GET", "/incidents/{ref}/part/{name}"): WEB_INC_READ,
    ("GET", "/incidents/{ref}/poll"): WEB_INC_READ,
    ("GET", "/incidents/{ref}/timeline/older"): WEB_INC_READ,
    ("GET", "/incidents/{ref}/postmortem"): WEB_INC_READ,
    ("GET", "/api/v1/audit"): API_ADMIN,
    ("GET", "/api/v1/audit/export"): API_ADMIN,
    ("POST", "/api/v1/hooks/{name}"): OWN_CHECK,  # Standard Webhooks signature per hook
    **{
        ("POST", f"/incidents/{{ref}}/{action}"): WEB_INC_WRITE
        for action in (
            "acknowledge",
            "answer",
            "checklist/check",
            "experiments",
            "experiments/conclude",
            "followups",
            "followups/close",
            "links",
            "roles",
            "roles/release",
            "severity",
            "stage",
            "test-plan/automated-tests",
            "test-plan/results",
            "test-plan/sign-offs",
            "test-plan/signers",
            "test-plan/steps",
            "timeline",
            "updates",
        )
    },
    # intake: integration keys; PagerDuty-compatible routing keys; Slack signatures
    ("POST", "/api/v1/alerts/alertmanager"): OWN_CHECK,
    ("POST", "/api/v1/alerts/generic"): OWN_CHECK,
    ("POST", "/api/v1/alerts/grafana"): OWN_CHECK,
    ("POST", "/v2/enqueue"): OWN_CHECK,
    ("POST", "/api/v1/slack/commands"): OWN_CHECK,
    ("POST", "/api/v1/slack/interactivity"): OWN_CHECK,
    ("GET", "/api/v1/pages/{page_id}/ack"): OWN_CHECK,
    ("POST", "/api/v1/pages/{page_id}/ack"): OWN_CHECK,
    # alerts and pages
    ("GET", "/api/v1/alerts"): API_READ,
    ("GET", "/api/v1/alerts/{alert_id}"): API_READ,
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): API_WRITE,
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): API_WRITE,
    ("GET", "/api/v1/pages"): API_READ,
    ("GET", "/api/v1/pages/{page_id}"): API_READ,
    ("POST", "/api/v1/pages/{page_id}/acknowledge"): API_WRITE,
    ("GET", "/api/v1/integrations"): API_ADMIN,
    ("POST", "/api/v1/integrations"): API_ADMIN,
    ("DELETE", "/api/v1/integrations/{name}"): API_ADMIN,
    ("PATCH", "/api/v1/integrations/{name}"): API_ADMIN,
    ("POST", "/api/v1/integrations/{name}/rotate-key"): API_ADMIN,
    # the catalog: readers read, responders write, admins import and delete
    ("GET", "/api/v1/catalog"): API_READ,
    ("POST", "/api/v1/catalog"): API_ADMIN,
    **{
        (method, f"/api/v1/{kind}{suffix}"): access
        for kind in ("people", "teams", "services", "schedules", "escalation-policies")
        for method, suffix, access in (
            ("GET", "", API_READ),
            ("GET", "/{key}", API_READ),
            ("PUT", "/{key}", API_WRITE),
            ("DELETE", "/{key}", API_ADMIN),
        )
    },
    ("GET", "/api/v1/people/{handle}/calendar.ics"): API_READ,
    ("GET", "/api/v1/schedules/{name}/calendar.ics"): API_READ,
    ("GET", "/api/v1/schedules/{name}/coverage"): API_READ,
    ("GET", "/api/v1/schedules/{name}/oncall"): API_READ,
    ("GET", "/api/v1/schedules/{name}/overrides"): API_READ,
    ("POST", "/api/v1/schedules/{name}/overrides"): API_WRITE,
    ("DELETE", "/api/v1/schedules/{name}/overrides/{override_id}"): API_WRITE,
    ("GET", "/api/v1/oncall"): API_READ,
    ("GET", "/api/v1/matrix"): API_READ,
    ("GET", "/api/v1/metrics"): API_READ,
    ("GET", "/api/v1/metrics.csv"): API_READ,
    ("POST", "/api/v1/drills"): API_WRITE,
    ("GET", "/api/v1/drills/{ref}/report"): INC_READ,
    ("GET", "/api/v1/drills/{ref}/report.md"): INC_READ,
    ("GET", "/dashboard"): WEB_READ,
    ("GET", "/dashboard.csv"): WEB_READ,
    ("GET", "/matrix"): WEB_READ,
    ("GET", "/matrix.md"): WEB_READ,
    # incidents
    ("GET", "/api/v1/incidents"): API_READ,
    ("POST", "/api/v1/incidents"): API_WRITE,
    ("GET", "/api/v1/incidents/{ref}"): INC_READ,
    ("PATCH", "/api/v1/incidents/{ref}"): INC_WRITE,
    ("GET", "/api/v1/incidents/{ref}/checklist"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/clocks"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/durability"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/test-plan"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/members"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/next-steps"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/notifications"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/postmortem"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/postmortem.html"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/postmortem.pdf"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/retrospective/meeting"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/questions"): INC_READ,
    ("GET", "/api/v1/incidents/{ref}/timeline"): INC_READ,
    ("POST", "/api/v1/incidents/{ref}/updates/preview"): INC_READ,  # renders, saves nothing
    # customers are personal data: reading them needs the right to write on the incident
    ("GET", "/api/v1/incidents/{ref}/customers"): INC_WRITE,
    **{
        (method, f"/api/v1/incidents/{{ref}}/{path}"): INC_WRITE
        for method, path in (
            ("POST", "acknowledge"),
            ("POST", "checklist/{item}/check"),
            ("POST", "checklist/{item}/reopen"),
            ("POST", "checklist/{item}/skip"),
            ("POST", "customers"),
            ("POST", "durability"),
            ("POST", "durability/{number}/waive"),
            ("POST", "fixes"),
            ("POST", "test-plan/automated-tests"),
            ("POST", "test-plan/sign-offs"),
            ("POST", "test-plan/signers"),
            ("POST", "test-plan/steps"),
            ("POST", "test-plan/steps/{number}/results"),
            ("PATCH", "customers/{number}"),
            ("POST", "customers/{number}/contacts"),
            ("POST", "customers/{number}/verification"),
            ("POST", "experiments"),
            ("POST", "experiments/{number}/conclude"),
            ("POST", "followups"),
            ("PATCH", "followups/{number}"),
            ("POST", "members"),
            ("DELETE", "members/{person}"),
            ("PUT", "postmortem"),
            ("POST", "postmortem/publish"),
            ("PUT", "postmortem/customers"),
            ("POST", "postmortem/customers/publish"),
            ("POST", "retrospective/schedule"),
            ("POST", "release-everyone"),
            ("POST", "retrospective"),
            ("POST", "roles"),
            ("POST", "roles/release"),
            ("POST", "severity"),
            ("POST", "stage"),
            ("POST", "timeline"),
            ("POST", "updates"),
            ("POST", "whys"),
        )
    },
    ("GET", "/api/v1/me"): API_USER,
    ("GET", "/api/v1/me/next-steps"): API_READ,
    ("GET", "/api/v1/me/tokens"): API_USER,
    ("POST", "/api/v1/me/tokens"): API_USER,
    ("DELETE", "/api/v1/me/tokens/{token_id}"): API_USER,
    ("GET", "/api/v1/notifications"): API_READ,
    ("POST", "/api/v1/notifications/{message_id}/retry"): API_ADMIN,
    ("GET", "/api/v1/templates"): API_READ,
    ("GET", "/api/v1/policy"): API_READ,
    ("GET", "/api/v1/status/components"): API_READ,
    ("POST", "/api/v1/status/components"): API_ADMIN,
    ("DELETE", "/api/v1/status/components/{component_id}"): API_ADMIN,
    ("PATCH", "/api/v1/status/components/{component_id}"): API_ADMIN,
    ("GET", "/api/v1/status/maintenances"): API_READ,
    ("POST", "/api/v1/status/maintenances"): API_ADMIN,
    ("DELETE", "/api/v1/status/maintenances/{maintenance_id}"): API_ADMIN,
    ("PATCH", "/api/v1/status/maintenances/{maintenance_id}"): API_ADMIN,
    ("GET", "/api/v1/tokens"): API_ADMIN,
    ("POST", "/api/v1/tokens"): API_ADMIN,
    ("DELETE", "/api/v1/tokens/{token_id}"): API_ADMIN,
    ("GET", "/api/v1/users"): API_ADMIN,
    ("PATCH", "/api/v1/users/{handle}"): API_ADMIN,
    ("GET", "/api/v1/users/{handle}/sessions"): API_ADMIN,
    ("DELETE", "/api/v1/users/{handle}/sessions"): API_ADMIN,
    ("GET", "/api/v1/me/sessions"): API_USER,
    ("DELETE", "/api/v1/me/sessions"): API_USER,
    ("GET", "/account"): WEB_READ,
    ("POST", "/account/sessions/end-others"): WEB_READ,
    ("GET", "/admin/users"): WEB_ADMIN,
    ("POST", "/admin/users"): WEB_ADMIN,
    ("POST", "/admin/users/{handle}/role"): WEB_ADMIN,
    ("POST", "/admin/users/{handle}/disable"): WEB_ADMIN,
    ("POST", "/admin/users/{handle}/enable"): WEB_ADMIN,
    ("POST", "/admin/users/{handle}/end-sessions"): WEB_ADMIN,
    ("GET", "/admin/tokens"): WEB_ADMIN,
    ("POST", "/admin/tokens"): WEB_ADMIN,
    ("POST", "/admin/tokens/{token_id}/revoke"): WEB_ADMIN,
    ("GET", "/incidents/{ref}/members"): WEB_INC_READ,
    ("POST", "/incidents/{ref}/members"): WEB_INC_WRITE,
    ("POST", "/incidents/{ref}/members/remove"): WEB_INC_WRITE,
}
# Routes that end the caller's console sessions run last, so the others still find them.
ENDS_SESSIONS = {("POST", "/logout"), ("DELETE", "/api/v1/me/sessions")}
# Catalog paths use their own parameter names.
_KEYS = {
    "people": "handle",
    "teams": "name",
    "services": "name",
    "schedules": "name",
    "escalation-policies": "name",
}
ROUTES = {
    (m, p.replace("{key}", "{" + _KEYS[p.split("/")[3]] + "}") if "{key}" in p else p): a
    for (m, p), a in ROUTES.items()
}

INCIDENT_CLASSES = {INC_READ, INC_WRITE, WEB_INC_READ, WEB_INC_WRITE}
_PARAMS = {
    "item": "no-such-item",
    "number": "999",
    "person": "nobody",
    "name": "no-such-name",
    "handle": "nobody",
}


@pytest.fixture
def world(wr: Warroom) -> Iterator[World]:
    built = build_world(wr)
    yield built
    built.close()


def test_every_route_is_classified(world: World) -> None:
    served = set(iter_routes(world.app))
    unknown = sorted(served - ROUTES.keys())
    assert not unknown, f"classify these routes in {__name__}.ROUTES: {unknown}"
    gone = sorted(ROUTES.keys() - served)
    assert not gone, f"no longer served, remove from ROUTES: {gone}"


def _expected(access: str, role: str, restricted: bool) -> str:
    """allowed | login (401 / sign-in page) | denied (403) | hidden (404 like a missing one)."""
    if access in (PUBLIC, OWN_CHECK):
        return access
    if role == "anonymous":
        return "login"
    incident = access in INCIDENT_CLASSES
    sees = role in ("admin", "member", "commander") or not restricted
    if incident and not sees:
        return "hidden"
    needs = access.rsplit("-", 1)[-1]  # read | write | admin | user
    if needs in ("read", "user"):
        return "allowed"
    if needs == "admin":
        return "allowed" if role == "admin" else "denied"
    # write: responders and admins; on an incident, its commander too (a working role)
    if role in ("responder", "admin") or (incident and role == "commander"):
        return "allowed"
    return "denied"


def _path(path: str, ref: str) -> str:
    out = path.replace("{ref}", ref)
    for name, value in _PARAMS.items():
        out = out.replace("{" + name + "}", value)
    return re.sub(r"\{[a-z_]+\}", "999999", out)


def _call(world: World, method: str, path: str, role: str, console: bool) -> Any:
    if console:
        client = world.console[role]
        data = {"csrf": world.csrf.get(role, "")}
        if method == "GET":
            return client.get(path, follow_redirects=False)
        return client.request(method, path, data=data, follow_redirects=False)
    client = world.api[role]
    if method in ("GET", "DELETE"):
        return client.request(method, path, follow_redirects=False)
    # A JSON array where an object is expected: admitted callers get 422, nothing changes.
    return client.request(method, path, json=[], follow_redirects=False)


def _outcome(response: Any, console: bool, hidden_detail: str) -> str:
    status = response.status_code
    assert status < 500, (status, response.text[:500])
    location = response.headers.get("location", "")
    if status == 401 or (status == 303 and location.startswith("/login?next=")):
        return "login"
    if status == 403:
        return "denied"
    if status == 404 and hidden_detail in response.text:
        return "hidden"
    return "allowed"


@pytest.mark.parametrize("restricted", [False, True], ids=["internal", "restricted"])
def test_authorisation_matrix(world: World, restricted: bool) -> None:
    ref = world.restricted_ref if restricted else world.open_ref
    hidden_detail = f"incident &#39;{ref}&#39; not found"
    failures = []
    routes = sorted(ROUTES.items(), key=lambda item: item[0] in ENDS_SESSIONS)
    for (method, path), access in routes:
        if method == "MOUNT":
            continue
        console = not path.startswith(("/api/", "/v2/", "/metrics", "/healthz"))
        for role in ROLES:
            expected = _expected(access, role, restricted)
            response = _call(world, method, _path(path, ref), role, console)
            detail = hidden_detail if console else f"incident '{ref}' not found"
            got = _outcome(response, console, detail)
            if expected == PUBLIC:
                # (public forms may still answer 403 to a missing form token)
                ok = got not in ("login", "hidden")
            elif expected == OWN_CHECK:
                ok = response.status_code in (400, 401, 403, 404, 422)
            else:
                ok = got == expected
            if not ok:
                failures.append(
                    f"{method} {path} as {role}: expected {expected}, got "
                    f"{response.status_code} {response.text[:120]!r}"
                )
    assert not failures, "\n".join(failures)
