"""The data version the list's page cache trusts, and the lean reads it caches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, select, update

from warroom import queries
from warroom.adapters.data_version import DataVersion
from warroom.adapters.db import open_database
from warroom.adapters.orm.base import counters
from warroom.bootstrap import Warroom
from warroom.domain import commands
from warroom.domain.enums import EntryKind


def test_the_data_version_moves_with_every_commit_from_any_connection(database_url: str) -> None:
    db = open_database(database_url)
    version = DataVersion(db.read)
    try:
        before = version.current()
        assert before is not None
        if database_url.startswith("sqlite"):
            # Nothing committed: the same token. (PostgreSQL's is cluster-wide: any other
            # database's writes move it too, which only costs a re-read.)
            assert version.current() == before
        other = create_engine(database_url)  # another connection, as another process
        with other.connect() as conn:
            assert conn.execute(select(func.count()).select_from(counters)).scalar_one() > 0
        with other.begin() as conn:
            conn.execute(update(counters).values(value=counters.c.value + 1))
        other.dispose()
        after = version.current()
        assert after != before
    finally:
        version.close()
        db.dispose()


def test_an_in_memory_database_has_no_version() -> None:
    engine = create_engine("sqlite://")
    assert DataVersion(engine).current() is None
    engine.dispose()


def test_lean_reads_give_aware_utc_times_and_parsed_json(wr: Warroom) -> None:
    ref = wr.bus.handle(
        commands.DeclareIncident(
            title="Logging in is broken", severity="sev2", by="emily", services=("auth",)
        )
    )["ref"]
    at = datetime(2026, 11, 23, 9, 34, 0, 123456, tzinfo=UTC)
    wr.bus.handle(
        commands.AddTimelineEntry(ref=ref, kind=EntryKind.NOTE, text="n", by="e", occurred_at=at)
    )
    with wr.db.read.connect() as conn:
        page = queries.list_incidents(conn, queries.IncidentFilter(status="open"))
        entries = queries.timeline(conn, 1, kinds=["note"])
        later = queries.timeline(conn, 1, after=entries[0]["recorded_at"] - timedelta(seconds=1))
        none_after = queries.timeline(conn, 1, after=entries[-1]["recorded_at"])
    item = page["data"][0]
    assert item["services"] == ["auth"]
    assert item["declared_at"].tzinfo is not None
    assert item["declared_at"].utcoffset() == timedelta(0)
    assert item["drill"] is False
    assert entries[-1]["occurred_at"] == at
    assert entries[-1]["kind"] == "note"
    assert isinstance(entries[-1]["data"], dict)
    assert later
    assert none_after == []
