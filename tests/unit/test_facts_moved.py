"""Which changes move an incident's metrics facts (`facts.moved_by`): the refresh is
skipped for the rest, a plain note above all."""

from __future__ import annotations

from typing import Any

from warroom.adapters.facts import moved_by


def change(entity: str, target: str, op: str = "insert", **sides: Any) -> dict[str, Any]:
    return {"entity": entity, "target": target, "op": op, "before": {}, "after": {}} | sides


def test_a_note_or_a_hypothesis_moves_nothing() -> None:
    assert moved_by([change("timeline_entries", "INC-4/10", after={"kind": "note"})]) == set()
    assert moved_by([change("timeline_entries", "INC-4/11", after={"kind": "hypothesis"})]) == set()


def test_status_and_customer_updates_move_their_incident() -> None:
    for kind in ("status-update", "customer-update"):
        assert moved_by([change("timeline_entries", "INC-4/12", after={"kind": kind})]) == {4}
    edited = change("timeline_entries", "INC-4/12", "update", before={"kind": "status-update"},
                    after={"kind": "note"})  # fmt: skip
    assert moved_by([edited]) == {4}


def test_an_entry_that_does_not_say_its_kind_counts_as_an_update() -> None:
    assert moved_by([change("timeline_entries", "INC-4/13", "update", after={"text": "x"})]) == {4}
    assert moved_by([change("timeline_entries", "INC-4/13", "delete")]) == {4}


def test_the_incident_its_follow_ups_and_its_clocks_move_it() -> None:
    changes = [
        change("incidents", "INC-1", "update", before={"visibility": "internal"}),
        change("followups", "INC-2/7"),
        change("incident_clocks", "INC-3/1", "update"),
        change("timers", "INC-5/9"),
        change("checklist_marks", "INC-6/2"),
        change("counters", "incident", "update"),
    ]
    assert moved_by(changes) == {1, 2, 3}


def test_an_input_change_that_names_no_incident_asks_for_every_touched_one() -> None:
    assert moved_by([change("incidents", "7", "update")]) is None
    assert moved_by([change("followups", "new")]) is None
