"""The open-incident list's fast lane answers exactly as the documented route, is read again
after any commit, and leaves every refusal to the route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import create_engine, update

from tests.conftest import Api
from tests.fakes import ManualClock
from warroom.adapters.orm.incidents import incidents
from warroom.entrypoints.api import read_lane, responses

Declare = Callable[..., dict[str, Any]]

QUERIES = [
    "",
    "status=open&limit=50",
    "status=closed",
    "status=all&limit=2&offset=1",
    "severity=sev4&severity=sev2",
    "stage=investigating&stage=mitigated",
    "service=auth",
    "person=alice",
    "drill=true",
    "drill=0",
    "limit=1&offset=500",
]


@pytest.fixture(autouse=True)
def tokens_cached(api: Api) -> None:
    """The suite's apps verify every token (no cache); the lane serves only cached tokens."""
    api.app.state.token_cache.ttl = 60


@pytest.fixture
def lane_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many requests the lane answered (the route answers the rest).

    Counted at the lane's door, not by what it serialises: on PostgreSQL the data version is
    cluster-wide, so a write to another database (another test process) may make the lane
    read a page again without changing who answered.
    """
    calls: list[int] = []
    real = read_lane.ReadLane._list

    async def counting(self: read_lane.ReadLane, scope: Any) -> bytes | None:
        body = await real(self, scope)
        if body is not None:
            calls.append(1)
        return body

    monkeypatch.setattr(read_lane.ReadLane, "_list", counting)
    return calls


@pytest.fixture
def serialised(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many pages the lane serialised (a page kept in memory is not serialised again)."""
    calls: list[int] = []
    real = responses.dumps

    def counting(value: Any) -> bytes:
        calls.append(1)
        return real(value)

    monkeypatch.setattr(read_lane, "dumps", counting)
    return calls


@pytest.fixture
def incidents_in_every_shape(api: Api, declare: Declare, clock: ManualClock) -> None:
    r = api.responder
    declare("Logging in is broken", severity="sev2", services=["auth"], customers_affected=3)
    clock.advance(minutes=1)
    declare(
        "Search is slow",
        severity="sev3",
        functionality="search",
        state="slow",
        audience="everyone",
        drill=True,
    )
    clock.advance(minutes=1)
    declare("Billing page errors", severity="sev4", visibility="public")
    assert r.post("/api/v1/incidents/INC-1/roles", json={"role": "commander", "person": "alice"})
    r.post("/api/v1/incidents/INC-1/updates", json={"audience": "internal", "text": "Looking."})
    r.post("/api/v1/incidents/INC-2/stage", json={"stage": "mitigated"})
    r.post("/api/v1/incidents/INC-3/stage", json={"stage": "resolved"})
    assert r.post("/api/v1/incidents/INC-3/stage", json={"stage": "closed"}).status_code == 200


@pytest.mark.usefixtures("incidents_in_every_shape")
def test_the_lane_answers_byte_for_byte_as_the_route(api: Api, lane_calls: list[int]) -> None:
    cache = api.app.state.token_cache
    for query in QUERIES:
        cache.clear()  # an uncached token: the documented route answers (and caches it)
        routed = api.viewer.get(f"/api/v1/incidents?{query}")
        assert not lane_calls
        laned = api.viewer.get(f"/api/v1/incidents?{query}")
        assert lane_calls, query
        lane_calls.clear()
        assert routed.status_code == laned.status_code == 200
        assert laned.content == routed.content, query
        assert laned.headers["content-type"] == routed.headers["content-type"]
    page = api.viewer.get("/api/v1/incidents?status=open").json()
    assert [i["ref"] for i in page["data"]] == ["INC-2", "INC-1"]
    assert page["data"][1]["commander"] == "alice"
    assert page["data"][1]["services"] == ["auth"]
    assert page["data"][0]["drill"] is True


def test_a_cached_page_is_read_again_after_any_commit(
    api: Api, declare: Declare, database_url: str, lane_calls: list[int]
) -> None:
    declare("Logging in is broken")
    first = api.viewer.get("/api/v1/incidents?status=open").json()  # route: token not cached
    assert first["count"] == 1
    assert api.viewer.get("/api/v1/incidents?status=open").json() == first
    declare("Payments are failing", services=["payments"])
    second = api.viewer.get("/api/v1/incidents?status=open").json()
    assert [i["ref"] for i in second["data"]] == ["INC-2", "INC-1"]
    # A commit from another connection, as another process would make it.
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(update(incidents).where(incidents.c.id == 1).values(title="Renamed"))
    engine.dispose()
    third = api.viewer.get("/api/v1/incidents?status=open").json()
    assert third["data"][1]["title"] == "Renamed"
    assert lane_calls  # the lane answered these


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("limit=0", 422),
        ("limit=501", 422),
        ("limit=ten", 422),
        ("offset=-1", 422),
        ("status=bogus", 422),
        ("stage=bogus", 422),
        ("drill=maybe", 422),
        ("service=" + "x" * 101, 422),
    ],
)
def test_the_lane_leaves_refusals_to_the_route(
    api: Api, query: str, status: int, lane_calls: list[int]
) -> None:
    assert api.viewer.get("/api/v1/incidents").status_code == 200  # token now cached
    r = api.viewer.get(f"/api/v1/incidents?{query}")
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert not lane_calls
    assert api.viewer.get("/api/v1/incidents").status_code == 200
    assert len(lane_calls) == 1  # the lane was open to this token all along


def test_the_lane_needs_a_cached_token(api: Api, lane_calls: list[int]) -> None:
    assert api.anonymous.get("/api/v1/incidents").status_code == 401
    r = api.anonymous.get("/api/v1/incidents", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert not lane_calls


def test_the_lane_shows_restricted_incidents_only_to_those_who_may_see_them(
    api: Api, declare: Declare, lane_calls: list[int]
) -> None:
    declare("Suspicious logins from one ASN", visibility="restricted")  # the responder's own
    declare("Search is slow", severity="sev3")
    seen: dict[str, list[str]] = {}
    for who, client in (("admin", api.admin), ("viewer", api.viewer), ("responder", api.responder)):
        for _ in range(2):  # the first caches the token through the route; the second is laned
            page = client.get("/api/v1/incidents?status=open").json()
        seen[who] = [i["ref"] for i in page["data"]]
    # admin and viewer: the second request; the responder's token was cached by declaring.
    assert len(lane_calls) == 4, "each caller's second request was answered by the lane"
    assert seen == {
        "admin": ["INC-2", "INC-1"],
        "viewer": ["INC-2"],
        "responder": ["INC-2", "INC-1"],
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_page_is_kept_while_nothing_commits(
    api: Api, declare: Declare, lane_calls: list[int], serialised: list[int]
) -> None:
    # SQLite's data version belongs to the one database file, so nothing else moves it here.
    declare("Logging in is broken")
    pages = [api.viewer.get("/api/v1/incidents?status=open").content for _ in range(4)]
    assert len(lane_calls) == 3 and len(serialised) == 1  # the first went through the route
    assert len(set(pages)) == 1
    declare("Payments are failing")
    after = api.viewer.get("/api/v1/incidents?status=open").json()
    assert len(serialised) == 2 and after["count"] == 2
