"""The worker's record of ordinary deliveries (those that are not declaration steps):
each outcome marked on its outbox row and audited, a wave in one transaction.

A declaration step goes through the bus (`RecordDelivery`), which writes its timeline
entry and audit row. An ordinary message needs neither the bus nor its unit of work:
its audit row is built here, with the same command name and fields, and with the
message's status and attempts before and after — known from the claim, so no row is
read back. The rows of a wave go in with one INSERT executed for all of them (executemany:
a cached statement; a literal multi-row VALUES is compiled anew each time and cost 5x);
a message whose lease another worker took over in the meantime is not marked, and gets
no row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from warroom.adapters.notifiers.base import DeliveryError
from warroom.adapters.orm.audit import audit_log
from warroom.adapters.outbox_outcomes import mark_failed, mark_sent
from warroom.domain.background import DeliveryStatus, OutboundMessage
from warroom.service_layer import audit

Outcome = tuple[OutboundMessage, dict[str, Any] | None, Exception | None]


def error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def record_outcomes(
    conn: Connection, outcomes: list[Outcome], *, worker: str, now: datetime, max_attempts: int
) -> int:
    """Mark each message sent or failed and append its audit row (from the current
    origin: the worker binds its own); returns how many rows were written."""
    rows: list[dict[str, Any]] = []
    bare = [m for m, result, error in outcomes if error is None and not result]
    marked = set(mark_sent(conn, [m.id or 0 for m in bare], worker=worker, now=now))
    for message in bare:
        if message.id in marked:
            rows.append(_row(message, None, None, False, max_attempts, worker, now))
    for message, result, error in outcomes:
        if error is None and result:
            if mark_sent(conn, [message.id or 0], worker=worker, now=now, result=result):
                rows.append(_row(message, result, None, False, max_attempts, worker, now))
        elif error is not None:
            permanent = isinstance(error, DeliveryError) and error.permanent
            dead = mark_failed(
                conn,
                message,
                worker=worker,
                now=now,
                error=str(error),
                max_attempts=max_attempts,
                permanent=permanent,
            )
            if dead is not None:
                rows.append(
                    _row(message, None, error, permanent, max_attempts, worker, now, dead=dead)
                )
    if rows:
        conn.execute(insert(audit_log), rows)
    return len(rows)


def _row(
    message: OutboundMessage,
    result: dict[str, Any] | None,
    error: Exception | None,
    permanent: bool,
    max_attempts: int,
    worker: str,
    now: datetime,
    *,
    dead: bool = False,
) -> dict[str, Any]:
    # RecordDelivery's fields as `audit.command_fields` gives them, built directly (the
    # generic walk was most of the cost per row): no field name is a secret's, and the
    # values that come from outside (the channel's answer, the error) are scrubbed.
    fields = {
        "message_id": message.id or 0,
        "worker": worker,
        "result": None if result is None else audit.jsonable(result, redact=True),
        "error": None if error is None else audit.jsonable(error_text(error), redact=True),
        "permanent": permanent,
        "max_attempts": max_attempts,
    }
    attempts = message.attempts if error is None else message.attempts + 1
    status = (
        DeliveryStatus.SENT
        if error is None
        else DeliveryStatus.DEAD
        if dead
        else DeliveryStatus.PENDING
    )
    ref = message.incident_ref
    change = {
        "entity": "outbox",
        "target": f"{ref}/{message.id}" if ref else str(message.id),
        "op": "update",
        "before": {"status": DeliveryStatus.PENDING.value, "attempts": message.attempts},
        "after": {"status": status.value, "attempts": attempts},
    }
    return audit.row("RecordDelivery", fields, [change], at=now, refs=f",{ref}," if ref else "")
