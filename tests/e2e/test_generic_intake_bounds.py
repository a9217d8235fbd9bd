"""The generic JSON intake format keeps to the same bounds as the other formats' maps:
labels, annotations and the single values its mapping points at; refused with 422
naming the field, nothing stored. An integration's mapping is bounded the same way."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import Api, make_warroom
from tests.fakes import ManualClock
from tests.support.catalog import CATALOG
from tests.unit.policy_helpers import policy_with
from warroom.adapters.orm.alerts import alerts
from warroom.adapters.orm.background import outbox
from warroom.adapters.orm.incidents import incidents
from warroom.bootstrap import Warroom

# An accepted alert of this team and severity declares an incident.
RULES = """
[[alert_rules]]
name = "critical-payments-declare"
services = ["payments-api"]
match = { severity = "critical", team = "payments" }
action = "incident"
severity = "sev2"
"""

MAPPING = {"alerts": "checks", "title": "name", "labels": "tags", "annotations": "notes"}


@pytest.fixture
def app(database_url: str, clock: ManualClock) -> Any:
    wr = make_warroom(database_url, clock, policy_with(RULES))
    yield wr
    wr.close()


@pytest.fixture
def api(app: Warroom) -> Any:
    client = Api(app)
    client.admin.post("/api/v1/catalog", json=CATALOG)
    yield client
    client.close()


@pytest.fixture
def key(api: Api) -> str:
    response = api.admin.post(
        "/api/v1/integrations",
        json={"name": "uptime", "kind": "generic", "service": "payments-api", "mapping": MAPPING},
    )
    assert response.status_code == 201, response.text
    value: str = response.json()["key"]
    return value


def check(name: str) -> dict[str, Any]:
    return {
        "id": f"c-{name}",
        "name": name,
        "severity": "critical",
        "tags": {"team": "payments"},
        "notes": {"summary": f"{name} is down"},
    }


def send(api: Api, key: str, *checks: dict[str, Any]) -> Any:
    return api.anonymous.post(
        "/api/v1/alerts/generic",
        json={"checks": list(checks)},
        headers={"Authorization": f"Bearer {key}"},
    )


def stored(app: Warroom) -> tuple[int, int, int]:
    """(alerts, incidents, queued messages)."""
    with app.db.read.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (alerts, incidents, outbox)
        )


@pytest.mark.parametrize(
    ("field", "change", "fragment"),
    [
        ("tags", {"tags": {f"l{i}": "v" for i in range(101)}}, "at most 100 keys"),
        ("tags", {"tags": {"k" * 256: "v"}}, "longer than 255"),
        ("tags", {"tags": {"instance": "x" * 2001}}, "longer than 2000"),
        ("tags", {"tags": {"nested": {"deep": "x" * 2000}}}, "longer than 2000"),
        ("notes", {"notes": {f"a{i}": "v" for i in range(101)}}, "at most 100 keys"),
        ("notes", {"notes": {"description": "x" * 10_001}}, "longer than 10000"),
        ("name", {"name": "T" * 2001}, "longer than 2000"),
        ("source", {"source": "s" * 2001}, "longer than 2000"),
        ("severity", {"severity": "critical" * 300}, "longer than 2000"),
    ],
    ids=[
        "labels-keys",
        "labels-key-length",
        "labels-value",
        "labels-nested-value",
        "annotations-keys",
        "annotations-value",
        "title",
        "source",
        "severity",
    ],
)
def test_oversize_generic_alerts_are_refused(
    api: Api, app: Warroom, key: str, field: str, change: dict[str, Any], fragment: str
) -> None:
    response = send(api, key, check("Fine"), {**check("Big"), **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    error = response.json()["errors"][0]
    assert error["field"] == f"checks[1].{field}"
    assert fragment in error["message"]
    assert f"checks[1].{field}" in response.json()["detail"]
    assert stored(app) == (0, 0, 0)
    assert api.viewer.get("/api/v1/incidents").json()["count"] == 0


def test_generic_alerts_at_their_bounds_are_accepted(api: Api, app: Warroom, key: str) -> None:
    edge = check("E" * 2000)
    edge["tags"] = {"team": "payments", **{f"l{i:02}" + "k" * 200: "v" * 2000 for i in range(99)}}
    edge["notes"] = {"summary": "Edge", "description": "d" * 10_000}
    edge["source"] = "s" * 2000
    response = send(api, key, edge)
    assert response.status_code == 200, response.text
    assert stored(app)[:2] == (1, 1)


def test_an_integrations_mapping_is_bounded(api: Api) -> None:
    for mapping in (
        {f"k{i}": "x" for i in range(101)},
        {"title": "x" * 2001},
        {"resolved_values": ["ok" * 1000, "x"]},
    ):
        made = api.admin.post(
            "/api/v1/integrations",
            json={"name": "big", "kind": "generic", "mapping": mapping},
        )
        assert made.status_code == 422, made.text
        assert "mapping" in made.text
    assert (
        api.admin.post(
            "/api/v1/integrations", json={"name": "fine", "kind": "generic", "mapping": MAPPING}
        ).status_code
        == 201
    )
    changed = api.admin.patch("/api/v1/integrations/fine", json={"mapping": {"title": "x" * 2001}})
    assert changed.status_code == 422, changed.text
    listed = api.admin.get("/api/v1/integrations").json()
    assert next(i for i in listed if i["name"] == "fine")["mapping"] == MAPPING
