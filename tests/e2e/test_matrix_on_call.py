"""The roles matrix's on-duty column from on-call, over HTTP, the CLI and the console: a
policy mapping the commander role to a real schedule, its hand-off and an override."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.conftest import Api, Cli
from tests.fakes import ManualClock
from tests.support.catalog import CATALOG
from tests.support.console import ConsoleClient
from tests.unit.policy_helpers import policy_with
from warroom.bootstrap import Warroom
from warroom.domain.policy import Policy


@pytest.fixture
def policy() -> Policy:
    """Standard, with the commander on call in payments-primary (bob, then alice)."""
    return policy_with('role_rotations = { commander = "payments-primary" }\n')


@pytest.fixture
def victor(api: Api, wr: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, wr, "viewer", "victor")
    yield client
    client.close()


def on_duty(api: Api) -> dict[str, list[str] | None]:
    r = api.viewer.get("/api/v1/matrix")
    assert r.status_code == 200, r.text
    return {row["role"]: row["on_duty"] for row in r.json()["roles"]}


def test_the_matrix_names_who_is_on_call_now(api: Api, cli: Cli, clock: ManualClock) -> None:
    assert on_duty(api)["commander"] is None  # the schedule is not in the catalog yet
    assert api.admin.post("/api/v1/catalog", json=CATALOG).status_code == 200
    found = on_duty(api)
    assert found["commander"] == ["bob"]
    assert found["worker"] is None  # no rotation
    md = api.viewer.get("/api/v1/matrix", params={"format": "md"}).text
    commander = next(line for line in md.splitlines() if "(`commander`)" in line)
    assert commander.rsplit("|", 2)[1].strip() == "bob"
    out = cli("matrix", "--format", "json")  # the CLI shows the server's on-call
    assert out.exit_code == 0
    rows = {r["role"]: r["on_duty"] for r in json.loads(out.output)["roles"]}
    assert rows["commander"] == ["bob"]
    local = cli("matrix", "--policy", "standard", "--format", "json")
    assert all(r["on_duty"] is None for r in json.loads(local.output)["roles"])

    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 Paris: hand-off
    assert on_duty(api)["commander"] == ["alice"]


def test_an_override_shows_in_the_matrix_and_the_console(
    api: Api, victor: ConsoleClient, clock: ManualClock
) -> None:
    api.admin.post("/api/v1/catalog", json=CATALOG)
    body = {
        "person": "carol",
        "starts_at": "2026-11-23T09:00:00Z",
        "ends_at": "2026-11-23T18:00:00Z",
        "reason": "swap",
    }
    created = api.responder.post("/api/v1/schedules/payments-primary/overrides", json=body)
    assert created.status_code == 201, created.text
    assert on_duty(api)["commander"] == ["carol"]
    page = victor.get("/matrix")
    assert page.status_code == 200
    row = page.text.split("<code>commander</code>")[1].split("</tr>")[0]
    assert "carol" in row
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert on_duty(api)["commander"] == ["bob"]
