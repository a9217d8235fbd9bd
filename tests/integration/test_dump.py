"""`warroom export` → `warroom import`: SQLite → PostgreSQL → SQLite loses nothing."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import Api, _truncate_pg, make_warroom
from tests.fakes import ManualClock
from tests.support.dataset import AWKWARD, BIG, fill, snapshot
from warroom.adapters import db as database
from warroom.adapters.dump import codec
from warroom.adapters.dump.export import export
from warroom.adapters.dump.load import ImportRefused, load
from warroom.adapters.orm import metadata
from warroom.adapters.orm.background import timers
from warroom.bootstrap import Warroom
from warroom.domain.commands import AddTimelineEntry, DeclareIncident
from warroom.domain.enums import EntryKind

pytestmark = pytest.mark.postgres


@pytest.fixture
def source(sqlite_url: str, clock: ManualClock) -> Iterator[Warroom]:
    """A SQLite database filled through the usual flows."""
    wr = make_warroom(sqlite_url, clock)
    api = Api(wr)
    fill(wr, api, clock)
    api.close()
    yield wr
    wr.close()


@pytest.fixture
def empty_sqlite(sqlite_template: Path, tmp_path: Path) -> str:
    """A second migrated, empty SQLite database (the source has its own file)."""
    target = tmp_path / "target.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def pg_url(pg_server_url: str) -> str:
    _truncate_pg(pg_server_url)
    return pg_server_url


def dump(db: database.Database, clock: ManualClock) -> bytes:
    out = io.BytesIO()
    export(db, out, now=clock.now())
    return out.getvalue()


def lines(data: bytes) -> list[bytes]:
    return io.BytesIO(data).readlines()


def snap(db: database.Database) -> dict[str, list[dict[str, object]]]:
    with db.read.connect() as conn:
        return snapshot(conn)


def test_every_table_of_the_schema_is_in_the_dump(source: Warroom, clock: ManualClock) -> None:
    data = lines(dump(source.db, clock))
    header, footer = json.loads(data[0]), json.loads(data[-1])
    assert header["format"] == "warroom-dump" and header["version"] == 1
    assert header["revision"] and header["dialect"] == "sqlite"
    names = [t.name for t in metadata.sorted_tables]
    assert header["tables"] == names
    assert list(footer["rows"]) == names
    # The dataset fills every table, so the round trip below compares real rows for each.
    empty = [name for name, count in footer["rows"].items() if not count]
    assert not empty, f"extend tests/support/dataset.py to fill {empty}"
    seen = [json.loads(line)["table"] for line in data[1:-1]]
    assert sorted(set(seen), key=names.index) == [n for n in names if footer["rows"][n]]
    assert seen == sorted(seen, key=names.index)  # parents before children


def test_sqlite_to_postgresql_and_back_loses_nothing(
    source: Warroom, pg_url: str, empty_sqlite: str, tmp_path: Path, clock: ManualClock
) -> None:
    before = snap(source.db)
    pg = database.open_database(pg_url)
    try:
        counts = load(pg, lines(dump(source.db, clock)), batch=7)
        assert counts == {n: len(r) for n, r in before.items() if r}
        on_pg = snap(pg)
        assert on_pg == before
        with pg.read.connect() as conn:
            payload = conn.scalar(select(timers.c.payload).where(timers.c.key == "export:big-ints"))
        assert payload == BIG
        assert any(e["text"] == AWKWARD for e in on_pg["timeline_entries"])
        # Streamed in batches on both databases (memory does not grow with the tables).
        for db in (source.db, pg):
            batches: list[int] = []
            export(db, io.BytesIO(), now=clock.now(), on_rows=batches.append, batch=5)
            assert max(batches) == 5 and sum(batches) == sum(counts.values())
        back_url = f"sqlite:///{tmp_path / 'back.db'}"
        back = database.open_database(back_url)
        database.upgrade(back)
        try:
            load(back, lines(dump(pg, clock)))
            assert snap(back) == before
        finally:
            back.dispose()
    finally:
        pg.dispose()


def test_new_rows_after_an_import_do_not_collide(
    source: Warroom, pg_url: str, clock: ManualClock
) -> None:
    before = snap(source.db)
    pg = database.open_database(pg_url)
    load(pg, lines(dump(source.db, clock)))
    pg.dispose()
    wr = make_warroom(pg_url, clock)
    try:
        # A declaration writes an incident, entries, roles, clocks, timers: all new ids.
        declared = wr.bus.handle(
            DeclareIncident(title="Checkout is slow", severity="sev2", by="emily", force=True)
        )
        assert declared["ref"] == f"INC-{len(before['incidents']) + 1}"
        wr.bus.handle(
            AddTimelineEntry(ref="INC-1", kind=EntryKind.NOTE, text="after the move", by="emily")
        )
        after = snap(wr.db)
        old_ids = {e["id"] for e in before["timeline_entries"]}
        new = [e for e in after["timeline_entries"] if e["id"] not in old_ids]
        assert any(e["text"] == "after the move" for e in new)
    finally:
        wr.close()


def test_refuses_a_database_that_is_not_empty_or_at_another_revision(
    source: Warroom, empty_sqlite: str, clock: ManualClock, tmp_path: Path
) -> None:
    data = dump(source.db, clock)
    with pytest.raises(ImportRefused, match="not empty"):
        load(source.db, lines(data))
    header = json.loads(lines(data)[0])
    other = json.dumps({**header, "revision": "0001_core"}).encode() + b"\n"
    target = database.open_database(empty_sqlite)
    try:
        with pytest.raises(ImportRefused, match="revision 0001_core"):
            load(target, [other, *lines(data)[1:]])
        fresh = database.open_database(f"sqlite:///{tmp_path / 'none.db'}")
        with pytest.raises(ImportRefused, match="no schema"):
            load(fresh, lines(data))
        fresh.dispose()
        load(target, lines(data))
        with pytest.raises(ImportRefused, match="not empty"):  # a second run changes nothing
            load(target, lines(data))
    finally:
        target.dispose()


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda ls: [b"not json\n", *ls[1:]], r"^line 1: not JSON"),
        (
            lambda ls: [*ls[:5], b'{"table": "nope", "row": {}}\n', *ls[5:]],
            r"^line 6: unknown table 'nope'",
        ),
        (
            lambda ls: [*ls[:3], ls[3].replace(b'"row":{', b'"row":{"x":1,'), *ls[4:]],
            r"^line 4 \(table \w+\): unknown columns \['x'\]",
        ),
        (lambda ls: ls[:-1], r"truncated"),
        (lambda ls: [*ls[:3], *ls[4:]], r"footer announces"),
        (lambda ls: [*ls[:-1], ls[2], ls[-1]], r"rows of a table must be together"),
    ],
)
def test_bad_lines_are_named(
    source: Warroom, empty_sqlite: str, clock: ManualClock, mangle: object, message: str
) -> None:
    data = lines(dump(source.db, clock))
    target = database.open_database(empty_sqlite)
    try:
        with pytest.raises(codec.DumpError, match=message):
            load(target, mangle(data))  # type: ignore[operator]
        assert all(not rows for name, rows in snap(target).items() if name != "counters")
    finally:
        target.dispose()


def test_a_row_the_database_refuses_names_its_line(
    source: Warroom, pg_url: str, clock: ManualClock
) -> None:
    data = lines(dump(source.db, clock))
    at = next(i for i, line in enumerate(data) if b'"table":"timeline_entries"' in line)
    item = json.loads(data[at])
    item["row"]["incident_id"] = 999_999  # no such incident
    data[at] = json.dumps(item).encode() + b"\n"
    bad_time = next(i for i, line in enumerate(data) if b'"table":"incidents"' in line)
    pg = database.open_database(pg_url)
    try:
        with pytest.raises(
            codec.DumpError,
            match=rf"^line {at + 1} \(table timeline_entries\): the database refuses",
        ):
            load(pg, data, batch=50)
        item = json.loads(data[bad_time])
        item["row"]["declared_at"] = "2026-11-23T10:00:00"  # no offset
        data[bad_time] = json.dumps(item).encode() + b"\n"
        with pytest.raises(
            codec.DumpError, match=rf"^line {bad_time + 1} \(table incidents\): column declared_at"
        ):
            load(pg, data)
        assert not snap(pg)["incidents"]
    finally:
        pg.dispose()
