"""What a declaration and a note write, and what they do not read back.

A declaration's transaction holds SQLite's one write slot; every other write waits for
it. Its new rows are written by statement, not by the ORM's flush, and nothing that
cannot exist yet is read or deleted: no timers, no service index rows of the new
incident, no re-read of the incident it has just added. These tests pin that down, and that the results are the same
as before (timers armed, services indexed, the audit row complete).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from warroom.adapters.orm.audit import audit_log
from warroom.adapters.orm.background import timers
from warroom.adapters.orm.incidents import incident_services, timeline_entries
from warroom.bootstrap import Warroom
from warroom.domain import commands
from warroom.domain.directory import Service
from warroom.domain.enums import EntryKind
from warroom.domain.incident import Incident


def _declare(title: str, **kw: Any) -> commands.DeclareIncident:
    return commands.DeclareIncident(title=title, severity="sev2", by="alice", **kw)


@pytest.fixture
def flushes() -> Iterator[list[int]]:
    """The number of new objects of each flush that had any."""
    seen: list[int] = []

    def record(session: Session, *_: Any) -> None:
        if session.new or session.dirty:
            seen.append(len(session.new))

    event.listen(Session, "before_flush", record)
    yield seen
    event.remove(Session, "before_flush", record)


def test_a_declaration_writes_its_rows_by_statement(
    wr: Warroom, statements: list[str], flushes: list[int]
) -> None:
    wr.bus.handle(_declare("Search is slow", services=("search",)))
    statements.clear()
    flushes.clear()
    ref = wr.bus.handle(_declare("Logging in is broken", services=("auth", "sso")))["ref"]
    assert ref == "INC-2"
    # The new incident and its child rows are written by statement: no flush has anything.
    assert flushes == [], flushes
    lower = [s.lower() for s in statements]
    # One statement per table of the aggregate (three checklist marks, two clocks).
    for table in ("checklist_marks", "incident_clocks", "checklist_stage_arrivals"):
        assert len([s for s in lower if s.startswith(f"insert into {table} ")]) == 1, table
    # Nothing of the new incident can be in these tables before it: not read, not deleted.
    assert not [s for s in lower if s.startswith("delete from timers")]
    assert not [s for s in lower if s.startswith("delete from incident_services")]
    assert not [s for s in lower if s.startswith("delete from incident_facts")]
    assert len([s for s in lower if s.startswith("insert into incident_facts")]) == 1
    assert not [s for s in lower if s.startswith("select timers")]  # not even for the audit
    # The incident is inserted once and not selected back.
    assert len([s for s in lower if s.startswith("insert into incidents ")]) == 1
    reread = "select incidents.id, incidents.title, incidents.functionality"
    assert not [s for s in lower if s.startswith(reread)]
    assert not [s for s in lower if s.startswith("update incidents")]
    # The counter is bookkeeping: updated, but not read around the update for the audit.
    assert not [s for s in lower if s.startswith("select counters")]
    # Its timeline entries (a dozen) go out in one statement.
    assert len([s for s in lower if s.startswith("insert into timeline_entries")]) == 1

    with wr.db.read.connect() as conn:
        armed = conn.execute(select(timers).where(timers.c.incident_id == 2)).all()
        keys = {r.key for r in armed}
        services = set(
            conn.execute(
                select(incident_services.c.service).where(incident_services.c.incident_id == 2)
            ).scalars()
        )
        row = conn.execute(
            select(audit_log)
            .where(audit_log.c.command == "DeclareIncident")
            .order_by(audit_log.c.id.desc())
        ).first()
        written = conn.execute(
            select(timeline_entries.c.id, timeline_entries.c.text)
            .where(timeline_entries.c.incident_id == 2)
            .order_by(timeline_entries.c.id)
        ).all()
    assert services == {"auth", "sso"}
    # The update cadence and the checklist's deadlines are armed, as before.
    assert "INC-2:update:internal" in keys
    assert any(key.startswith("INC-2:checklist:") for key in keys)
    assert row is not None
    entities = {change["entity"] for change in row.changes}
    assert {"incidents", "timeline_entries", "timers", "incident_services"} <= entities
    assert "counters" not in entities
    # Each timer is audited as inserted, under its id, with what was stored.
    audited_timers = {c["target"]: c["after"] for c in row.changes if c["entity"] == "timers"}
    assert audited_timers.keys() == {f"INC-2/{r.id}" for r in armed}
    for r in armed:
        after = audited_timers[f"INC-2/{r.id}"]
        # (its key is shown as "[redacted]": the audit's scrubber takes `key` for a secret)
        assert (after["kind"], after["attempts"]) == (r.kind, 0)
        assert after["due_at"] == r.due_at.isoformat()
    # Each entry's audited id is the one its text was stored under.
    audited = [
        (int(c["target"].split("/")[1]), c["after"]["text"])
        for c in row.changes
        if c["entity"] == "timeline_entries"
    ]
    assert len(written) > 3
    assert sorted(audited) == [(r.id, r.text) for r in written]
    inserted = [c for c in row.changes if c["entity"] == "incidents"]
    assert inserted[0]["op"] == "insert" and inserted[0]["after"]["title"] == "Logging in is broken"


def test_a_timer_armed_and_cancelled_for_a_new_incident_is_never_written(wr: Warroom) -> None:
    now = wr.clock.now()
    with wr.bus.uow_factory() as uow:
        number = uow.incidents.next_number()
        incident, _ = Incident.declare(
            number=number,
            policy=wr.policy,
            title="Payments fail",
            severity="sev2",
            by="alice",
            now=now,
        )
        uow.incidents.add(incident)
        uow.timers.schedule("INC-1:a", kind="test", due_at=now, now=now, incident_ref="INC-1")
        uow.timers.schedule("INC-1:b", kind="test", due_at=now, now=now, incident_ref="INC-1")
        uow.timers.cancel("INC-1:a")
        assert [key for key, _, _ in uow.timers.pending("INC-1:", incident_ref="INC-1")] == [
            "INC-1:b"
        ]
        uow.commit()
    with wr.bus.uow_factory() as uow:  # INC-1 is not new any more: its timers are read
        assert [key for key, _, _ in uow.timers.pending("INC-1:", incident_ref="INC-1")] == [
            "INC-1:b"
        ]
        uow.timers.cancel("INC-1:b")
        assert uow.timers.pending("INC-1:", incident_ref="INC-1") == []
        uow.commit()
    with wr.db.read.connect() as conn:
        assert conn.execute(select(timers.c.key).where(timers.c.incident_id == 1)).all() == []


def test_a_directory_entry_waiting_to_be_written_is_found(wr: Warroom) -> None:
    with wr.bus.uow_factory() as uow:
        uow.directory.add(Service(name="search", description="Finds things"))
        found = uow.directory.service("search")
        assert found is not None and found.description == "Finds things"
        assert uow.directory.service("billing") is None


def test_a_note_is_one_insert_audited_as_before(
    wr: Warroom, statements: list[str], flushes: list[int]
) -> None:
    wr.bus.handle(_declare("Search is slow"))
    # The first note may tick a checklist item (an ORM row); the next is the entry alone.
    wr.bus.handle(
        commands.AddTimelineEntry(ref="INC-1", kind=EntryKind.NOTE, text="Looking", by="bob")
    )
    statements.clear()
    flushes.clear()
    result = wr.bus.handle(
        commands.AddTimelineEntry(ref="INC-1", kind=EntryKind.NOTE, text="Cache cold", by="bob")
    )
    entry = result["entry"]
    # Appended by one statement, not through the ORM's flush (nothing new in the session).
    assert [n for n in flushes if n] == []
    inserts = [s for s in statements if s.lower().startswith("insert into timeline_entries")]
    assert len(inserts) == 1
    with wr.db.read.connect() as conn:
        stored = conn.execute(
            select(timeline_entries).where(timeline_entries.c.id == entry["id"])
        ).one()
        row = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).first()
    assert (stored.incident_id, stored.text, stored.author) == (1, "Cache cold", "bob")
    assert row is not None and row.command == "AddTimelineEntry" and row.refs == ",INC-1,"
    assert row.changes == [
        {
            "entity": "timeline_entries",
            "target": f"INC-1/{entry['id']}",
            "op": "insert",
            "before": {},
            "after": {
                "kind": "note",
                "text": "Cache cold",
                "author": "bob",
                "occurred_at": entry["occurred_at"],
                "recorded_at": entry["recorded_at"],
                "data": {},
            },
        }
    ]
