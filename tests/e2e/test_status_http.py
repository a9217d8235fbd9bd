"""The public status page over HTTP: served from memory, Statuspage-compatible, subscribable."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.conftest import Api, Cli
from tests.fakes import ManualClock
from tests.support import status as scenario
from tests.support.smtp import SmtpServer
from tests.support.statuspage_schema import DOCUMENTS
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands as c
from warroom.domain.enums import Audience, Stage, Visibility
from warroom.entrypoints.api.app import create_app
from warroom.entrypoints.web.status_export import export_status_page
from warroom.service_layer.demo import seed_demo
from warroom.service_layer.status_demo import seed_status_demo
from warroom.service_layer.worker import WorkerConfig

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(datetime.fromisoformat(value.replace("Z", "+00:00")))


@formats.checks("date", raises=ValueError)
def _date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


def validate(path: str, document: Any) -> None:
    Draft202012Validator(DOCUMENTS[path], format_checker=formats).validate(document)


def busy_page(wr: Warroom) -> str:
    """Components, an active public incident with an update, a resolved one, maintenance."""
    scenario.components(wr)
    public, _, _ = scenario.secret_everywhere(wr)
    old = scenario.declare(
        wr, "Slow emails", visibility=Visibility.PUBLIC, services=("mailer",), severity="sev3"
    )
    wr.bus.handle(c.PostUpdate(ref=old, audience=Audience.CUSTOMERS, text="Delayed.", by="d"))
    wr.bus.handle(c.ChangeStage(ref=old, stage=Stage.RESOLVED, by="emily"))
    return public


def test_statuspage_documents_match_the_published_schema(api: Api, wr: Warroom) -> None:
    public = busy_page(wr)
    now = wr.clock.now()
    api.admin.post(
        "/api/v1/status/maintenances",
        json={
            "name": "Database upgrade",
            "components": ["API"],
            "scheduled_for": (now + timedelta(days=1)).isoformat(),
            "scheduled_until": (now + timedelta(days=1, hours=2)).isoformat(),
        },
    ).raise_for_status()
    anon = api.anonymous
    for path in DOCUMENTS:
        response = anon.get(f"/status/api/v2/{path}")
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == "*"
        validate(path, response.json())
    summary = anon.get("/status/api/v2/summary.json").json()
    assert [i["id"] for i in summary["incidents"]] == [public.lower()]
    assert summary["incidents"][0]["incident_updates"][0]["status"] == "identified"
    assert summary["status"] == {"indicator": "critical", "description": "Major System Outage"}
    assert summary["scheduled_maintenances"][0]["status"] == "scheduled"
    incidents = anon.get("/status/api/v2/incidents.json").json()["incidents"]
    assert [i["status"] for i in incidents] == ["resolved", "identified"]
    groups = [x for x in summary["components"] if x["group"]]
    assert groups[0]["name"] == "Platform" and len(groups[0]["components"]) == 2


def test_served_from_memory_with_etag_and_cache_control(api: Api, wr: Warroom) -> None:
    busy_page(wr)
    anon = api.anonymous
    first = anon.get("/status/")
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/html; charset=utf-8"
    assert "max-age=5" in first.headers["cache-control"]
    etag = first.headers["etag"]
    again = anon.get("/status/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert anon.head("/status/").headers["etag"] == etag
    # A change committed in this process is on the next response.
    ref = scenario.declare(
        wr, "Website down", visibility=Visibility.PUBLIC, services=("web",), severity="sev2"
    )
    wr.bus.handle(c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="Looking.", by="d"))
    changed = anon.get("/status/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Website down" in changed.text
    # The database going away does not take the page down: the last bytes are served.
    renderer = api.app.state.status_renderer

    def broken() -> Any:
        raise RuntimeError("database unreachable")

    renderer.view = broken
    wr.bus.handle(c.AddTimelineEntry(ref=ref, kind="note", text="x", by="d"))  # type: ignore[arg-type]
    still = anon.get("/status/")
    assert still.status_code == 200 and "Website down" in still.text
    assert anon.get("/status/feed.atom").status_code == 200
    assert anon.get("/status/nothing-here").status_code == 404
    assert anon.get("/status", follow_redirects=False).headers["location"] == "/status/"


def test_feed_history_and_incident_pages(api: Api, wr: Warroom) -> None:
    public = busy_page(wr)
    anon = api.anonymous
    feed = anon.get("/status/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert feed.text.startswith("<?xml") and "<entry>" in feed.text
    assert "&lt;p&gt;" in feed.text  # HTML content escaped inside the XML
    assert anon.get("/status/history.atom").text == feed.text
    history = anon.get("/status/history/").text
    assert "Logins failing" in history and "Slow emails" in history
    page = anon.get(f"/status/incidents/{public.lower()}/").text
    assert "We have found the cause" in page
    for path in ("/status/", "/status/history/", f"/status/incidents/{public.lower()}/"):
        html = anon.get(path).text
        assert "<script" not in html  # works without JavaScript
        assert scenario.SECRET not in html


@pytest.fixture
def mail_app(sqlite_url: str, clock: ManualClock, smtp: SmtpServer) -> Iterator[Warroom]:
    settings = Settings(
        database_url=sqlite_url,
        dev=True,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        url="http://testserver",
        token_cache_seconds=0,
    )
    app = bootstrap(settings, clock=clock, migrate=False)
    yield app
    app.close()


def test_subscribe_confirm_receive_and_unsubscribe(mail_app: Warroom, smtp: SmtpServer) -> None:
    wr = mail_app
    scenario.components(wr)
    client = TestClient(create_app(wr), raise_server_exceptions=False)
    assert "Email delivery" in client.get("/status/").text  # subscribe form lists components
    bad = client.post("/status/subscribe", data={"email": "nope"})
    assert bad.status_code == 422 and "not an email address" in bad.text
    unknown = client.post("/status/subscribe", data={"email": "a@b.test", "components": "DB"})
    assert unknown.status_code == 422 and "unknown component" in unknown.text
    asked = client.post(
        "/status/subscribe", data={"email": "Fan@Example.test", "components": ["API"]}
    )
    assert asked.status_code == 200 and "Check your inbox" in asked.text
    wr.make_worker(WorkerConfig(), "w").tick()
    [mail] = smtp.inbox.messages
    link = re.search(
        r"http://testserver(/status/subscribe/confirm\?token=\S+)", str(mail.get_payload())
    )
    assert link, mail.get_payload()
    assert client.get("/status/subscribe/confirm?token=forged").status_code == 400
    confirmed = client.get(link.group(1))
    assert confirmed.status_code == 200 and "Subscribed" in confirmed.text
    ref = scenario.declare(
        wr, "Logins failing", visibility=Visibility.PUBLIC, services=("auth",), severity="sev1"
    )
    wr.bus.handle(c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="We know.", by="d"))
    wr.make_worker(WorkerConfig(), "w").tick()
    update = smtp.inbox.messages[-1]
    assert update["To"] == "fan@example.test" and "We know." in update.get_payload()
    unsubscribe = update["List-Unsubscribe"].strip("<>").replace("http://testserver", "")
    assert "Unsubscribe" in client.get(unsubscribe).text  # a page with a button, no change yet
    done = client.post(unsubscribe)  # what a mail client's one-click POST does
    assert done.status_code == 200 and "unsubscribed" in done.text
    assert "no longer exists" in client.post(unsubscribe).text
    wr.bus.handle(c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="Fixed.", by="d"))
    wr.make_worker(WorkerConfig(), "w").tick()
    assert "Fixed." not in smtp.inbox.messages[-1].get_payload()


def test_subscribing_is_rate_limited(mail_app: Warroom) -> None:
    client = TestClient(create_app(mail_app), raise_server_exceptions=False)
    codes = [
        client.post("/status/subscribe", data={"email": f"u{i}@example.test"}).status_code
        for i in range(7)
    ]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_without_email_there_is_no_subscribe_form(api: Api) -> None:
    assert "Get updates by email" not in api.anonymous.get("/status/").text
    refused = api.anonymous.post("/status/subscribe", data={"email": "a@example.test"})
    assert refused.status_code == 422 and "email is not configured" in refused.text


def test_admin_api_manages_components_and_maintenance(api: Api) -> None:
    created = api.admin.post("/api/v1/status/components", json={"name": "API", "group": "Platform"})
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert api.responder.post("/api/v1/status/components", json={"name": "X"}).status_code == 403
    assert api.admin.post("/api/v1/status/components", json={"name": "API"}).status_code == 409
    bad = api.admin.post("/api/v1/status/components", json={"name": "Y", "status": "meh"})
    assert bad.status_code == 422
    changed = api.admin.patch(
        f"/api/v1/status/components/{cid}", json={"status": "degraded_performance"}
    )
    assert changed.json()["status"] == "degraded_performance"
    summary = api.anonymous.get("/status/api/v2/summary.json").json()
    assert summary["status"]["indicator"] == "minor"  # the page shows the change at once
    assert api.admin.patch("/api/v1/status/components/999", json={}).status_code == 404
    window = {
        "name": "Upgrade",
        "components": ["API"],
        "scheduled_for": "2026-12-01T10:00:00Z",
        "scheduled_until": "2026-12-01T09:00:00Z",
    }
    assert api.admin.post("/api/v1/status/maintenances", json=window).status_code == 422
    window["scheduled_until"] = "2026-12-01T12:00:00Z"
    made = api.admin.post("/api/v1/status/maintenances", json=window)
    assert made.status_code == 201
    mid = made.json()["id"]
    assert api.viewer.get("/api/v1/status/maintenances").json()[0]["name"] == "Upgrade"
    assert api.admin.patch(
        f"/api/v1/status/maintenances/{mid}", json={"name": "DB upgrade"}
    ).json()["name"] == ("DB upgrade")
    assert api.admin.delete(f"/api/v1/status/maintenances/{mid}").status_code == 204
    assert api.admin.delete(f"/api/v1/status/components/{cid}").status_code == 204
    assert api.admin.delete(f"/api/v1/status/components/{cid}").status_code == 404


def test_cli_manages_the_page(cli: Cli) -> None:
    added = cli("status", "component", "add", "API", "--group", "Platform", role="admin")
    assert added.exit_code == 0, added.output
    listed = cli("status", "component", "list", "--json", role="admin")
    assert '"name": "API"' in listed.output or '"name":"API"' in listed.output
    assert (
        cli("status", "component", "set", "1", "--status", "major_outage", role="admin").exit_code
        == 0
    )
    assert cli("status", "component", "set", "1", "--status", "meh", role="admin").exit_code == 2
    assert cli("status", "component", "add", "X").exit_code == 1  # responders may not
    made = cli(
        "status", "maintenance", "add", "Upgrade", "--from", "2026-12-01T10:00:00Z",
        "--until", "2026-12-01T11:00:00Z", "--component", "API", role="admin",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "Upgrade" in cli("status", "maintenance", "list", role="admin").output
    assert cli("status", "maintenance", "cancel", "1", role="admin").exit_code == 0
    assert cli("status", "component", "remove", "1", role="admin").exit_code == 0


def test_export_writes_a_static_copy(wr: Warroom, tmp_path: Path) -> None:
    public = busy_page(wr)
    written = export_status_page(wr, tmp_path / "site")
    names = {p.relative_to(tmp_path / "site").as_posix() for p in written}
    assert {
        "index.html",
        "history/index.html",
        f"incidents/{public.lower()}/index.html",
        "feed.atom",
        "api/v2/summary.json",
        "api/v2/incidents/unresolved.json",
    } <= names
    for path in written:
        assert scenario.SECRET.encode() not in path.read_bytes()


def test_another_process_changes_appear_within_the_ttl(sqlite_url: str, clock: ManualClock) -> None:
    settings = Settings(database_url=sqlite_url, dev=True, status_page_ttl_seconds=0.2)
    serving = bootstrap(settings, clock=clock, migrate=False)
    writing = bootstrap(settings, clock=clock, migrate=False)  # another process, in effect
    try:
        client = TestClient(create_app(serving))
        assert "Website down" not in client.get("/status/").text
        ref = scenario.declare(
            writing, "Website down", visibility=Visibility.PUBLIC, services=(), severity="sev2"
        )
        writing.bus.handle(c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="x", by="d"))
        deadline = time.monotonic() + 5
        while "Website down" not in client.get("/status/").text:
            assert time.monotonic() < deadline, "the change never appeared"
            time.sleep(0.05)
        assert "not available" in client.get("/status/subscribe").text  # no SMTP here
    finally:
        serving.close()
        writing.close()


def test_the_demo_has_a_status_page(api: Api, wr: Warroom) -> None:
    refs = seed_demo(wr.bus, wr.clock.now())
    seed_status_demo(wr.bus, refs)
    summary = api.anonymous.get("/status/api/v2/summary.json").json()
    validate("summary.json", summary)
    assert summary["status"]["indicator"] == "critical"
    names = [
        i["name"] for i in api.anonymous.get("/status/api/v2/incidents.json").json()["incidents"]
    ]
    assert "Logging in is broken for all users" in names
    assert "Status emails delayed" not in names  # still internal


def test_subscribe_bounds_the_components(mail_app: Warroom) -> None:
    scenario.components(mail_app)
    client = TestClient(create_app(mail_app), raise_server_exceptions=False)
    too_many = client.post(
        "/status/subscribe",
        data={"email": "a@example.test", "components": ["API"] * 101},
    )
    assert too_many.status_code == 422
    assert "components: choose at most 100 components (101 chosen)" in too_many.text
    too_long = client.post(
        "/status/subscribe", data={"email": "a@example.test", "components": ["A" * 101]}
    )
    assert too_long.status_code == 422
    assert "components: a component name is longer than 100 characters" in too_long.text
    assert "A" * 101 not in too_long.text
    with mail_app.db.read.connect() as conn:
        assert list(conn.execute(select(outbox.c.id))) == []  # nothing asked, nothing sent
    fine = client.post("/status/subscribe", data={"email": "a@example.test", "components": ["API"]})
    assert fine.status_code == 200 and "Check your inbox" in fine.text
