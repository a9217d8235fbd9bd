"""A realistic database for the dump round trip: every table filled through the usual flows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from tests.conftest import Api
from tests.fakes import ManualClock
from tests.support.catalog import CATALOG
from warroom.adapters import chat_state
from warroom.adapters.dump import codec
from warroom.adapters.rate_limit import SharedTokenBuckets
from warroom.bootstrap import Warroom
from warroom.domain import testplan_commands as tc
from warroom.domain.access import AccessRole, Principal
from warroom.domain.durability import NonDurableCategory
from warroom.domain.member_commands import AddMember
from warroom.domain.postmortem_commands import ScheduleRetrospective
from warroom.domain.status_commands import ConfirmSubscription
from warroom.service_layer.demo import seed_demo
from warroom.service_layer.status_demo import seed_status_demo

# Text a dump must carry unchanged: scripts, emoji beyond the BMP, RTL, quotes, controls.
AWKWARD = 'Ünïcødé — 障害 🔥🧯 مرحبا "quoted" \\back\\ tab\there\nnew line\u2028sep \u00a0nbsp'
BIG = {"max": 2**63 - 1, "min": -(2**63), "beyond_float": 2**53 + 1, "flag": True, "none": None}

ALERTMANAGER = {
    "version": "4",
    "groupKey": "{}:{}",
    "status": "firing",
    "receiver": "warroom",
    "groupLabels": {},
    "commonLabels": {},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager.example",
    "truncatedAlerts": 0,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "PaymentsDown", "severity": "critical", "team": "payments"},
            "annotations": {"summary": "Payments are failing 💳"},
            "startsAt": "2026-11-23T09:20:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example/graph",
            "fingerprint": "fp-payments",
        }
    ],
}


def ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def fill(wr: Warroom, api: Api, clock: ManualClock) -> None:
    """Incidents in every stage with roles, timeline, work, checklists, clocks, timers, outbox,
    the status page, the on-call catalog, alerts and pages, customers, chat state."""
    refs = seed_demo(wr.bus, clock.now())
    seed_status_demo(wr.bus, refs)
    ok(api.admin.post("/api/v1/catalog", json=CATALOG))
    now = clock.now()
    components = [c["name"] for c in ok(api.admin.get("/api/v1/status/components"))]
    ok(
        api.admin.post(
            "/api/v1/schedules/payments-primary/overrides",
            json={
                "person": "carol",
                "starts_at": (now + timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=5)).isoformat(),
                "reason": AWKWARD,
            },
        )
    )
    key = ok(
        api.admin.post(
            "/api/v1/integrations",
            json={"name": "am", "kind": "alertmanager", "service": "payments-api"},
        )
    )["key"]
    ok(
        api.anonymous.post(
            "/api/v1/alerts/alertmanager",
            json=ALERTMANAGER,
            headers={"Authorization": f"Bearer {key}"},
        )
    )
    ref = refs[0]
    ok(api.responder.post(f"/api/v1/incidents/{ref}/timeline", json={"text": AWKWARD}))
    ok(
        api.responder.post(
            f"/api/v1/incidents/{ref}/customers",
            json={"name": "Ацме Ltd", "contact": "ops@acme.test", "reported_via": "phone"},
            headers={"Idempotency-Key": "customer-1"},
        )
    )
    ok(
        api.responder.post(
            f"/api/v1/incidents/{ref}/customers/1/contacts",
            json={
                "method": "phone",
                "outcome": "reached",
                "note": AWKWARD,
                "answers": [{"question": "Still broken?", "answer": "Yes 😞"}],
            },
        )
    )
    ok(
        api.admin.post(
            "/api/v1/status/maintenances",
            json={
                "name": "Database upgrade",
                "components": [components[0]],
                "scheduled_for": (now + timedelta(days=1)).isoformat(),
                "scheduled_until": (now + timedelta(days=1, hours=2)).isoformat(),
            },
        )
    )
    wr.bus.handle(ConfirmSubscription(email="fan@example.test", components=(components[0],)))
    with wr.bus.uow_factory() as uow:
        uow.timers.schedule(
            "export:big-ints", kind="noop", due_at=now + timedelta(days=400), now=now, payload=BIG
        )
        uow.commit()
    ines = wr.users.create(
        handle="ines", role=AccessRole.RESPONDER, now=now, name="Inès Łukasz", password="x" * 16
    )
    wr.sessions.begin(
        Principal(name=ines.handle, role=ines.role, user_id=ines.id),
        now=now,
        client_ip="::1",
        user_agent=AWKWARD[:500],
    )
    wr.bus.handle(AddMember(ref=ref, person="ines", by="root"))
    roles = ok(api.viewer.get(f"/api/v1/incidents/{ref}"))["roles"]
    commander = next(r["person"] for r in roles if r["role"] == "commander")
    wr.bus.handle(tc.RequireSigner(ref=ref, person="ines", by=commander))
    wr.bus.handle(tc.RecordFix(ref=ref, text="Rolled back the config 🔙", by="root"))
    wr.bus.handle(
        tc.FlagNonDurable(
            ref=ref, category=NonDurableCategory.DISABLED_CACHE, text=AWKWARD, by="root"
        )
    )
    mitigated = next(
        r
        for r in refs
        if ok(api.viewer.get(f"/api/v1/incidents/{r}"))["stage"] in {"mitigated", "resolved"}
    )
    wr.bus.handle(
        ScheduleRetrospective(
            ref=mitigated,
            by="root",
            starts_at=now + timedelta(hours=2),
            location=AWKWARD,
            force=True,
            reason="the team is away",
        )
    )
    chat_state.set_cursor(wr.db.write, "matrix", "s72594_4483_1934", now=now)
    chat_state.first_sighting(wr.db.write, "slack:v0=abc", now=now, keep=timedelta(days=1))
    SharedTokenBuckets(wr.db.write).take("/login|192.0.2.7", 6, 10)


def rows(conn: Connection, table: Table) -> list[dict[str, Any]]:
    """Every row as the application reads it, in a database-independent order."""
    found = [{str(k): v for k, v in r._mapping.items()} for r in conn.execute(select(table))]
    return sorted(found, key=lambda r: orjson.dumps(r, option=orjson.OPT_SORT_KEYS))


def snapshot(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    return {t.name: rows(conn, t) for t in codec.tables()}
