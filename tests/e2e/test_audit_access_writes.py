"""People, API tokens and console sessions: every write and every refused sign-in is audited,
with who and from where, and never a password, hash, token or session id."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import Api, Cli
from tests.support.console import ConsoleClient
from warroom.adapters.orm.auth import api_tokens, console_sessions, users
from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole
from warroom.entrypoints.cli.main import app as cli_app

PASSWORD = "correct horse battery staple"
OTHER_PASSWORD = "a different long password"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _rows(api: Api, command: str) -> list[dict[str, Any]]:
    r = api.admin.get("/api/v1/audit", params={"command": command})
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def _one(api: Api, command: str, actor: str, channel: str) -> dict[str, Any]:
    rows = [r for r in _rows(api, command) if r["actor"] == actor]
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["actor"], row["channel"]) == (actor, channel), row
    return row


def _secrets(wr: Warroom) -> list[str]:
    """Every password hash, token hash and session hash in the database."""
    with wr.db.read.connect() as conn:
        found = list(conn.execute(select(users.c.password_hash)).scalars())
        found += list(conn.execute(select(api_tokens.c.token_hash)).scalars())
        found += list(conn.execute(select(console_sessions.c.session_hash)).scalars())
    return [s for s in found if s]


def _login(client: TestClient, **form: str) -> Any:
    csrf = _CSRF.findall(client.get("/login").text)[0]
    return client.post("/login", data={"csrf": csrf, **form}, follow_redirects=False)


def test_people_token_and_session_writes_leave_one_row_each_without_secrets(
    api: Api, wr: Warroom, cli: Cli
) -> None:
    console = ConsoleClient(api.app, wr, "admin", "ada")
    made = console.post(
        "/admin/users",
        {"handle": "alice", "role": "responder", "name": "Alice", "password": PASSWORD},
    )
    assert made.status_code == 303, made.text
    created = _one(api, "CreateUser", "ada", "console")
    assert created["role"] == "admin"
    assert created["fields"]["handle"] == "alice"
    insert = next(c for c in created["changes"] if c["entity"] == "users")
    assert insert["op"] == "insert" and insert["after"]["password_hash"] == "[redacted]"

    assert api.admin.patch("/api/v1/users/alice", json={"role": "admin"}).status_code == 200
    role = _one(api, "SetUserRole", "root", "api")
    change = role["changes"][0]
    assert (change["before"], change["after"]) == ({"role": "responder"}, {"role": "admin"})
    assert api.admin.patch("/api/v1/users/alice", json={"disabled": True}).status_code == 200
    assert _one(api, "DisableUser", "root", "api")["changes"][0]["after"]["disabled_at"]
    assert api.admin.patch("/api/v1/users/alice", json={"disabled": False}).status_code == 200
    assert _one(api, "EnableUser", "root", "api")["changes"][0]["after"] == {"disabled_at": None}
    # A write that fails changes nothing and leaves no row.
    assert api.admin.patch("/api/v1/users/nobody", json={"role": "viewer"}).status_code == 404
    assert len(_rows(api, "SetUserRole")) == 1

    browser = TestClient(api.app, headers={"User-Agent": "alice-browser"})
    assert _login(browser, handle="alice", password=PASSWORD).status_code == 303
    signed_in = _one(api, "SignIn", "alice", "console")
    assert signed_in["user_agent"] == "alice-browser" and signed_in["client_ip"]
    assert signed_in["changes"][0]["after"]["session_hash"] == "[redacted]"
    cookie = browser.cookies["warroom_session"]
    csrf = _CSRF.findall(browser.get("/").text)[0]
    assert browser.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    signed_out = _one(api, "SignOut", "alice", "console")
    assert signed_out["changes"][0]["after"]["ended_at"]

    r = api.admin.post("/api/v1/tokens", json={"name": "deploy-bot", "role": "responder"})
    assert r.status_code == 201, r.text
    token, token_id = r.json()["token"], r.json()["id"]
    made_token = _one(api, "CreateToken", "root", "api")
    assert made_token["fields"]["name"] == "deploy-bot"
    assert made_token["changes"][0]["after"]["token_hash"] == "[redacted]"
    assert api.admin.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    revoked = _one(api, "RevokeToken", "root", "api")
    assert revoked["fields"]["id"] == token_id and revoked["changes"][0]["after"]["revoked_at"]

    assert _login(browser, handle="alice", password=PASSWORD).status_code == 303
    ended = api.admin.delete("/api/v1/users/alice/sessions")
    assert ended.status_code == 200 and ended.json()["ended"] == 1
    end_all = _one(api, "EndSessions", "root", "api")
    assert len(end_all["changes"]) == 1

    export = api.admin.get("/api/v1/audit/export").text
    for secret in [PASSWORD, token, cookie, *_secrets(wr)]:
        assert secret not in export
    listed = cli("audit", "--json", "--command", "SignIn", role="admin")
    assert listed.exit_code == 0, listed.output
    # Newest first: alice twice, then the admin's own sign-in with a token.
    assert [row["actor"] for row in json.loads(listed.output)["data"]] == ["alice", "alice", "ada"]


def test_refused_sign_ins_are_recorded_with_the_handle_and_reason(
    api: Api, wr: Warroom, cli: Cli
) -> None:
    wr.users.create(handle="bob", role=AccessRole.VIEWER, now=wr.clock.now(), password=PASSWORD)
    wr.users.create(handle="carol", role=AccessRole.VIEWER, now=wr.clock.now(), password=PASSWORD)
    wr.users.disable("carol", wr.clock.now())
    browser = TestClient(api.app, headers={"User-Agent": "guesser/2"})
    answers = [
        _login(browser, handle="bob", password=OTHER_PASSWORD),
        _login(browser, handle="nobody", password=OTHER_PASSWORD),
        _login(browser, handle="carol", password=PASSWORD),
    ]
    # The answers are unchanged: one message, whatever the reason.
    assert {a.status_code for a in answers} == {401}
    assert all("Wrong user name or password." in a.text for a in answers)
    bad_token = "wr_" + "x" * 43
    assert _login(browser, token=bad_token).status_code == 401
    assert browser.get("/login/oidc/callback", follow_redirects=False).status_code == 404

    rows = _rows(api, "SignInRefused")
    seen = [(r["fields"]["method"], r["fields"]["handle"], r["fields"]["reason"]) for r in rows]
    assert seen[::-1] == [
        ("password", "bob", "wrong password"),
        ("password", "nobody", "unknown user"),
        ("password", "carol", "disabled"),
        ("token", "", "That token is unknown, expired or revoked."),
        ("sso", "", "Single sign-on is not configured."),
    ]
    assert {(r["actor"], r["channel"], r["user_agent"]) for r in rows} == {
        ("anonymous", "console", "guesser/2")
    }
    assert all(r["client_ip"] and r["changes"] == [] for r in rows)
    assert _rows(api, "SignIn") == []
    text = json.dumps(rows)
    for secret in [PASSWORD, OTHER_PASSWORD, bad_token, *_secrets(wr)]:
        assert secret not in text
    table = cli("audit", "--command", "SignInRefused", role="admin")
    assert table.exit_code == 0 and table.output.count("SignInRefused") == 5


def test_direct_database_commands_from_the_cli_are_audited(
    api: Api, wr: Warroom, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_DEV", "1")
    monkeypatch.setattr("getpass.getuser", lambda: "opsadmin")
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> str:
        result = runner.invoke(cli_app, list(args), input=stdin, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("user", "create", "dave", "--password-stdin", stdin=PASSWORD + "\n")
    run("user", "passwd", "dave", "--password-stdin", stdin=OTHER_PASSWORD + "\n")
    run("user", "role", "dave", "responder")
    run("user", "disable", "dave")
    run("user", "enable", "dave")
    run("user", "end-sessions", "dave")
    made = json.loads(run("token", "create", "--role", "viewer", "--name", "dave-cli", "--json"))
    run("token", "revoke", str(made["id"]))

    commands = [
        "CreateUser",
        "SetPassword",
        "SetUserRole",
        "DisableUser",
        "EnableUser",
        "EndSessions",
        "CreateToken",
        "RevokeToken",
    ]
    rows = api.admin.get("/api/v1/audit/export").text.splitlines()
    mine = [json.loads(r) for r in rows if '"os:opsadmin"' in r]
    assert [r["command"] for r in mine] == commands
    assert {(r["channel"], r["user_agent"]) for r in mine} == {("cli", "warroom-cli")}
    password = next(r for r in mine if r["command"] == "SetPassword")
    assert password["changes"][0]["after"] == {"password_hash": "[redacted]"}
    text = "\n".join(rows)
    for secret in [PASSWORD, OTHER_PASSWORD, made["token"], *_secrets(wr)]:
        assert secret not in text
