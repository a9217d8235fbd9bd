"""Inbound trust: Standard Webhooks hooks (signature, window, replay) and rate limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook
from starlette.testclient import TestClient

from tests.conftest import Api
from tests.fakes import ManualClock
from warroom.adapters.orm.audit import audit_log
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.commands import DeclareIncident
from warroom.entrypoints.api.app import create_app

SECRET = "whsec_" + "c2VjcmV0LWZvci10ZXN0cy1vbmx5LTAxMjM0NTY3ODk="


@pytest.fixture
def hooked(database_url: str, clock: ManualClock) -> Iterator[Warroom]:
    settings = Settings(
        database_url=database_url,
        dev=True,
        token_cache_seconds=0,
        inbound_hooks={"ci": SECRET},
        login_burst=3,
        login_rate_per_minute=1,
    )
    wr = bootstrap(settings, clock=clock, policy=load_policy("standard"), migrate=False)
    wr.bus.handle(DeclareIncident(title="Deploys fail", severity="sev3", by="d", force=True))
    yield wr
    wr.close()


def _signed(
    clock: ManualClock, body: dict[str, Any], msg_id: str = "msg_1", secret: str = SECRET
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    when = clock.now()
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, raw.decode()),
        "content-type": "application/json",
    }
    return raw, headers


def test_a_signed_hook_writes_on_the_timeline_once(hooked: Warroom, clock: ManualClock) -> None:
    client = TestClient(create_app(hooked), raise_server_exceptions=False)
    raw, headers = _signed(clock, {"ref": "INC-1", "text": "deploy 42 rolled back"})
    r = client.post("/api/v1/hooks/ci", content=raw, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["author"] == "hook:ci"

    replay = client.post("/api/v1/hooks/ci", content=raw, headers=headers)
    assert replay.status_code == 401
    assert "replay" in replay.json()["detail"]
    api = Api(hooked)
    rows = api.admin.get("/api/v1/audit", params={"command": "AddTimelineEntry"}).json()
    assert [(row["actor"], row["refs"]) for row in rows["data"]] == [("hook:ci", ["INC-1"])]
    api.close()


def test_hooks_refuse_bad_signatures_old_timestamps_and_unknown_names(
    hooked: Warroom, clock: ManualClock
) -> None:
    client = TestClient(create_app(hooked), raise_server_exceptions=False)
    body = {"ref": "INC-1", "text": "x"}
    raw, headers = _signed(clock, body, secret="whsec_" + "b3RoZXItc2VjcmV0LW9mLXNvbWVvbmU=")
    wrong = client.post("/api/v1/hooks/ci", content=raw, headers=headers)
    assert wrong.status_code == 401 and "does not match" in wrong.json()["detail"]

    raw, headers = _signed(clock, body, msg_id="msg_2")
    tampered = client.post("/api/v1/hooks/ci", content=raw.replace(b"x", b"y"), headers=headers)
    assert tampered.status_code == 401

    clock.advance(minutes=6)
    stale = client.post("/api/v1/hooks/ci", content=raw, headers=headers)
    assert stale.status_code == 401 and "5-minute window" in stale.json()["detail"]

    missing = client.post("/api/v1/hooks/ci", json=body)
    assert missing.status_code == 401 and "missing" in missing.json()["detail"]
    raw, headers = _signed(clock, body, msg_id="msg_3")
    assert client.post("/api/v1/hooks/deploys", content=raw, headers=headers).status_code == 404

    raw, headers = _signed(clock, {"ref": "INC-1", "text": ""}, msg_id="msg_4")
    invalid = client.post("/api/v1/hooks/ci", content=raw, headers=headers)
    assert invalid.status_code == 422 and "text" in invalid.text
    raw, headers = _signed(clock, {"ref": "INC-9", "text": "late"}, msg_id="msg_5")
    assert client.post("/api/v1/hooks/ci", content=raw, headers=headers).status_code == 404


def test_sign_in_is_rate_limited_per_address(hooked: Warroom) -> None:
    client = TestClient(create_app(hooked), raise_server_exceptions=False)
    codes = [client.post("/login", data={"token": "nope"}).status_code for _ in range(4)]
    assert codes[:3] == [403, 403, 403]  # refused on its merits (no login form cookie)
    assert codes[3] == 429
    limited = client.post("/login", data={"token": "nope"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["status"] == 429
    page = client.post("/login", data={"token": "nope"}, headers={"Accept": "text/html"})
    assert page.status_code == 429 and "Too many requests" in page.text
    # Another address has its own bucket; reads are not limited.
    other = TestClient(create_app(hooked), client=("10.0.0.9", 5000))
    assert other.post("/login", data={"token": "nope"}).status_code == 403
    assert client.get("/login").status_code == 200


def test_refused_single_sign_ons_are_rate_limited_before_they_are_recorded(
    hooked: Warroom,
) -> None:
    client = TestClient(create_app(hooked), raise_server_exceptions=False)
    codes = [client.get("/login/oidc/callback").status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]  # not configured here: refused, then limited
    with hooked.db.read.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.command).where(audit_log.c.command == "SignInRefused")
        ).all()
    assert len(rows) == 3


def test_a_rotated_intake_key_stops_working_at_once(api: Api) -> None:
    made = api.admin.post(
        "/api/v1/integrations",
        json={"name": "am", "kind": "alertmanager", "service": None},
    )
    assert made.status_code == 201, made.text
    old = made.json()["key"]
    alert = {"alerts": [{"status": "firing", "labels": {"alertname": "Disk"}}]}

    def send(key: str) -> int:
        return api.anonymous.post(
            "/api/v1/alerts/alertmanager",
            json=alert,
            headers={"Authorization": f"Bearer {key}"},
        ).status_code

    assert send(old) == 200
    new = api.admin.post("/api/v1/integrations/am/rotate-key").json()["key"]
    assert send(old) == 401
    assert send(new) == 200
    assert old != new
