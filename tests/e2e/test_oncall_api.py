"""Who is on call (API and CLI), coverage and gaps, overrides, iCal, page ack from the CLI."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from tests.conftest import Api, Cli
from tests.fakes import ManualClock
from tests.support.catalog import CATALOG


def test_who_is_on_call_now_and_at_a_time(api: Api, cli: Cli, clock: ManualClock) -> None:
    api.admin.post("/api/v1/catalog", json=CATALOG)
    now = api.viewer.get("/api/v1/schedules/payments-primary/oncall").json()
    assert now["person"] == "bob"
    assert now["shift"]["end"] == "2026-11-30T08:00:00Z"  # Monday 09:00 Paris
    assert now["next"]["person"] == "alice"
    later = api.viewer.get(
        "/api/v1/schedules/payments-primary/oncall", params={"at": "2026-12-01T12:00:00Z"}
    )
    assert later.json()["person"] == "alice"
    every = api.viewer.get("/api/v1/oncall").json()
    assert {e["schedule"]: e["person"] for e in every} == {
        "incident-commanders": "dave",
        "payments-primary": "bob",
    }
    result = cli("oncall")
    assert result.exit_code == 0 and "payments-primary" in result.output and "bob" in result.output
    result = cli("oncall", "payments-primary", "--at", "2026-12-01T12:00:00Z", "--json")
    assert '"person": "alice"' in result.output
    assert cli("oncall", "nope").exit_code == 2
    assert api.viewer.get("/api/v1/schedules/nope/oncall").status_code == 404
    bad = api.viewer.get("/api/v1/schedules/payments-primary/oncall", params={"at": "yesterday"})
    assert bad.status_code == 422


def test_overrides_change_who_is_on_call(api: Api) -> None:
    api.admin.post("/api/v1/catalog", json=CATALOG)
    body = {
        "person": "carol",
        "starts_at": "2026-11-23T09:00:00Z",
        "ends_at": "2026-11-23T18:00:00Z",
        "reason": "swap",
    }
    created = api.responder.post("/api/v1/schedules/payments-primary/overrides", json=body)
    assert created.status_code == 201, created.text
    assert api.viewer.get("/api/v1/schedules/payments-primary/oncall").json()["person"] == "carol"
    reversed_ = {**body, "ends_at": "2026-11-23T08:00:00Z"}
    assert (
        api.responder.post(
            "/api/v1/schedules/payments-primary/overrides", json=reversed_
        ).status_code
        == 422
    )
    unknown = {**body, "person": "zed"}
    assert (
        api.responder.post("/api/v1/schedules/payments-primary/overrides", json=unknown).status_code
        == 422
    )
    listed = api.viewer.get("/api/v1/schedules/payments-primary/overrides").json()
    assert listed["count"] == 1
    override_id = listed["data"][0]["id"]
    assert (
        api.responder.delete(
            f"/api/v1/schedules/payments-primary/overrides/{override_id}"
        ).status_code
        == 204
    )
    assert api.viewer.get("/api/v1/schedules/payments-primary/oncall").json()["person"] == "bob"


def test_coverage_reports_gaps(api: Api) -> None:
    catalog = {
        **CATALOG,
        "schedules": [
            {
                "name": "office-hours",
                "timezone": "America/New_York",
                "layers": [
                    {
                        "name": "days",
                        "members": ["bob"],
                        "start": "2026-11-01T09:00",
                        "frequency": "daily",
                        "restrictions": [
                            {
                                "start": "09:00",
                                "end": "17:00",
                                "days": ["mon", "tue", "wed", "thu", "fri"],
                            }
                        ],
                    }
                ],
            },
            *CATALOG["schedules"],
        ],
    }
    assert api.admin.post("/api/v1/catalog", json=catalog).status_code == 200
    cover = api.viewer.get(
        "/api/v1/schedules/office-hours/coverage",
        params={"start": "2026-11-23T00:00:00Z", "end": "2026-11-24T00:00:00Z"},
    ).json()
    assert cover["shifts"] == [
        {
            "person": "bob",
            "start": "2026-11-23T14:00:00Z",
            "end": "2026-11-23T22:00:00Z",
            "source": "days",
        }
    ]
    assert cover["gaps"] == [
        {"start": "2026-11-23T00:00:00Z", "end": "2026-11-23T14:00:00Z"},
        {"start": "2026-11-23T22:00:00Z", "end": "2026-11-24T00:00:00Z"},
    ]


def test_icalendar_per_schedule_and_per_person(api: Api) -> None:
    api.admin.post("/api/v1/catalog", json=CATALOG)
    response = api.viewer.get(
        "/api/v1/schedules/payments-primary/calendar.ics", params={"days": 21}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert {str(e["summary"]) for e in events} == {
        "On call: alice (payments-primary)",
        "On call: bob (payments-primary)",
    }
    bobs = [e for e in events if "bob" in str(e["summary"])]
    starts = sorted(e.decoded("dtstart") for e in bobs)
    assert datetime(2026, 11, 23, 8, tzinfo=UTC) in starts
    mine = Calendar.from_ical(api.viewer.get("/api/v1/people/alice/calendar.ics").content).walk(
        "VEVENT"
    )
    assert mine and all("alice" in str(e["summary"]) for e in mine)
    assert api.viewer.get("/api/v1/people/zed/calendar.ics").status_code == 404


def test_page_ack_from_the_cli(api: Api, cli: Cli) -> None:
    api.admin.post("/api/v1/catalog", json=CATALOG)
    key = api.admin.post(
        "/api/v1/integrations", json={"name": "pd", "kind": "pagerduty", "service": "payments-api"}
    ).json()["key"]
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": "d1",
        "payload": {"summary": "Checkout errors", "source": "web-1", "severity": "critical"},
    }
    assert api.anonymous.post("/v2/enqueue", json=event).status_code == 202
    listed = cli("page", "list")
    assert "Checkout errors" in listed.output and "triggered" in listed.output
    result = cli("page", "ack", "1")
    assert result.exit_code == 0, result.output
    assert "page 1 acknowledged by emily" in result.output
    assert cli("page", "ack", "99").exit_code == 2
    alerts = cli("alerts", "list", "--status", "acknowledged")
    assert "Checkout errors" in alerts.output
    created = cli("integration", "create", "am", "--kind", "alertmanager", role="admin")
    assert created.exit_code == 0 and len(created.output.strip()) == 32
    assert "am" in cli("integration", "list", role="admin").output
