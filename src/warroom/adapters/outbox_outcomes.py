"""A delivery's outcome on its outbox row: sent, or failed (retried with backoff, or
dead-lettered). Only the worker that holds the message's lease may record it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, update

from warroom.adapters.orm.background import outbox
from warroom.domain.background import DeliveryStatus, OutboundMessage


def backoff(attempt: int, *, base: float = 2.0, cap: float = 600.0) -> timedelta:
    """Exponential backoff with jitter: base * 2^(n-1), capped, then scaled by 0.5 to 1."""
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


def mark_sent(
    conn: Connection,
    ids: list[int],
    *,
    worker: str,
    now: datetime,
    result: dict[str, Any] | None = None,
) -> list[int]:
    """Sent: `result` keeps what the channel answered (room id, event id…), if anything.

    Returns the ids marked: those whose lease `worker` still held.
    """
    if not ids:
        return []
    marked = conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids), outbox.c.locked_by == worker)
        .values(
            status=DeliveryStatus.SENT.value,
            sent_at=now,
            locked_until=None,
            locked_by=None,
            last_error=None,
            **({"result": result} if result else {}),
        )
        .returning(outbox.c.id)
    )
    return list(marked.scalars())


def mark_failed(
    conn: Connection,
    message: OutboundMessage,
    *,
    worker: str,
    now: datetime,
    error: str,
    max_attempts: int,
    permanent: bool = False,
) -> bool | None:
    """Schedule a retry with backoff, or dead-letter after `max_attempts` (or at once).

    Returns True when the message is now a dead letter, False when it will be retried,
    None when `worker` no longer held its lease (nothing recorded).
    """
    attempts = message.attempts + 1
    dead = permanent or attempts >= max_attempts
    marked = conn.execute(
        update(outbox)
        .where(outbox.c.id == message.id, outbox.c.locked_by == worker)
        .values(
            attempts=attempts,
            last_error=error[:2000],
            status=DeliveryStatus.DEAD.value if dead else DeliveryStatus.PENDING.value,
            next_attempt_at=now if dead else now + backoff(attempts),
            locked_until=None,
            locked_by=None,
        )
    )
    return dead if marked.rowcount else None
