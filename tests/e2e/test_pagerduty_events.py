"""PagerDuty Events API v2 compatibility: the documented payloads, responses and errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.support.catalog import CATALOG


@pytest.fixture
def routing_key(api: Api) -> str:
    api.admin.post("/api/v1/catalog", json=CATALOG)
    response = api.admin.post(
        "/api/v1/integrations", json={"name": "pd", "kind": "pagerduty", "service": "payments-api"}
    )
    key: str = response.json()["key"]
    return key


def trigger(routing_key: str, dedup_key: str | None = "samplekeyhere") -> dict[str, Any]:
    """The trigger example of the Events API v2 documentation."""
    event: dict[str, Any] = {
        "payload": {
            "summary": "Example alert on host1.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
            "severity": "info",
            "component": "postgres",
            "group": "prod-datapipe",
            "class": "deploy",
            "custom_details": {"ping time": "1500ms", "load avg": 0.75},
        },
        "routing_key": routing_key,
        "images": [
            {
                "src": "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png",
                "href": "https://example.com/",
                "alt": "Example text",
            }
        ],
        "links": [{"href": "https://example.com/", "text": "Link text"}],
        "event_action": "trigger",
        "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.example.com",
    }
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    return event


def enqueue(api: Api, body: Any) -> Any:
    return api.anonymous.post("/v2/enqueue", json=body)


def alert_list(api: Api) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = api.viewer.get("/api/v1/alerts").json()["data"]
    return data


def test_trigger_acknowledge_resolve(api: Api, routing_key: str) -> None:
    first = enqueue(api, trigger(routing_key))
    assert first.status_code == 202
    assert first.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "samplekeyhere",
    }
    assert enqueue(api, trigger(routing_key)).status_code == 202
    found = alert_list(api)
    assert len(found) == 1 and found[0]["count"] == 2
    assert found[0]["title"] == "Example alert on host1.example.com"
    assert found[0]["labels"] == {
        "severity": "info",
        "component": "postgres",
        "group": "prod-datapipe",
        "class": "deploy",
    }
    assert found[0]["url"] == "https://example.com/"
    page_id = found[0]["page_id"]
    assert page_id is not None  # payments-api has an escalation policy: paged
    ack = enqueue(
        api,
        {"routing_key": routing_key, "dedup_key": "samplekeyhere", "event_action": "acknowledge"},
    )
    assert ack.status_code == 202 and ack.json()["dedup_key"] == "samplekeyhere"
    assert alert_list(api)[0]["status"] == "acknowledged"
    assert api.viewer.get(f"/api/v1/pages/{page_id}").json()["status"] == "acknowledged"
    resolve = enqueue(
        api, {"routing_key": routing_key, "dedup_key": "samplekeyhere", "event_action": "resolve"}
    )
    assert resolve.status_code == 202
    assert alert_list(api)[0]["status"] == "resolved"


def test_trigger_without_dedup_key_gets_a_new_one(api: Api, routing_key: str) -> None:
    keys = {enqueue(api, trigger(routing_key, None)).json()["dedup_key"] for _ in range(2)}
    assert len(keys) == 2
    assert len(alert_list(api)) == 2


def test_bad_routing_key(api: Api, routing_key: str) -> None:
    response = enqueue(api, trigger("0" * 32))
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "invalid event" and body["message"] == "Event object is invalid"
    assert "routing_key" in body["errors"][0]
    assert alert_list(api) == []


def test_invalid_events_list_their_errors(api: Api, routing_key: str) -> None:
    missing = trigger(routing_key)
    del missing["payload"]["severity"]
    missing["payload"]["summary"] = ""
    body = enqueue(api, missing).json()
    assert body["status"] == "invalid event"
    assert any(e.startswith("payload.severity") for e in body["errors"])
    assert any(e.startswith("payload.summary") for e in body["errors"])
    no_key = enqueue(api, {"routing_key": routing_key, "event_action": "resolve"})
    assert no_key.status_code == 400 and no_key.json()["errors"][0].startswith("dedup_key")
    wrong = enqueue(api, {**trigger(routing_key), "event_action": "explode"})
    assert wrong.status_code == 400 and wrong.json()["errors"][0].startswith("event_action")
    garbage = api.anonymous.post("/v2/enqueue", content=b"not json")
    assert garbage.status_code == 400 and garbage.json()["errors"] == ["Malformed JSON"]


def test_oversize_payload_is_refused(api: Api, routing_key: str) -> None:
    event = trigger(routing_key)
    event["payload"]["custom_details"] = {"blob": "x" * (512 * 1024)}
    response = enqueue(api, event)
    assert response.status_code == 400
    assert response.json()["status"] == "invalid event"
    assert "512 KB" in response.json()["errors"][0]
    assert alert_list(api) == []


def test_throttled_with_429(api: Api, routing_key: str) -> None:
    api.admin.patch("/api/v1/integrations/pd", json={"rate_limit_per_minute": 2})
    codes = [enqueue(api, trigger(routing_key)).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    limited = enqueue(api, trigger(routing_key))
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    ("details", "fragment"),
    [
        ({f"k{i}": 1 for i in range(101)}, "at most 100 keys"),
        ({"k" * 256: 1}, "longer than 255"),
        ({"blob": "x" * 10_001}, "longer than 10000"),
        ({"nested": {"blob": "x" * 10_000}}, "longer than 10000"),
        ("x" * 10_001, "longer than 10000"),
    ],
    ids=["keys", "key-length", "value", "nested-value", "string"],
)
def test_oversize_custom_details_are_refused(
    api: Api, routing_key: str, details: Any, fragment: str
) -> None:
    event = trigger(routing_key)
    event["payload"]["custom_details"] = details
    response = enqueue(api, event)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "invalid event"
    assert body["errors"][0].startswith("payload.custom_details: ")
    assert fragment in body["errors"][0]
    assert alert_list(api) == []


def test_oversize_links_are_refused(api: Api, routing_key: str) -> None:
    many = {**trigger(routing_key), "links": [{"href": "https://e.example/"}] * 21}
    long = {**trigger(routing_key), "links": [{"href": "https://e.example/" + "x" * 2000}]}
    for event in (many, long):
        response = enqueue(api, event)
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0].startswith("links: ")
    assert alert_list(api) == []
    assert enqueue(api, trigger(routing_key)).status_code == 202
