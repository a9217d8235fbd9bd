"""The duplicate check of a declaration runs before the write transaction; an incident
declared between that check and the write is still caught inside it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from warroom.adapters.repository import IncidentRepository
from warroom.bootstrap import Warroom
from warroom.domain import commands
from warroom.domain.errors import DuplicateSuspected


def _declare(title: str, **kw: object) -> commands.DeclareIncident:
    return commands.DeclareIncident(title=title, severity="sev2", by="alice", **kw)  # type: ignore[arg-type]


def _precheck(wr: Warroom, command: commands.DeclareIncident) -> commands.DeclareIncident:
    checked = wr.bus._precheck(command)
    assert isinstance(checked, commands.DeclareIncident)
    return checked


def test_the_pre_check_refuses_a_duplicate_before_any_write(wr: Warroom) -> None:
    wr.bus.handle(_declare("Logging in is broken for all users"))
    with pytest.raises(DuplicateSuspected) as refused:
        _precheck(wr, _declare("Logging in is broken for all users!"))
    assert [c["ref"] for c in refused.value.candidates] == ["INC-1"]


def test_the_pre_check_notes_how_far_it_looked(wr: Warroom) -> None:
    wr.bus.handle(_declare("Logging in is broken for all users"))
    wr.bus.handle(_declare("Search is slow", services=("search",)))
    checked = _precheck(wr, _declare("Payments fail at checkout"))
    assert checked.duplicates_checked_through == 2
    assert _precheck(wr, _declare("Anything", force=True)).duplicates_checked_through is None


def test_an_incident_declared_after_the_pre_check_is_caught_in_the_write(wr: Warroom) -> None:
    wr.bus.handle(_declare("Search is slow"))
    checked = _precheck(wr, _declare("Logging in is broken for all users"))
    assert checked.duplicates_checked_through == 1
    # Someone else declares the same outage in between.
    wr.bus.handle(_declare("Logging in is broken for all users", force=True))
    with pytest.raises(DuplicateSuspected) as refused:
        wr.bus.handle(checked)
    assert [c["ref"] for c in refused.value.candidates] == ["INC-2"]


def test_the_write_compares_only_incidents_newer_than_the_pre_check(wr: Warroom) -> None:
    wr.bus.handle(_declare("Logging in is broken for all users"))
    # As if the pre-check had already looked at INC-1 (and let the title through).
    looked = replace(_declare("Logging in is broken for all users"), duplicates_checked_through=1)
    assert wr.bus.handle(looked)["ref"] == "INC-2"


def test_the_write_compares_nothing_when_no_incident_was_declared_since(
    wr: Warroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    wr.bus.handle(_declare("Search is slow"))
    calls: list[int | None] = []
    real = IncidentRepository.duplicate_candidates

    def counting(self: IncidentRepository, *args: Any, **kw: Any) -> Any:
        calls.append(kw.get("after"))
        return real(self, *args, **kw)

    monkeypatch.setattr(IncidentRepository, "duplicate_candidates", counting)
    checked = _precheck(wr, _declare("Logging in is broken for all users"))
    assert wr.bus.handle(checked)["ref"] == "INC-2"
    assert calls == []  # INC-2 follows INC-1, the last the pre-check saw
    checked = _precheck(wr, _declare("Payments are failing"))
    wr.bus.handle(_declare("Search is slow again", force=True))  # INC-3, after the pre-check
    assert wr.bus.handle(checked)["ref"] == "INC-4"
    assert calls == [2]
