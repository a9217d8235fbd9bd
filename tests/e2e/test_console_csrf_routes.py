"""Every unsafe console route refuses a request without the session's CSRF token.

The routes come from the router, so a new console form cannot be forgotten: it is checked
here unless it is exempted below with the reason. Signed in as an admin (who may do
everything), each route is sent without a token, with a wrong one in the form and with
another session's in the `X-CSRF-Token` header: each must get the CSRF refusal (403 "Form
expired") and change nothing (the audit log, where every change leaves a row, and the
incident as the API shows it are the same). Then the same request with the right token is
not refused for CSRF, and where the form is filled in so that it changes something, the
audit log shows it did: the refusals above were of requests that would have worked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.access import PASSWORD, World, build_world, iter_routes
from warroom.adapters.orm.audit import audit_log
from warroom.bootstrap import Warroom
from warroom.entrypoints.api.app import create_app

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that check something else instead of the session's token, and why.
EXEMPT = {
    # No session exists yet: the sign-in form carries its own token, a signed value that
    # must come back both as the `warroom_login_csrf` cookie (SameSite=Lax) and as the
    # form's field (test_sign_in_refuses_a_form_without_its_token, below).
    ("POST", "/login"),
    # The public status page has no session to ride on. A forged subscription only sends
    # the confirmation mail the address's owner must click (double opt-in), within the
    # subscription rate limit; nothing is subscribed until then.
    ("POST", "/status/subscribe"),
    # One-click unsubscribe (RFC 8058): the signed token in the link is the credential,
    # and it can only unsubscribe the address it was sent to.
    ("POST", "/status/unsubscribe"),
}
# Where a real change is made with the right token, the form that makes it.
CHANGES: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/declare"): {"title": "CSRF probe", "severity": "sev3", "force": "on"},
    ("POST", "/incidents/{ref}/timeline"): {"text": "CSRF probe"},
    ("POST", "/incidents/{ref}/updates"): {"audience": "internal", "text": "CSRF probe"},
    ("POST", "/incidents/{ref}/members"): {"person": "alice"},
    ("POST", "/admin/users/{handle}/role"): {"role": "responder"},
    ("POST", "/admin/users/{handle}/disable"): {},
    ("POST", "/admin/tokens"): {"name": "csrf-probe", "role": "viewer"},
}
# The admin's own session ends here: checked last.
ENDS_SESSION = {("POST", "/logout")}
_REFUSAL = "missing its security token"


@pytest.fixture
def world(wr: Warroom) -> Iterator[World]:
    built = build_world(wr)
    yield built
    built.close()


def console_unsafe_routes(world: World) -> list[tuple[str, str]]:
    """(method, path) of every unsafe route outside the API, from the router."""
    found = [
        (method, path)
        for method, path in iter_routes(world.app)
        if method in UNSAFE and not path.startswith(("/api/", "/v2/"))
    ]
    return sorted(found, key=lambda route: (route in ENDS_SESSION, route))


def _fill(world: World, path: str) -> str:
    tokens = world.api["admin"].get("/api/v1/tokens").json()
    victor = next(t["id"] for t in tokens if t["name"] == "victor-cli")
    out = path.replace("{ref}", world.open_ref).replace("{handle}", "victor")
    out = out.replace("{token_id}", str(victor))
    assert "{" not in out, f"give {path} a real parameter in {__name__}._fill"
    return out


def _state(world: World) -> tuple[int, Any]:
    with world.wr.db.read.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    incident = world.api["admin"].get(f"/api/v1/incidents/{world.open_ref}")
    assert incident.status_code == 200, incident.text
    return int(rows), incident.json()


def _refused_for_csrf(response: Any) -> bool:
    return response.status_code == 403 and _REFUSAL in response.text


def test_the_exemptions_are_still_served(wr: Warroom) -> None:
    served = set(iter_routes(create_app(wr)))
    assert not EXEMPT - served, f"remove from EXEMPT: {sorted(EXEMPT - served)}"
    assert not CHANGES.keys() - served, f"remove from CHANGES: {sorted(CHANGES.keys() - served)}"


def test_every_unsafe_console_route_refuses_a_missing_or_wrong_token(world: World) -> None:
    admin = world.console["admin"]
    right, other = world.csrf["admin"], world.csrf["viewer"]
    assert right != other
    routes = [route for route in console_unsafe_routes(world) if route not in EXEMPT]
    assert len(routes) > 25, routes  # the incident forms, members, admin, account, …
    failures = []
    for method, route in routes:
        path = _fill(world, route)
        data = CHANGES.get((method, route), {})
        before = _state(world)
        attempts = {
            "no token": admin.request(method, path, data=data, follow_redirects=False),
            "a wrong token": admin.request(
                method, path, data={**data, "csrf": right[:-4] + "AAAA"}, follow_redirects=False
            ),
            "another session's token in the header": admin.request(
                method, path, data=data, headers={"X-CSRF-Token": other}, follow_redirects=False
            ),
        }
        for how, response in attempts.items():
            if not _refused_for_csrf(response):
                failures.append(f"{method} {route} with {how}: {response.status_code}")
        if _state(world) != before:
            failures.append(f"{method} {route}: a refused request changed something")
        # The control: with the right token the same request gets past the check.
        done = admin.request(method, path, data={**data, "csrf": right}, follow_redirects=False)
        if done.status_code >= 500 or _refused_for_csrf(done):
            failures.append(f"{method} {route} with the right token: {done.status_code}")
        elif (method, route) in CHANGES and _state(world)[0] == before[0]:
            failures.append(f"{method} {route} with the right token changed nothing")
    assert not failures, "\n".join(failures)


def test_htmx_posts_send_the_token_in_a_header(world: World) -> None:
    """The console's htmx requests send the token as `X-CSRF-Token`: accepted there too."""
    path = f"/incidents/{world.open_ref}/timeline"
    before = _state(world)
    done = world.console["admin"].post(
        path,
        data={"text": "from htmx"},
        headers={"X-CSRF-Token": world.csrf["admin"], "HX-Request": "true"},
    )
    assert done.status_code == 200, done.text
    assert _state(world)[0] == before[0] + 1


def test_sign_in_refuses_a_form_without_its_token(world: World) -> None:
    """The sign-in form's own check: right password, but a missing or foreign form token."""
    client = world.sign_in("anonymous")  # a fresh client, no session
    form = {"handle": "victor", "password": PASSWORD, "next": "/"}
    before = _state(world)
    missing = client.post("/login", data=form, follow_redirects=False)
    client.get("/login")  # the sign-in cookie is set …
    foreign = client.post(  # … but the form's field is another signed value
        "/login",
        data={**form, "csrf": world.wr.settings.require_secret_key()[:8]},
        follow_redirects=False,
    )
    for response in (missing, foreign):
        assert response.status_code == 403, response.text
        assert "form expired" in response.text.lower()
        assert "warroom_session" not in response.headers.get("set-cookie", "")
    assert _state(world) == before  # no session began, no sign-in was recorded
    login = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', login.text)
    assert token
    done = client.post("/login", data={**form, "csrf": token.group(1)}, follow_redirects=False)
    assert done.status_code == 303, done.text
