"""A restricted incident carrying a unique marker must not show on any read path to
someone outside it: every GET route of the router, the console, the status page and its
feeds and JSON, /metrics and the CLI. Its members and admins do see it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from tests.support.access import World, build_world, iter_routes
from tests.support.catalog import CATALOG
from tests.unit.policy_helpers import policy_with
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom
from warroom.domain.policy import Policy
from warroom.entrypoints.cli.client import ApiClient
from warroom.entrypoints.cli.main import app as cli_app
from warroom.entrypoints.cli.state import CliState

MARKER = "zq" + uuid.uuid4().hex[:12]

# Realistic values for path parameters; `{ref}` is the restricted incident.
_PARAMS = {
    "name": "checkout",
    "handle": "emily",
    "item": "assign-commander",
    "number": "1",
    "person": "mia",
    "alert_id": "1",
    "page_id": "1",
}
_QUERIES = {
    "/api/v1/incidents": ["?status=all", "?status=open&service=checkout", "?person=cora"],
    "/api/v1/notifications": ["?limit=1000"],
    "/api/v1/me/next-steps": ["?person=cora", "?person=mia"],
    "/api/v1/alerts": ["?service=checkout"],
    "/": ["?status=all", "?status=open&service=checkout"],
}
_STATUS_PAGES = [
    "/status/",
    "/status/history/",
    "/status/feed.atom",
    "/status/history.atom",
    "/status/api/v2/summary.json",
    "/status/api/v2/status.json",
    "/status/api/v2/components.json",
    "/status/api/v2/incidents.json",
    "/status/api/v2/incidents/unresolved.json",
    "/metrics",
]


# Alerts on `vault` join the open incident of that service (the restricted one, below).
ATTACH = """
[[alert_rules]]
name = "vault-attach"
services = ["vault"]
action = "attach"
"""


@pytest.fixture
def policy() -> Policy:
    return policy_with(ATTACH)


@pytest.fixture
def world(wr: Warroom) -> Iterator[World]:
    built = build_world(wr, marker=MARKER)
    ref = built.restricted_ref
    cora = built.api["commander"]  # a viewer, but commander of the incident: may write on it
    for path, body in (
        (f"/api/v1/incidents/{ref}/timeline", {"text": f"Suspicious logins {MARKER}"}),
        (
            f"/api/v1/incidents/{ref}/updates",
            {"text": f"Contained {MARKER}", "audience": "internal"},
        ),
        (
            f"/api/v1/incidents/{ref}/updates",
            {"text": f"We are on it {MARKER}", "audience": "customers"},
        ),
        (f"/api/v1/incidents/{ref}/customers", {"name": f"Acme {MARKER}"}),
        (
            f"/api/v1/incidents/{ref}/followups",
            {"title": f"Rotate keys {MARKER}", "kind": "prevention"},
        ),
        (f"/api/v1/incidents/{ref}/whys", {"text": f"Because {MARKER}"}),
    ):
        r = cora.post(path, json=body)
        assert r.status_code in (200, 201), (path, r.text)
    r = cora.patch(f"/api/v1/incidents/{ref}", json={"summary": f"Keys leaked {MARKER}"})
    assert r.status_code == 200, r.text
    yield built
    built.close()


def _fill(path: str, ref: str) -> str:
    out = path.replace("{ref}", ref)
    for name, value in _PARAMS.items():
        out = out.replace("{" + name + "}", value)
    assert "{" not in out, f"give {out} a realistic parameter in _PARAMS"
    return out


def _read_paths(world: World) -> list[str]:
    """Every GET route (API and console), filled in, with the interesting queries."""
    paths = []
    for method, path in iter_routes(world.app):
        if method != "GET" or path.startswith(("/login", "/api/docs", "/docs/")):
            continue
        filled = _fill(path, world.restricted_ref)
        paths.append(filled)
        paths.extend(filled + q for q in _QUERIES.get(path, ()))
        if path == "/incidents/{ref}/part/{name}":
            base = f"/incidents/{world.restricted_ref}/part/"
            paths.extend(base + part for part in ("header", "roles", "timeline", "followups"))
    return paths


def _hits(client: TestClient, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        response = client.get(path, follow_redirects=False)
        assert response.status_code < 500, (path, response.text[:300])
        if MARKER in response.text:
            found.append(f"{path} ({response.status_code})")
    return found


def _cli(client: TestClient, *args: str) -> Any:
    state = CliState(client_factory=lambda: ApiClient(client, "http://testserver"))
    return CliRunner().invoke(cli_app, list(args), obj=state, catch_exceptions=False)


@pytest.mark.parametrize("outsider", ["viewer", "responder", "anonymous"])
def test_outsiders_find_the_marker_nowhere(world: World, outsider: str) -> None:
    paths = _read_paths(world)
    assert len(paths) > 60  # the router's GET routes, not a hand-picked few
    api_paths = [p for p in paths if p.startswith("/api/")]
    console_paths = [p for p in paths if not p.startswith("/api/")]
    leaks = _hits(world.api[outsider], api_paths + _STATUS_PAGES)
    leaks += [f"console {p}" for p in _hits(world.console[outsider], console_paths)]
    for args in (
        ("list", "--json"),
        ("list", "--status", "all"),
        ("show", world.restricted_ref),
        ("show", world.restricted_ref, "--json"),
    ):
        result = _cli(world.api[outsider], *args)
        if MARKER in result.output:
            leaks.append(f"warroom {' '.join(args)}")
    assert not leaks, f"{outsider} sees the restricted incident at: {leaks}"


@pytest.mark.parametrize("insider", ["admin", "member", "commander"])
def test_members_and_admins_see_it(world: World, insider: str) -> None:
    ref = world.restricted_ref
    api = world.api[insider]
    for path in (f"/api/v1/incidents/{ref}", "/api/v1/incidents?status=all"):
        assert MARKER in api.get(path).text, path
    timeline = api.get(f"/api/v1/incidents/{ref}/timeline").text
    assert f"Suspicious logins {MARKER}" in timeline
    assert MARKER in world.console[insider].get(f"/incidents/{ref}").text
    assert MARKER in world.console[insider].get("/?status=all").text
    shown = _cli(api, "show", ref)
    assert shown.exit_code == 0 and MARKER in shown.output
    listed = _cli(api, "list", "--json")
    assert MARKER in listed.output
    # The public never does, even through an insider's eyes.
    assert MARKER not in api.get("/status/api/v2/incidents.json").text


def test_the_hidden_incident_reads_exactly_like_a_missing_one(world: World) -> None:
    viewer = world.api["viewer"]
    hidden = viewer.get(f"/api/v1/incidents/{world.restricted_ref}")
    missing = viewer.get("/api/v1/incidents/INC-99")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["title"] == missing.json()["title"]
    assert re.sub(r"INC-\d+", "INC-n", hidden.json()["detail"]) == re.sub(
        r"INC-\d+", "INC-n", missing.json()["detail"]
    )


@pytest.mark.parametrize("outsider", ["viewer", "responder"])
def test_previewing_an_update_reads_like_a_missing_incident(world: World, outsider: str) -> None:
    body = {"template": "announcement", "text": "preview"}
    client = world.api[outsider]
    hidden = client.post(f"/api/v1/incidents/{world.restricted_ref}/updates/preview", json=body)
    missing = client.post("/api/v1/incidents/INC-99/updates/preview", json=body)
    assert hidden.status_code == missing.status_code == 404, hidden.text
    assert hidden.json()["title"] == missing.json()["title"]
    assert MARKER not in hidden.text
    shown = world.api["member"].post(
        f"/api/v1/incidents/{world.restricted_ref}/updates/preview", json=body
    )
    assert shown.status_code == 200 and MARKER in shown.text


def test_queued_messages_carry_it_only_to_members(world: World) -> None:
    """The outbox after a restricted incident on a paged service: whoever is on call (bob,
    not a member) is paged without its title; messages naming it go to members only."""
    admin = world.api["admin"]
    assert admin.post("/api/v1/catalog", json=CATALOG).status_code in (200, 201)
    made = admin.post(
        "/api/v1/incidents",
        json={
            "title": f"Card data exposed {MARKER}",
            "severity": "sev2",
            "visibility": "restricted",
            "services": ["payments-api"],
            "force": True,
        },
    )
    assert made.status_code == 201, made.text
    ref = made.json()["ref"]
    assert admin.post(f"/api/v1/incidents/{ref}/members", json={"person": "mia"}).status_code == 200
    posted = admin.post(
        f"/api/v1/incidents/{ref}/updates",
        json={"text": f"Contained {MARKER}", "audience": "internal"},
    )
    assert posted.status_code == 201, posted.text
    with world.wr.db.read.connect() as conn:
        rows = conn.execute(select(outbox.c.destination, outbox.c.subject, outbox.c.body)).all()
    members = {"root", "mia", "cora"}  # declarer, added member, commander (no addresses)
    to_others = [r for r in rows if r.destination not in members]
    assert any(r.destination == "bob" for r in to_others), rows  # the page: not vacuous
    leaks = [r for r in to_others if MARKER in f"{r.subject}\n{r.body}"]
    assert not leaks, f"messages for non-members name the restricted incident: {leaks}"


def test_the_duplicate_check_offers_it_only_to_those_who_see_it(world: World) -> None:
    body = {"title": f"Checkout fails {MARKER}", "severity": "sev3", "services": ["checkout"]}

    def candidates(role: str) -> list[str]:
        r = world.api[role].post("/api/v1/incidents", json=body)
        assert r.status_code == 409, r.text
        return [c["ref"] for c in r.json()["candidates"]]

    assert world.restricted_ref in candidates("admin")
    offered = candidates("responder")
    assert world.open_ref in offered and world.restricted_ref not in offered


def _am(name: str) -> dict[str, Any]:
    alert = {
        "status": "firing",
        "labels": {"alertname": name, "severity": "critical"},
        "annotations": {"summary": f"{name} is failing"},
        "startsAt": "2026-11-23T09:20:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": f"fp-{name}",
    }
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "truncatedAlerts": 0,
        "alerts": [alert],
    }


def _bodies(kind: str, name: str, key: str) -> dict[str, Any]:
    if kind in ("alertmanager", "grafana"):
        return _am(name)
    if kind == "generic":
        return {"checks": [{"id": name, "name": name, "state": "down"}]}
    return {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": name,
        "payload": {"summary": name, "source": "vault-1", "severity": "critical"},
    }


def test_intake_never_names_a_restricted_incident(world: World) -> None:
    """Senders of alerts are outsiders: answers name no restricted ref or title, even when
    their alert joins it; outsiders reading the alerts and pages do not see it either."""
    admin = world.api["admin"]
    service = admin.put("/api/v1/services/vault", json={"name": "vault"})
    assert service.status_code in (200, 201), service.text
    made = admin.post(
        "/api/v1/incidents",
        json={
            "title": f"Vault keys exposed {MARKER}",
            "severity": "sev2",
            "visibility": "restricted",
            "services": ["vault"],
            "force": True,
        },
    )
    assert made.status_code == 201, made.text
    ref = made.json()["ref"]
    mapping = {"alerts": "checks", "fingerprint": "id", "title": "name", "status": "state"}
    answers = []
    for kind in ("alertmanager", "grafana", "generic", "pagerduty"):
        r = admin.post(
            "/api/v1/integrations",
            json={
                "name": f"vault-{kind}",
                "kind": kind,
                "service": "vault",
                **({"mapping": mapping} if kind == "generic" else {}),
            },
        )
        assert r.status_code == 201, r.text
        key = r.json()["key"]
        name = f"Vault{kind}"
        path = "/v2/enqueue" if kind == "pagerduty" else f"/api/v1/alerts/{kind}"
        for _ in range(2):  # new, then a repeat
            sent = world.api["anonymous"].post(
                path, json=_bodies(kind, name, key), headers={"Authorization": f"Bearer {key}"}
            )
            assert sent.status_code in (200, 202), (kind, sent.text)
            answers.append((kind, sent.text))
        # A malformed event and a wrong key answer without naming it either.
        bad = world.api["anonymous"].post(
            path, json={"nope": 1}, headers={"Authorization": f"Bearer {key}"}
        )
        assert bad.status_code in (400, 422), bad.text
        answers.append((kind, bad.text))
    attached = admin.get("/api/v1/alerts", params={"limit": 100}).json()["data"]
    assert {a["incident_ref"] for a in attached if a["service"] == "vault"} == {ref}
    leaks = [k for k, text in answers if ref in text or MARKER in text]
    assert not leaks, f"intake answers name {ref}: {leaks}"
    alert_ids = [a["id"] for a in attached if a["service"] == "vault"]
    for outsider in ("viewer", "responder"):
        client = world.api[outsider]
        reads = ["/api/v1/alerts?limit=100", "/api/v1/pages", "/api/v1/incidents?status=all"]
        reads += [f"/api/v1/alerts/{i}" for i in alert_ids]
        for path in reads:
            text = client.get(path).text
            assert ref not in text and MARKER not in text, (outsider, path)
    # Acting on such an alert by id answers like a missing alert, naming nothing.
    responder = world.api["responder"]
    for action in ("acknowledge", "resolve"):
        acted = responder.post(f"/api/v1/alerts/{alert_ids[0]}/{action}", json={})
        missing = responder.post(f"/api/v1/alerts/999999/{action}", json={})
        assert acted.status_code == missing.status_code == 404, acted.text
        assert acted.json()["title"] == missing.json()["title"]
        assert ref not in acted.text and MARKER not in acted.text, acted.text
    assert admin.get(f"/api/v1/alerts/{alert_ids[0]}").json()["status"] == "firing"
    assert ref in admin.get(f"/api/v1/alerts/{alert_ids[0]}").text
