"""A world for access tests: users of every role, an open and a restricted incident, an
alert and a page on each, and clients (API tokens and signed-in console sessions) for each
role; routes listed from the router."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from sqlalchemy import update
from starlette.routing import Mount
from starlette.testclient import TestClient

from tests.support.catalog import CATALOG
from warroom.adapters.orm.alerts import alerts
from warroom.adapters.orm.oncall import pages
from warroom.adapters.repository import parse_ref
from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole
from warroom.entrypoints.api.app import create_app

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')

# Who asks: anonymous, the three access roles, a viewer added as a member of both
# incidents, and a viewer who is commander of both.
ROLES = ("anonymous", "viewer", "responder", "admin", "member", "commander")
_USERS = {
    "viewer": ("victor", AccessRole.VIEWER),
    "responder": ("emily", AccessRole.RESPONDER),
    "admin": ("root", AccessRole.ADMIN),
    "member": ("mia", AccessRole.VIEWER),
    "commander": ("cora", AccessRole.VIEWER),
}


def iter_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route the app serves, included routers flattened."""

    def walk(routes: Any) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # an included router
                for ctx in route.effective_route_contexts():
                    for method in getattr(ctx.original_route, "methods", None) or ():
                        yield method, ctx.path
            elif isinstance(route, Mount):
                yield "MOUNT", route.path
            else:
                for method in getattr(route, "methods", None) or ():
                    yield method, route.path

    seen = set()
    for method, path in walk(app.routes):
        if method != "HEAD" and (method, path) not in seen:
            seen.add((method, path))
            yield method, path


@dataclass
class World:
    wr: Warroom
    app: FastAPI
    api: dict[str, TestClient] = field(default_factory=dict)
    console: dict[str, TestClient] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    open_ref: str = ""
    restricted_ref: str = ""
    # An alert and the page it opened, on each incident: {ref: id}.
    alert_ids: dict[str, int] = field(default_factory=dict)
    page_ids: dict[str, int] = field(default_factory=dict)

    def sign_in(self, role: str) -> TestClient:
        """A console client signed in with the user's password."""
        client = TestClient(self.app, raise_server_exceptions=False)
        if role == "anonymous":
            return client
        handle = _USERS[role][0]
        login = client.get("/login")
        token = _CSRF.search(login.text)
        assert token, login.text
        response = client.post(
            "/login",
            data={"handle": handle, "password": PASSWORD, "csrf": token.group(1), "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = client.get("/")
        found = _CSRF.search(page.text)
        assert found, page.text
        self.csrf[role] = found.group(1)
        return client

    def close(self) -> None:
        for client in [*self.api.values(), *self.console.values()]:
            client.close()


def build_world(wr: Warroom, *, marker: str = "") -> World:
    """Users, tokens, sessions and two incidents: INC-1 internal, INC-2 restricted (titled
    with `marker`)."""
    app = create_app(wr)
    world = World(wr, app)
    now = wr.clock.now()
    for role, (handle, access) in _USERS.items():
        user = wr.users.create(handle=handle, role=access, now=now, password=PASSWORD)
        scope = AccessRole.ADMIN  # the widest scope: the user's role is what caps it
        token, _ = wr.tokens.create(name=f"{handle}-cli", role=scope, now=now, user_id=user.id)
        world.api[role] = TestClient(
            app, headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False
        )
    world.api["anonymous"] = TestClient(app, raise_server_exceptions=False)
    root = world.api["admin"]  # declares: a declarer is a member of what they declare
    refs = []
    for visibility in ("internal", "restricted"):
        r = root.post(
            "/api/v1/incidents",
            json={
                "title": f"Checkout fails {marker if visibility == 'restricted' else ''}".strip(),
                "severity": "sev2",
                "visibility": visibility,
                "force": True,
                "services": ["checkout"],
            },
        )
        assert r.status_code == 201, r.text
        ref = r.json()["ref"]
        refs.append(ref)
        r = root.post(f"/api/v1/incidents/{ref}/members", json={"person": "mia"})
        assert r.status_code == 200, r.text
        r = root.post(
            f"/api/v1/incidents/{ref}/roles", json={"role": "commander", "person": "cora"}
        )
        assert r.status_code == 200, r.text
    world.open_ref, world.restricted_ref = refs
    _alerts_and_pages(world)
    for role in ROLES:
        world.console[role] = world.sign_in(role)
    return world


def _alerts_and_pages(world: World) -> None:
    """A real alert per incident, through intake: `payments-api` has an escalation policy,
    so each alert opens a page. Intake attaches alerts to an incident only by a policy rule
    (which this world's policy may not have), so each alert and its page are then tied to
    one incident in the tables, as an `attach` rule would have done."""
    root = world.api["admin"]
    r = root.post("/api/v1/catalog", json=CATALOG)
    assert r.status_code == 200, r.text
    r = root.post(
        "/api/v1/integrations",
        json={"name": "access-am", "kind": "alertmanager", "service": "payments-api"},
    )
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    for ref in (world.open_ref, world.restricted_ref):
        alert = {
            "status": "firing",
            "labels": {"alertname": f"Down{ref}", "severity": "critical"},
            "annotations": {"summary": "payments are failing"},
            "startsAt": world.wr.clock.now().isoformat(),
            "fingerprint": f"access-{ref}",
        }
        sent = world.api["anonymous"].post(
            "/api/v1/alerts/alertmanager",
            json={"version": "4", "status": "firing", "alerts": [alert]},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert sent.status_code == 200, sent.text
        alert_id = sent.json()["alerts"][0]["alert"]
        number = parse_ref(ref)
        with world.wr.db.write.begin() as conn:
            conn.execute(update(alerts).where(alerts.c.id == alert_id).values(incident_id=number))
            page_id = conn.execute(
                update(pages)
                .where(pages.c.alert_id == alert_id)
                .values(incident_id=number)
                .returning(pages.c.id)
            ).scalar_one()
        world.alert_ids[ref], world.page_ids[ref] = alert_id, page_id
