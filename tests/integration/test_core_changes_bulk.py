"""Many rows upserted in one statement (a customer update to every subscriber) are each
recorded once, with the key the database gave them; rows the upsert met are not."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from warroom.adapters.background import _upsert
from warroom.adapters.core_changes import CoreChanges
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom


def _row(key: str, now: Any) -> dict[str, Any]:
    return {
        "key": key,
        "channel": "email",
        "destination": f"{key}@example.test",
        "subject": "Logging in is fixed",
        "body": "Logging in works again.",
        "payload": {},
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def test_a_bulk_upsert_records_each_new_row_once(wr: Warroom) -> None:
    now = wr.clock.now()
    seen: list[dict[str, Any]] = []
    with wr.db.write.begin() as conn:
        conn.execute(outbox.insert(), [_row("old-1", now)])
    with wr.db.write.begin() as conn:
        CoreChanges(seen.append, str).watch(conn)
        stmt = _upsert(conn.dialect.name)(outbox).on_conflict_do_nothing(index_elements=["key"])
        keys = ["old-1", *(f"new-{i}" for i in range(1200))]  # more than one read-back chunk
        conn.execute(stmt, [_row(k, now) for k in keys])
        ids = dict(conn.execute(select(outbox.c.key, outbox.c.id)).all())
    assert [c["op"] for c in seen] == ["insert"] * 1200
    assert sorted(c["after"]["key"] for c in seen) == sorted(keys[1:])
    assert {c["target"] for c in seen} == {str(ids[k]) for k in keys[1:]}
    assert all(c["after"]["destination"] == f"{c['after']['key']}@example.test" for c in seen)
