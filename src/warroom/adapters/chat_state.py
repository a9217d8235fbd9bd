"""Chat state in the database: sync cursors and the replay guard for inbound requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from warroom.adapters.orm.chat import chat_cursors, chat_seen


def _insert(engine: Engine) -> Any:
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


def get_cursor(engine: Engine, name: str) -> str | None:
    with engine.connect() as conn:
        value: str | None = conn.execute(
            select(chat_cursors.c.value).where(chat_cursors.c.name == name)
        ).scalar_one_or_none()
    return value


def set_cursor(engine: Engine, name: str, value: str, *, now: datetime) -> None:
    stmt = _insert(engine)(chat_cursors).values(name=name, value=value, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"], set_={"value": value, "updated_at": now}
    )
    with engine.begin() as conn:
        conn.execute(stmt)


def first_sighting(engine: Engine, key: str, *, now: datetime, keep: timedelta) -> bool:
    """Record `key`; False if it was seen before (a replay). Forgets keys older than `keep`."""
    stmt = _insert(engine)(chat_seen).values(key=key, seen_at=now)
    with engine.begin() as conn:
        conn.execute(delete(chat_seen).where(chat_seen.c.seen_at < now - keep))
        # RETURNING, not rowcount: psycopg reports no usable rowcount for DO NOTHING.
        inserted = conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["key"]).returning(chat_seen.c.key)
        ).first()
    return inserted is not None
