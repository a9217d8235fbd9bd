"""The answer to a declaration is rendered from the committed aggregate still in memory,
not read back; it must say exactly what reading it back says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from tests.conftest import Api
from warroom.adapters import repository
from warroom.bootstrap import Warroom

DECLARATIONS: list[dict[str, Any]] = [
    {"title": "Search is slow", "severity": "sev3"},
    {
        "title": "Logging in is broken for all users",
        "severity": "sev1",
        "functionality": "logging in",
        "state": "broken",
        "audience": "all users",
        "summary": "Every sign-in fails at the identity provider.",
        "services": ["auth", "sso"],
        "customers_affected": 40,
        "whole_service": True,
        # Times given with an offset are answered in UTC, as they are stored.
        "occurred_at": "2026-11-23T11:00:00+02:00",
        "detected_at": "2026-11-23T10:45:00+02:00",
    },
    {"title": "Billing export is late", "severity": "sev2", "visibility": "restricted"},
    {"title": "Fire drill: payments down", "severity": "sev2", "drill": True},
]


READ_BACK = "select incidents.id, incidents.title, incidents.functionality"


@pytest.fixture
def reads(wr: Warroom) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The incident's own row, as a read of the whole incident selects it (on
        # PostgreSQL reads and writes share one engine: the write does not select it).
        if " ".join(statement.split()).lower().startswith(READ_BACK):
            seen.append(statement)

    event.listen(wr.db.read, "before_cursor_execute", record)
    yield seen
    event.remove(wr.db.read, "before_cursor_execute", record)


def _same_as_read_back(api: Api, created: dict[str, Any]) -> None:
    read = api.admin.get(f"/api/v1/incidents/{created['ref']}")
    assert read.status_code == 200, read.text
    again = read.json()
    for key, value in created.items():
        if key != "classification":
            assert again[key] == value, key


@pytest.mark.parametrize("body", DECLARATIONS, ids=lambda b: b["title"])
def test_the_answer_is_what_reading_it_back_says(
    api: Api, reads: list[str], body: dict[str, Any]
) -> None:
    response = api.admin.post("/api/v1/incidents", json={**body, "force": True})
    assert response.status_code == 201, response.text
    assert reads == []  # not read back
    created = response.json()
    assert created["stage"] == "investigating" and created["roles"] == []
    _same_as_read_back(api, created)


def test_offsets_are_answered_in_utc(api: Api) -> None:
    created = api.admin.post("/api/v1/incidents", json={**DECLARATIONS[1], "force": True}).json()
    assert created["declared_at"] == "2026-11-23T09:00:00Z"
    assert created["detected_at"] == "2026-11-23T08:45:00Z"


def test_an_incident_written_by_the_flush_is_read_back(
    api: Api, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "insert_aggregate", lambda _session, _root: False)
    response = api.admin.post("/api/v1/incidents", json={**DECLARATIONS[1], "force": True})
    assert response.status_code == 201, response.text
    assert reads, "rendered from memory although not wholly loaded"
    _same_as_read_back(api, response.json())


def test_a_replayed_declaration_is_answered_the_same(api: Api) -> None:
    headers = {"Idempotency-Key": "declare-once"}
    body = {**DECLARATIONS[1], "force": True}
    first = api.admin.post("/api/v1/incidents", json=body, headers=headers)
    second = api.admin.post("/api/v1/incidents", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first.json()
