"""Notifications over HTTP and the CLI: failures visible, dead letters retried by admins,
templates rendered and previewed, Slack's signed slash command."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from tests.conftest import Api, Cli
from warroom.adapters.slack_signature import sign
from warroom.domain.access import AccessRole
from warroom.domain.background import OutboundMessage
from warroom.domain.directory import Person
from warroom.entrypoints.api.app import create_app
from warroom.service_layer.worker import WorkerConfig


def dead_letter(api: Api, ref: str) -> int:
    wr = api.wr
    with wr.bus.uow_factory() as uow:
        uow.outbox.enqueue(
            OutboundMessage(
                key=f"{ref}:pigeon",
                channel="carrier-pigeon",
                destination="roof",
                body="coo",
                incident_ref=ref,
            ),
            now=wr.clock.now(),
        )
        uow.commit()
    worker = wr.make_worker(WorkerConfig(max_delivery_attempts=1), "w")
    worker.deliver()
    worker.close()
    dead = api.viewer.get("/api/v1/notifications", params={"status": "dead"}).json()
    [row] = [r for r in dead["data"] if r["key"] == f"{ref}:pigeon"]
    message_id: int = row["id"]
    return message_id


def test_failures_and_dead_letters_are_visible_and_retryable(
    api: Api, declare: Callable[..., dict[str, Any]], cli: Cli
) -> None:
    ref = declare()["ref"]
    message_id = dead_letter(api, ref)
    page = api.viewer.get(f"/api/v1/incidents/{ref}/notifications").json()
    assert page["by_status"]["dead"] == 1
    [row] = [r for r in page["data"] if r["id"] == message_id]
    assert "no notifier is configured for channel 'carrier-pigeon'" in row["last_error"]

    shown = cli("show", ref)
    assert f"#{message_id} DEAD carrier-pigeon → roof" in shown.output

    assert api.responder.post(f"/api/v1/notifications/{message_id}/retry").status_code == 403
    retried = api.admin.post(f"/api/v1/notifications/{message_id}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json() == {"id": message_id, "status": "pending"}
    timeline = api.viewer.get(f"/api/v1/incidents/{ref}/timeline").json()["data"]
    assert any(
        f"Notification #{message_id}" in e["text"] and "queued again by root" in e["text"]
        for e in timeline
    )
    assert api.admin.post("/api/v1/notifications/999999/retry").status_code == 404


def test_declaration_steps_are_on_the_timeline(
    api: Api, declare: Callable[..., dict[str, Any]]
) -> None:
    inc = declare(functionality="logging in", state="broken", audience="all users")
    assert inc["links"]["video_bridge"] == f"https://meet.jit.si/{inc['channel']}"
    texts = [
        e["text"] for e in api.viewer.get(f"/api/v1/incidents/{inc['ref']}/timeline").json()["data"]
    ]
    assert f"Declaration step video_bridge: done — https://meet.jit.si/{inc['channel']}" in texts
    assert any(t.startswith("Declaration step room: skipped — no chat room channel") for t in texts)
    assert any(
        t.startswith("Declaration step notify_team: skipped — no owning team") for t in texts
    )
    assert any(t.startswith("Declaration step ticket: skipped") for t in texts)
    # The announcement's channels (slack, matrix, email) are not configured here.
    assert any(
        t.startswith("Declaration step announce: skipped — channel not configured") for t in texts
    )


def test_updates_render_policy_templates(
    api: Api, declare: Callable[..., dict[str, Any]], cli: Cli
) -> None:
    ref = declare(functionality="logging in", state="broken", audience="all users")["ref"]
    preview = api.viewer.post(
        f"/api/v1/incidents/{ref}/updates/preview",
        json={
            "template": "customer_update",
            "text": "logins fail for some users.",
            "audience": "customers",
        },
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["text"] == (
        "We continue to investigate an issue where logins fail for some users. We expect to "
        "provide another update in 1 hour or as soon as more information is available."
    )
    result = cli(
        "update",
        ref,
        "logins fail for some users.",
        "--audience",
        "customers",
        "--template",
        "customer_update",
    )
    assert result.exit_code == 0, result.output
    timeline = api.viewer.get(
        f"/api/v1/incidents/{ref}/timeline", params={"kind": "customer-update"}
    ).json()
    assert timeline["data"][0]["text"] == preview.json()["text"]
    bad = api.responder.post(
        f"/api/v1/incidents/{ref}/updates",
        json={"audience": "internal", "text": "x", "template": "no_such_template"},
    )
    assert bad.status_code == 422
    assert "no_such_template" in bad.text
    names = api.viewer.get("/api/v1/templates").json()["data"]
    assert {"customer_resolved", "mitigation_announcement", "pinned_summary"} <= set(names)


# -- Slack's slash command ---------------------------------------------------------------------

SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"


def slack_post(
    client: TestClient,
    path: str,
    form: dict[str, str],
    *,
    secret: str = SIGNING,
    ts: int | None = None,
) -> Any:
    body = urlencode(form).encode()
    stamp = str(ts if ts is not None else int(time.time()))
    return client.post(
        path,
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(secret, stamp, body),
        },
    )


@pytest.fixture
def slack_client(api: Api) -> TestClient:
    wr = api.wr
    wr.settings.slack_signing_secret = SecretStr(SIGNING)
    return TestClient(create_app(wr), raise_server_exceptions=False)


def slack_person(api: Api, handle: str, slack_id: str, role: AccessRole | None) -> None:
    """A directory person with a Slack id and, with `role`, a user of that role."""
    wr = api.wr
    with wr.bus.uow_factory() as uow:
        uow.directory.add(Person(handle=handle, slack_id=slack_id))
        uow.commit()
    if role is not None:
        wr.users.create(handle=handle, role=role, now=wr.clock.now())


def test_slack_slash_command_is_verified_and_acts(
    api: Api, declare: Callable[..., dict[str, Any]], slack_client: TestClient
) -> None:
    slack_person(api, "emily", "U0EMILY", AccessRole.RESPONDER)
    inc = declare(functionality="logging in", state="broken", audience="all users")
    now = int(api.wr.clock.now().timestamp())
    form = {
        "command": "/inc",
        "text": "log Found the failing metric",
        "channel_name": inc["channel"],
        "channel_id": "C1",
        "user_id": "U0EMILY",
        "user_name": "emily",
    }
    ok = slack_post(slack_client, "/api/v1/slack/commands", form, ts=now)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"response_type": "in_channel", "text": f"Logged on {inc['ref']}."}

    replay = slack_client.post(
        "/api/v1/slack/commands", content=ok.request.content, headers=dict(ok.request.headers)
    )
    assert replay.status_code == 401 and "replay" in replay.text

    wrong = slack_post(
        slack_client, "/api/v1/slack/commands", {**form, "text": "log x"}, secret="nope", ts=now
    )
    assert wrong.status_code == 401 and "does not match" in wrong.text

    stale = slack_post(
        slack_client, "/api/v1/slack/commands", {**form, "text": "log y"}, ts=now - 301
    )
    assert stale.status_code == 401 and "5-minute window" in stale.text

    notes = api.viewer.get(
        f"/api/v1/incidents/{inc['ref']}/timeline", params={"kind": "note"}
    ).json()["data"]
    assert [(n["text"], n["author"]) for n in notes] == [("Found the failing metric", "emily")]

    status = slack_post(slack_client, "/api/v1/slack/commands", {**form, "text": "status"}, ts=now)
    assert status.json()["text"].startswith(f"{inc['ref']} SEV2 investigating")
    button = slack_post(
        slack_client,
        "/api/v1/slack/interactivity",
        {
            "payload": '{"type":"block_actions","user":{"id":"U0EMILY","username":"emily"},'
            f'"channel":{{"id":"C1","name":"{inc["channel"]}"}},'
            '"actions":[{"action_id":"stage","value":"stage identified"}]}'
        },
        ts=now,
    )
    assert button.json()["text"] == f"{inc['ref']} is now identified."


def test_slack_checklist_and_who_may_change_an_incident(
    api: Api, declare: Callable[..., dict[str, Any]], slack_client: TestClient
) -> None:
    slack_person(api, "emily", "U0EMILY", AccessRole.RESPONDER)
    slack_person(api, "victor", "U0VICTOR", AccessRole.VIEWER)
    inc = declare(functionality="logging in", state="broken", audience="all users")
    ref = inc["ref"]
    now = int(api.wr.clock.now().timestamp())

    def slash(user_id: str, user_name: str, text: str, channel: str = inc["channel"]) -> str:
        form = {
            "command": "/inc",
            "text": text,
            "channel_name": channel,
            "user_id": user_id,
            "user_name": user_name,
        }
        r = slack_post(slack_client, "/api/v1/slack/commands", form, ts=now)
        assert r.status_code == 200, r.text
        return str(r.json()["text"])

    listed = slash("U0VICTOR", "victor", "checklist")
    assert listed.startswith(f"{ref} checklist (investigating): ")
    assert "  [ ] incident-channel: " in listed
    commander = slash("U0VICTOR", "victor", "checklist commander").splitlines()
    assert commander[0].endswith(" — commander")
    assert all("(commander: " in line for line in commander if line.startswith("  ["))
    assert slash("U0VICTOR", "victor", "status").startswith(f"{ref} SEV2 investigating")

    assert slash("U0VICTOR", "victor", "log victor was here") == (
        "Not done: victor: the viewer role may not write (it may not change incidents);"
        " ask an admin for access"
    )
    # Slack's user_name is anyone's choice: an unknown Slack user is not "emily".
    assert slash("U0MALLORY", "emily", "stage identified") == (
        "Not done: slack:U0MALLORY is not in the directory, so may not change incidents"
        " from chat; ask an admin to add your slack id to your person"
    )
    assert slash("U0EMILY", "emily", "log emily was here") == f"Logged on {ref}."
    notes = api.viewer.get(f"/api/v1/incidents/{ref}/timeline", params={"kind": "note"}).json()
    assert [(n["text"], n["author"]) for n in notes["data"]] == [("emily was here", "emily")]
    assert api.viewer.get(f"/api/v1/incidents/{ref}").json()["stage"] == "investigating"


def test_an_unknown_slack_user_cannot_pass_as_a_member_by_name(
    api: Api, declare: Callable[..., dict[str, Any]], slack_client: TestClient
) -> None:
    slack_person(api, "emily", "U0EMILY", AccessRole.RESPONDER)
    secret = declare(title="Keys leaked", visibility="restricted")["ref"]  # emily declares
    now = int(api.wr.clock.now().timestamp())

    def slash(user_id: str, text: str) -> str:
        form = {"command": "/inc", "text": text, "channel_name": "general", "user_id": user_id}
        r = slack_post(
            slack_client, "/api/v1/slack/commands", form | {"user_name": "emily"}, ts=now
        )
        return str(r.json()["text"])

    assert slash("U0MALLORY", f"{secret} status") == f"Not done: incident '{secret}' not found"
    assert slash("U0MALLORY", f"{secret} checklist") == f"Not done: incident '{secret}' not found"
    assert slash("U0EMILY", f"{secret} status").startswith(f"{secret} ")
