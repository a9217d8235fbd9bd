"""A real Prometheus Alertmanager sends its webhooks to warroom: alerts pushed to it fire,
are grouped, and resolve into exactly the expected alerts and incidents."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import need
from tests.support.catalog import CATALOG
from tests.support.servers import Alertmanager, ThreadedServer, alertmanager_binary
from tests.unit.policy_helpers import policy_with
from warroom import alert_queries
from warroom.adapters.catalog_file import CatalogIn, to_command
from warroom.adapters.orm.incidents import incidents as incidents_table
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole, Principal
from warroom.domain.enums import EntryKind, Stage
from warroom.domain.integrations import IntegrationKind
from warroom.domain.oncall_commands import CreateIntegration
from warroom.entrypoints.api.app import create_app

RULES = """
[[alert_rules]]
name = "payments-critical"
services = ["payments-api"]
match = { severity = "critical" }
action = "attach"
severity = "sev2"

[[alert_rules]]
name = "the-rest"
action = "alert"
"""

ADMIN = Principal(name="root", role=AccessRole.ADMIN)


@pytest.fixture
def stack(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Warroom, Alertmanager]]:
    binary = alertmanager_binary()
    need(
        binary is not None,
        "prometheus-alertmanager is not installed (apt-get install -y prometheus-alertmanager)",
    )
    assert binary is not None
    wr = bootstrap(
        Settings(database_url=sqlite_url, dev=True, token_cache_seconds=0),
        policy=policy_with(RULES),
        migrate=False,
    )
    wr.bus.handle(to_command(CatalogIn(**CATALOG), by="test"))
    key = wr.bus.handle(
        CreateIntegration(
            name="am", kind=IntegrationKind.ALERTMANAGER, by="test", service="payments-api"
        )
    )["key"]
    server = ThreadedServer(create_app(wr))
    server.start()
    am = Alertmanager(
        binary, tmp_path, webhook_url=f"{server.url}/api/v1/alerts/alertmanager", key=key
    )
    try:
        am.wait_ready()
        yield wr, am
    finally:
        am.stop()
        server.stop()
        wr.close()


def prom_alert(name: str, instance: str, severity: str, *, ended: bool = False) -> dict[str, Any]:
    now = datetime.now(UTC)
    alert: dict[str, Any] = {
        "labels": {
            "alertname": name,
            "instance": instance,
            "severity": severity,
            "service": "payments-api",
        },
        "annotations": {"summary": f"{name} on {instance}"},
        "startsAt": (now - timedelta(minutes=1)).isoformat(),
        "generatorURL": "http://prometheus.example/graph",
    }
    if ended:
        alert["endsAt"] = (now - timedelta(seconds=1)).isoformat()
    return alert


def wait_for(check: Callable[[], bool], timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for Alertmanager's webhooks")


def snapshot(wr: Warroom) -> list[dict[str, Any]]:
    with wr.db.read.connect() as conn:
        data: list[dict[str, Any]] = alert_queries.list_alerts(conn, seen_by=ADMIN, limit=100)[
            "data"
        ]
    return sorted(data, key=lambda a: a["title"])


def incidents(wr: Warroom) -> list[str]:
    with wr.db.read.connect() as conn:
        numbers = conn.execute(
            select(incidents_table.c.id)
            .where(incidents_table.c.stage != Stage.CLOSED)
            .order_by(incidents_table.c.id)
        ).scalars()
        return [f"INC-{n}" for n in numbers]


def test_alerts_fire_group_and_resolve(stack: tuple[Warroom, Alertmanager]) -> None:
    wr, am = stack
    firing = [
        prom_alert("PaymentsDown", "web-1", "critical"),
        prom_alert("PaymentsDown", "web-2", "critical"),
        prom_alert("DiskFilling", "db-1", "warning"),
    ]
    am.push(firing)
    wait_for(lambda: len(snapshot(wr)) == 3)
    am.push(firing)  # Prometheus re-sends firing alerts on every evaluation
    time.sleep(2.5)  # beyond group_interval: nothing new to notify
    alerts = snapshot(wr)
    assert [(a["title"], a["status"]) for a in alerts] == [
        ("DiskFilling on db-1", "firing"),
        ("PaymentsDown on web-1", "firing"),
        ("PaymentsDown on web-2", "firing"),
    ]
    assert len({a["fingerprint"] for a in alerts}) == 3
    # one incident for the payments group: the first alert declared it, the second attached
    assert len(incidents(wr)) == 1
    ref = incidents(wr)[0]
    assert {a["incident_ref"] for a in alerts if a["title"].startswith("Payments")} == {ref}
    assert alerts[0]["incident_ref"] is None and alerts[0]["rule"] == "the-rest"
    am.push(
        [
            prom_alert("PaymentsDown", "web-1", "critical", ended=True),
            prom_alert("PaymentsDown", "web-2", "critical", ended=True),
        ]
    )
    wait_for(
        lambda: all(
            a["status"] == "resolved" for a in snapshot(wr) if a["title"].startswith("Payments")
        )
    )
    am.push([prom_alert("DiskFilling", "db-1", "warning", ended=True)])
    wait_for(lambda: all(a["status"] == "resolved" for a in snapshot(wr)))
    alerts = snapshot(wr)
    assert len(alerts) == 3 and len(incidents(wr)) == 1
    with wr.bus.uow_factory() as uow:
        incident = uow.incidents.get(ref)
        texts = [e.text for e in uow.incidents.entries(incident.number, [EntryKind.ALERT])]
    assert sorted(texts) == [
        "Alert firing: PaymentsDown on web-1",
        "Alert firing: PaymentsDown on web-2",
        "Alert resolved: PaymentsDown on web-1",
        "Alert resolved: PaymentsDown on web-2",
    ]
