"""A drill's scripted alerts and customer reports, entered through the real intake paths.

An alert is written as the Alertmanager webhook a monitoring system would send, parsed by
the same parser, and ingested by the same handler (deduplication, flap damping, the
policy's alert rules) under the `drill` integration, whose key nobody holds. Marked with
the drill's ref, it joins that drill and pages nobody. A customer report is the
`AddCustomer` command the API sends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.adapters.alert_formats import parse_alertmanager, stable_fingerprint
from warroom.domain.checklist_commands import AddCustomer
from warroom.domain.drills import DRILL_AUTHOR, DRILL_INTEGRATION, DrillEvent
from warroom.domain.integrations import Integration, IntegrationKind
from warroom.domain.oncall_commands import IngestAlerts
from warroom.service_layer.handlers.alerts import ingest_alerts
from warroom.service_layer.handlers.customers import add_customer
from warroom.service_layer.handlers.oncall import hash_key, new_key
from warroom.service_layer.messagebus import Context
from warroom.service_layer.unit_of_work import UnitOfWork


def drill_integration(uow: UnitOfWork, now: datetime) -> Integration:
    """The integration drill alerts arrive on, created the first time one fires."""
    found = uow.alerts.integration(DRILL_INTEGRATION)
    if found is not None:
        return found
    made = Integration(
        id=0,
        name=DRILL_INTEGRATION,
        kind=IntegrationKind.ALERTMANAGER,
        created_at=now,
        key_prefix="drill",
    )
    # A random key that is never shown: nothing outside can send on this integration.
    new_id = uow.alerts.add_integration(made, key_hash=hash_key(new_key()))
    return Integration(
        id=new_id, name=made.name, kind=made.kind, created_at=now, key_prefix="drill"
    )


def alertmanager_body(ref: str, event: DrillEvent, started_at: datetime) -> dict[str, Any]:
    """The webhook Alertmanager would send for this scripted alert."""
    labels = {**event.labels, "drill": ref}
    if event.service:
        labels.setdefault("service", event.service)
    labels.setdefault("alertname", "DrillAlert")
    return {
        "version": "4",
        "status": "firing",
        "receiver": "warroom",
        "groupKey": f"drill:{ref}",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": event.text},
                "startsAt": started_at.isoformat(),
                # Same labels in the same drill: the same alert (a repeat); another drill
                # of the same scenario never shares it.
                "fingerprint": stable_fingerprint(ref, sorted(labels.items())),
            }
        ],
    }


def inject_alert(
    ref: str,
    event: DrillEvent,
    *,
    at: datetime,
    data: dict[str, Any],
    uow: UnitOfWork,
    ctx: Context,
) -> dict[str, Any]:
    """Ingest the scripted alert as intake ingests a webhook; the intake's outcome."""
    integration = drill_integration(uow, ctx.clock.now())
    result = ingest_alerts(
        IngestAlerts(
            integration_id=integration.id,
            integration=integration.name,
            service=event.service,
            events=tuple(parse_alertmanager(alertmanager_body(ref, event, at))),
            drill_ref=ref,
            drill_data=data,
        ),
        uow=uow,
        ctx=ctx,
    )
    outcome: dict[str, Any] = result["alerts"][0]
    return outcome


def inject_customer_report(
    ref: str, event: DrillEvent, *, at: datetime, uow: UnitOfWork, ctx: Context
) -> int:
    """Add the reporting customer through the API's command; their number."""
    assert event.customer is not None
    added = add_customer(
        AddCustomer(
            ref=ref,
            name=event.customer,
            by=DRILL_AUTHOR,
            contact=event.contact,
            reported_via=event.reported_via,
            occurred_at=at,
        ),
        uow=uow,
        ctx=ctx,
    )
    return int(added["number"])
