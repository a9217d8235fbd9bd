"""Commands whose repositories write with Core statements (not the ORM mapping) still
record before and after in their audit rows, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.conftest import Api
from tests.support.catalog import CATALOG
from warroom.bootstrap import Warroom

Check = Callable[[dict[str, Any]], bool]


def _ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def _alert(status: str = "firing") -> dict[str, Any]:
    alert = {
        "status": status,
        "labels": {"alertname": "DiskFull", "severity": "critical"},
        "annotations": {"summary": "Disk is full"},
        "startsAt": "2026-11-23T09:20:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": "fp-disk",
    }
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "status": status,
        "receiver": "warroom",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "truncatedAlerts": 0,
        "alerts": [alert],
    }


def _newest(api: Api, command: str) -> dict[str, Any]:
    rows = _ok(api.admin.get("/api/v1/audit", params={"command": command, "limit": 1}))["data"]
    assert rows, f"no audit row for {command}"
    row: dict[str, Any] = rows[0]
    return row


def _has(row: dict[str, Any], entity: str, op: str, check: Check) -> bool:
    return any(c["entity"] == entity and c["op"] == op and check(c) for c in row["changes"])


def test_core_writes_carry_before_and_after(api: Api, wr: Warroom) -> None:
    _ok(api.admin.post("/api/v1/catalog", json=CATALOG))
    ref = _ok(
        api.responder.post(
            "/api/v1/incidents",
            json={"title": "Disk full on db-1", "severity": "sev2", "force": True},
        )
    )["ref"]
    key = _ok(
        api.admin.post(
            "/api/v1/integrations",
            json={"name": "prom", "kind": "alertmanager", "service": "payments-api"},
        )
    )["key"]

    def send(body: dict[str, Any]) -> None:
        _ok(
            api.anonymous.post(
                "/api/v1/alerts/alertmanager", json=body, headers={"Authorization": f"Bearer {key}"}
            )
        )

    send(_alert())
    new_alert = _newest(api, "IngestAlerts")
    send(_alert())
    repeat = _newest(api, "IngestAlerts")
    alert_id = _ok(api.admin.get("/api/v1/alerts"))["data"][0]["id"]
    _ok(api.responder.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={}))
    _ok(api.responder.post(f"/api/v1/alerts/{alert_id}/resolve", json={}))
    _ok(api.admin.patch("/api/v1/integrations/prom", json={"rate_limit_per_minute": 7}))
    _ok(api.admin.post("/api/v1/integrations/prom/rotate-key"))
    _ok(api.admin.post(f"/api/v1/incidents/{ref}/members", json={"person": "mia"}))
    assert api.admin.delete(f"/api/v1/incidents/{ref}/members/mia").status_code == 204
    component = _ok(api.admin.post("/api/v1/status/components", json={"name": "API"}))
    _ok(
        api.admin.patch(
            f"/api/v1/status/components/{component['id']}", json={"description": "Public API"}
        )
    )
    assert api.admin.delete(f"/api/v1/status/components/{component['id']}").status_code == 204
    now = wr.clock.now()
    override = _ok(
        api.responder.post(
            "/api/v1/schedules/payments-primary/overrides",
            json={
                "person": "bob",
                "starts_at": (now + timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=5)).isoformat(),
            },
        )
    )
    override_id = override.get("id") or override.get("override")
    assert (
        api.responder.delete(
            f"/api/v1/schedules/payments-primary/overrides/{override_id}"
        ).status_code
        == 204
    )
    assert api.admin.delete("/api/v1/integrations/prom").status_code == 204

    expected: list[tuple[dict[str, Any], str, str, Check]] = [
        (
            _newest(api, "CreateIntegration"),
            "integrations",
            "insert",
            lambda c: c["after"]["name"] == "prom" and c["target"] != "new",
        ),
        (
            new_alert,
            "alerts",
            "insert",
            lambda c: c["after"]["title"] == "Disk is full" and c["target"] == str(alert_id),
        ),
        (
            repeat,
            "alerts",
            "update",
            lambda c: c["before"]["count"] == 1 and c["after"]["count"] == 2,
        ),
        (
            _newest(api, "AcknowledgeAlert"),
            "alerts",
            "update",
            lambda c: c["before"]["status"] == "firing" and c["after"]["status"] == "acknowledged",
        ),
        (
            _newest(api, "ResolveAlert"),
            "alerts",
            "update",
            lambda c: c["after"]["status"] == "resolved" and c["target"] == str(alert_id),
        ),
        (
            _newest(api, "UpdateIntegration"),
            "integrations",
            "update",
            lambda c: (
                c["after"] == {"rate_limit_per_minute": 7}
                and c["before"]["rate_limit_per_minute"] != 7
            ),
        ),
        (
            _newest(api, "RotateIntegrationKey"),
            "integrations",
            "update",
            lambda c: c["before"]["key_prefix"] != c["after"]["key_prefix"],
        ),
        (
            _newest(api, "DeleteIntegration"),
            "integrations",
            "delete",
            lambda c: c["before"]["name"] == "prom" and c["after"] == {},
        ),
        (
            _newest(api, "AddMember"),
            "incident_members",
            "insert",
            lambda c: c["after"]["person"] == "mia" and c["target"].startswith("INC-"),
        ),
        (
            _newest(api, "RemoveMember"),
            "incident_members",
            "delete",
            lambda c: c["before"]["person"] == "mia",
        ),
        (
            _newest(api, "AddStatusComponent"),
            "status_components",
            "insert",
            lambda c: c["after"]["name"] == "API",
        ),
        (
            _newest(api, "EditStatusComponent"),
            "status_components",
            "update",
            lambda c: (
                c["before"]["description"] == "" and c["after"]["description"] == "Public API"
            ),
        ),
        (
            _newest(api, "RemoveStatusComponent"),
            "status_components",
            "delete",
            lambda c: c["before"]["name"] == "API",
        ),
        (
            _newest(api, "AddOverride"),
            "schedule_overrides",
            "insert",
            lambda c: c["after"]["person"] == "bob",
        ),
        (
            _newest(api, "RemoveOverride"),
            "schedule_overrides",
            "delete",
            lambda c: c["before"]["person"] == "bob",
        ),
        # Timers are written with an upsert in the declaring command's transaction.
        (
            _newest(api, "DeclareIncident"),
            "timers",
            "insert",
            lambda c: c["after"]["kind"] == "clock.update" and c["target"].startswith("INC-"),
        ),
    ]
    missing = [
        f"{row['command']}: no {op} of {entity} as expected in {row['changes']}"
        for row, entity, op, check in expected
        if not _has(row, entity, op, check)
    ]
    assert not missing, "\n".join(missing)
