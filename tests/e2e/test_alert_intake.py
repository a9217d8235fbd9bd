"""Alert intake over HTTP: Alertmanager, Grafana, generic JSON; dedup, flapping, rules,
rate limits; alerts attached to incidents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import Api, make_warroom
from tests.fakes import ManualClock
from tests.support.catalog import CATALOG
from tests.unit.policy_helpers import policy_with
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom


def am_alert(
    name: str, status: str = "firing", fingerprint: str | None = None, **labels: str
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, "severity": "critical", **labels},
        "annotations": {"summary": f"{name} is failing"},
        "startsAt": "2026-11-23T09:20:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint or f"fp-{name}",
    }


def webhook(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="x"}',
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "truncatedAlerts": 0,
        "alerts": list(alerts),
    }


RULES = """
alert_flap_window = "10m"
alert_flap_threshold = 2

[[alert_rules]]
name = "critical-payments-declare"
services = ["payments-api"]
match = { severity = "critical", team = "payments" }
action = "incident"
severity = "sev2"

[[alert_rules]]
name = "warnings-attach"
match_re = { severity = "warn.*" }
action = "attach"

[[alert_rules]]
name = "info-record"
match = { severity = "info" }
action = "alert"
"""


@pytest.fixture
def app(database_url: str, clock: ManualClock) -> Any:
    wr = make_warroom(database_url, clock, policy_with(RULES))
    yield wr
    wr.close()


@pytest.fixture
def api2(app: Warroom) -> Any:
    client = Api(app)
    client.admin.post("/api/v1/catalog", json=CATALOG)
    yield client
    client.close()


def integration(api: Api, kind: str, **body: Any) -> str:
    response = api.admin.post(
        "/api/v1/integrations",
        json={"name": f"{kind}-1", "kind": kind, "service": "payments-api", **body},
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    assert len(key) == 32
    return key


def send(api: Api, kind: str, key: str, body: Any) -> Any:
    return api.anonymous.post(
        f"/api/v1/alerts/{kind}", json=body, headers={"Authorization": f"Bearer {key}"}
    )


def alerts(api: Api, **params: Any) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = api.viewer.get(
        "/api/v1/alerts", params={"limit": 500, **params}
    ).json()["data"]
    return data


def test_repeats_are_counted_never_new(api2: Api) -> None:
    key = integration(api2, "alertmanager")
    for _ in range(5):
        response = send(api2, "alertmanager", key, webhook(am_alert("Latency", severity="info")))
        assert response.status_code == 200, response.text
    found = alerts(api2)
    assert len(found) == 1
    assert found[0]["count"] == 5 and found[0]["status"] == "firing"
    assert found[0]["rule"] == "info-record" and found[0]["incident_ref"] is None
    send(api2, "alertmanager", key, webhook(am_alert("Latency", "resolved", severity="info")))
    assert alerts(api2)[0]["status"] == "resolved"


def test_rule_declares_an_incident_and_pages(api2: Api, clock: ManualClock) -> None:
    key = integration(api2, "alertmanager")
    body = webhook(
        am_alert("PaymentsDown", team="payments"), am_alert("PaymentsSlow", team="payments")
    )
    assert send(api2, "alertmanager", key, body).status_code == 200
    assert send(api2, "alertmanager", key, body).status_code == 200  # repeats: no new incident
    found = alerts(api2)
    assert {a["count"] for a in found} == {2}
    refs = {a["incident_ref"] for a in found}
    assert len(refs) == 2 and None not in refs
    incidents = api2.viewer.get("/api/v1/incidents").json()
    assert incidents["count"] == 2
    ref = sorted(refs)[0]
    detail = api2.viewer.get(f"/api/v1/incidents/{ref}").json()
    assert detail["severity"] == "sev2" and detail["services"] == ["payments-api"]
    assert any(e["kind"] == "alert" for e in detail["timeline"])
    pages = api2.viewer.get("/api/v1/pages").json()
    assert pages["count"] == 2
    # the week of 2026-11-23 09:00 Paris is bob's (alice from 2026-11-02, weekly)
    assert {p["paged"][0]["person"] for p in pages["data"]} == {"bob"}


def test_warning_attaches_to_the_open_incident(
    api2: Api, declare: Callable[..., dict[str, Any]]
) -> None:
    key = integration(api2, "alertmanager")
    inc = declare("Payments are slow for everyone", services=["payments-api"])
    send(
        api2,
        "alertmanager",
        key,
        webhook(am_alert("QueueDepth", severity="warning", service="payments-api")),
    )
    found = alerts(api2)
    assert found[0]["incident_ref"] == inc["ref"] and found[0]["rule"] == "warnings-attach"
    detail = api2.viewer.get(f"/api/v1/incidents/{inc['ref']}").json()
    assert [e["text"] for e in detail["timeline"] if e["kind"] == "alert"] == [
        "Alert firing: QueueDepth is failing"
    ]
    send(api2, "alertmanager", key, webhook(am_alert("QueueDepth", "resolved", severity="warning")))
    detail = api2.viewer.get(f"/api/v1/incidents/{inc['ref']}").json()
    assert "Alert resolved: QueueDepth is failing" in [e["text"] for e in detail["timeline"]]


def test_flapping_is_damped(api2: Api, app: Warroom, clock: ManualClock) -> None:
    key = integration(api2, "alertmanager")
    firing = webhook(am_alert("Flappy", team="payments"))
    resolved = webhook(am_alert("Flappy", "resolved", team="payments"))
    send(api2, "alertmanager", key, firing)
    for _ in range(3):
        clock.advance(minutes=1)
        send(api2, "alertmanager", key, resolved)
        clock.advance(minutes=1)
        send(api2, "alertmanager", key, firing)
    found = alerts(api2)
    assert len(found) == 1, "re-fires within the window reopen the same alert"
    # two re-fires make it flapping (threshold 2); the third resolve was already held
    assert found[0]["flaps"] == 2 and found[0]["flapping"] is True
    assert found[0]["count"] == 4 and found[0]["status"] == "firing"
    assert api2.viewer.get("/api/v1/incidents").json()["count"] == 1
    assert api2.viewer.get("/api/v1/pages").json()["count"] == 1
    # flapping: a resolve is held until the alert stays quiet for a whole window
    send(api2, "alertmanager", key, resolved)
    assert alerts(api2)[0]["status"] == "firing"
    clock.advance(minutes=11)
    app.make_worker().tick()
    assert alerts(api2)[0]["status"] == "resolved"
    # long after: a new alert (and a new incident)
    clock.advance(minutes=30)
    send(api2, "alertmanager", key, firing)
    assert len(alerts(api2)) == 2
    assert api2.viewer.get("/api/v1/incidents").json()["count"] == 2


def test_grafana_and_generic_with_mapping(api2: Api) -> None:
    grafana_key = integration(api2, "grafana")
    body: dict[str, Any] = {
        "receiver": "warroom",
        "status": "firing",
        "orgId": 1,
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "HighCPU", "severity": "info"},
                "annotations": {},
                "startsAt": "2026-11-23T09:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "",
                "fingerprint": "57c6d9296de2ad39",
                "silenceURL": "",
                "dashboardURL": "http://grafana.example/d/1",
                "panelURL": "",
                "values": {"B": 91.2},
                "valueString": "[ var='B' value=91.2 ]",
            }
        ],
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://grafana.example/",
        "version": "1",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "title": "[FIRING:1] HighCPU",
        "state": "alerting",
        "message": "…",
    }
    assert send(api2, "grafana", grafana_key, body).status_code == 200
    generic_key = api2.admin.post(
        "/api/v1/integrations",
        json={
            "name": "uptime",
            "kind": "generic",
            "service": "payments-api",
            "mapping": {
                "alerts": "checks",
                "fingerprint": "id",
                "title": "name",
                "status": "state",
                "severity": "level",
            },
        },
    ).json()["key"]
    body = {"checks": [{"id": "c1", "name": "Checkout ping", "state": "down", "level": "info"}]}
    response = api2.anonymous.post(f"/api/v1/alerts/generic?key={generic_key}", json=body)
    assert response.status_code == 200, response.text
    body["checks"][0]["state"] = "ok"
    api2.anonymous.post(f"/api/v1/alerts/generic?key={generic_key}", json=body)
    by_title = {a["title"]: a for a in alerts(api2)}
    assert by_title["HighCPU"]["url"] == "http://grafana.example/d/1"
    assert by_title["Checkout ping"]["status"] == "resolved"
    bad = api2.anonymous.post(
        f"/api/v1/alerts/generic?key={generic_key}", json={"checks": [{"id": "x"}]}
    )
    assert bad.status_code == 422 and "[0].name" in bad.json()["detail"]


def test_keys_kinds_and_bad_payloads(api2: Api) -> None:
    key = integration(api2, "alertmanager")
    assert (
        api2.anonymous.post("/api/v1/alerts/alertmanager", json=webhook(am_alert("A"))).status_code
        == 401
    )
    assert send(api2, "alertmanager", "wrong" * 6, webhook(am_alert("A"))).status_code == 401
    assert send(api2, "grafana", key, webhook(am_alert("A"))).status_code == 403
    bad = send(api2, "alertmanager", key, {"alerts": [{"status": "burning"}]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "alerts[0].status"
    raw = api2.anonymous.post(
        "/api/v1/alerts/alertmanager", content=b"{nope", headers={"Authorization": f"Bearer {key}"}
    )
    assert raw.status_code == 400
    rotated = api2.admin.post("/api/v1/integrations/alertmanager-1/rotate-key").json()["key"]
    assert send(api2, "alertmanager", key, webhook(am_alert("A"))).status_code == 401
    assert (
        send(api2, "alertmanager", rotated, webhook(am_alert("A", severity="info"))).status_code
        == 200
    )
    assert alerts(api2)[0]["count"] == 1


def test_rate_limit_answers_429_with_retry_after(api2: Api) -> None:
    key = integration(api2, "alertmanager", rate_limit_per_minute=3)
    codes = [
        send(api2, "alertmanager", key, webhook(am_alert("R", severity="info"))).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    limited = send(api2, "alertmanager", key, webhook(am_alert("R", severity="info")))
    assert int(limited.headers["Retry-After"]) >= 1
    assert alerts(api2)[0]["count"] == 3


def test_page_email_carries_a_signed_ack_link(api2: Api, app: Warroom) -> None:
    key = integration(api2, "alertmanager")
    send(api2, "alertmanager", key, webhook(am_alert("Down", team="payments")))
    with app.db.read.connect() as conn:
        bodies = list(
            conn.execute(select(outbox.c.body).where(outbox.c.destination == "bob")).scalars()
        )
    link = next(line for body in bodies for line in body.splitlines() if "/ack?" in line)
    path = link.split("http://127.0.0.1:8000", 1)[1].removeprefix("Acknowledge: ")
    form = api2.anonymous.get(path)
    assert form.status_code == 200 and "Acknowledge as bob" in form.text
    assert api2.anonymous.get(path.replace("by=bob", "by=carol")).status_code == 403
    done = api2.anonymous.post(path)
    assert done.status_code == 200
    page = api2.viewer.get("/api/v1/pages").json()["data"][0]
    assert page["status"] == "acknowledged" and page["acknowledged_by"] == "bob"
    assert alerts(api2)[0]["status"] == "acknowledged"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("labels", {f"l{i}": "v" for i in range(101)}),
        ("labels", {"k" * 256: "v"}),
        ("labels", {"instance": "x" * 2001}),
        ("annotations", {f"a{i}": "v" for i in range(101)}),
        ("annotations", {"description": "x" * 10_001}),
    ],
    ids=[
        "labels-keys",
        "labels-key-length",
        "labels-value",
        "annotations-keys",
        "annotations-value",
    ],
)
def test_oversize_labels_and_annotations_are_refused(
    api2: Api, app: Warroom, field: str, value: dict[str, str]
) -> None:
    key = integration(api2, "alertmanager")
    oversize = am_alert("Big", severity="info")
    oversize[field] = {**oversize[field], **value}
    response = send(api2, "alertmanager", key, webhook(am_alert("Fine", severity="info"), oversize))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == f"alerts[1].{field}"
    assert f"alerts[1].{field}" in response.json()["detail"]
    assert alerts(api2) == []
    with app.db.read.connect() as conn:
        assert list(conn.execute(select(outbox.c.id))) == []


def test_labels_and_annotations_at_their_bounds_are_accepted(api2: Api) -> None:
    key = integration(api2, "alertmanager")
    alert = am_alert("Edge", severity="info")
    alert["labels"] = {
        "alertname": "Edge",
        "severity": "info",
        **{f"l{i:02}" + "k" * 200: "v" * 2000 for i in range(98)},
    }
    alert["annotations"] = {"summary": "Edge", "description": "d" * 10_000}
    response = send(api2, "alertmanager", key, webhook(alert))
    assert response.status_code == 200, response.text
    assert len(alerts(api2)) == 1
