"""Group commit: one transaction per batch, answered after the commit; a failing request
fails alone (the batch is replayed one transaction each)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from warroom.adapters.orm.alerts import alerts
from warroom.bootstrap import Warroom
from warroom.domain.alerts import AlertEvent, EventAction
from warroom.domain.integrations import IntegrationKind
from warroom.domain.oncall_commands import CreateIntegration, IngestAlerts
from warroom.service_layer.group_commit import GroupCommitWriter


def ingest(integration_id: int, fingerprint: str) -> IngestAlerts:
    event = AlertEvent(fingerprint=fingerprint, action=EventAction.TRIGGER, title=fingerprint)
    return IngestAlerts(
        integration_id=integration_id, integration="am", service=None, events=(event,)
    )


def test_a_bad_request_fails_alone(wr: Warroom) -> None:
    made = wr.bus.handle(CreateIntegration(name="am", kind=IntegrationKind.ALERTMANAGER, by="t"))
    writer = GroupCommitWriter(wr.bus)
    # (command, future, origin of the request that queued it)
    batch: list[tuple[Any, Future[Any], Any]] = [
        (ingest(made["id"], "a"), Future(), None),
        (ingest(9999, "b"), Future(), None),  # no such integration: the insert breaks a foreign key
        (ingest(made["id"], "c"), Future(), None),
    ]
    writer._write(batch)
    assert batch[0][1].result()["alerts"][0]["outcome"] == "new"
    with pytest.raises(IntegrityError):
        batch[1][1].result()
    assert batch[2][1].result()["alerts"][0]["outcome"] == "new"
    with wr.db.read.connect() as conn:
        assert conn.execute(select(func.count()).select_from(alerts)).scalar_one() == 2


def test_submitted_commands_are_committed_in_batches(wr: Warroom) -> None:
    made = wr.bus.handle(CreateIntegration(name="am", kind=IntegrationKind.ALERTMANAGER, by="t"))
    writer = GroupCommitWriter(wr.bus, max_batch=50)
    try:
        futures = [writer.submit(ingest(made["id"], f"fp-{n % 7}")) for n in range(200)]
        outcomes = [f.result(timeout=60)["alerts"][0]["outcome"] for f in futures]
    finally:
        writer.close()
    assert outcomes.count("new") == 7 and outcomes.count("repeat") == 193
    assert writer.commands == 200 and writer.batches <= 200
    with wr.db.read.connect() as conn:
        assert conn.execute(select(func.sum(alerts.c.count))).scalar_one() == 200
