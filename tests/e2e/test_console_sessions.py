"""Console sessions live on the server: signing out, ending others, admins, disabled users."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import Api
from tests.fakes import ManualClock
from warroom.adapters.orm.auth import console_sessions
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole
from warroom.entrypoints.cli.main import app as cli_app

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _sign_in(api: Api, handle: str, agent: str = "test-browser") -> tuple[TestClient, str]:
    client = TestClient(api.app, headers={"User-Agent": agent})
    form = client.get("/login").text
    done = client.post(
        "/login",
        data={"handle": handle, "password": PASSWORD, "csrf": _CSRF.findall(form)[0]},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    csrf = _CSRF.findall(client.get("/").text)[0]
    return client, csrf


def _signed_in(client: TestClient, cookie: str | None = None) -> bool:
    cookies = {"warroom_session": cookie} if cookie else None
    if cookies:
        client.cookies.clear()
        client.cookies.update(cookies)
    return client.get("/", follow_redirects=False).status_code == 200


def _user(wr: Warroom, handle: str, role: AccessRole = AccessRole.RESPONDER) -> Any:
    return wr.users.create(handle=handle, role=role, now=wr.clock.now(), password=PASSWORD)


def test_the_cookie_is_only_a_hash_in_the_table_and_sign_out_ends_it(api: Api, wr: Warroom) -> None:
    _user(wr, "alice")
    client, csrf = _sign_in(api, "alice")
    cookie = client.cookies["warroom_session"]
    with wr.db.read.connect() as conn:
        row = conn.execute(select(console_sessions)).one()
    assert row.principal == "alice" and row.ended_at is None
    assert row.user_agent == "test-browser" and row.client_ip
    assert row.session_hash not in cookie and len(row.session_hash) == 64
    out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    # A copy of the cookie taken before signing out is refused (not just deleted).
    replay = TestClient(api.app)
    assert not _signed_in(replay, cookie)
    with wr.db.read.connect() as conn:
        assert conn.execute(select(console_sessions.c.ended_at)).scalar_one() is not None


def test_a_user_ends_their_other_sessions(api: Api, wr: Warroom) -> None:
    _user(wr, "bob")
    laptop, csrf = _sign_in(api, "bob", "laptop")
    phone, _ = _sign_in(api, "bob", "phone")
    page = laptop.get("/account")
    assert page.status_code == 200
    assert "laptop" in page.text and "phone" in page.text and "this session" in page.text
    done = laptop.post("/account/sessions/end-others", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account?ended=1"
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    refused = laptop.post("/account/sessions/end-others", data={}, follow_redirects=False)
    assert refused.status_code == 403  # CSRF


def test_admins_list_and_end_a_users_sessions(api: Api, wr: Warroom) -> None:
    carol = _user(wr, "carol")
    one, _ = _sign_in(api, "carol", "one")
    two, _ = _sign_in(api, "carol", "two")
    listed = api.admin.get("/api/v1/users/carol/sessions")
    assert listed.status_code == 200
    assert sorted(s["user_agent"] for s in listed.json()) == ["one", "two"]
    assert api.admin.get("/api/v1/users/nobody/sessions").status_code == 404
    assert api.responder.delete("/api/v1/users/carol/sessions").status_code == 403
    ended = api.admin.delete("/api/v1/users/carol/sessions")
    assert ended.status_code == 200 and ended.json() == {"ended": 2}
    assert not _signed_in(one) and not _signed_in(two)
    assert api.admin.get("/api/v1/users/carol/sessions").json() == []
    # A user (through a token of theirs) lists and ends their own.
    three, _ = _sign_in(api, "carol", "three")
    token, _ = wr.tokens.create(
        name="carol", role=AccessRole.RESPONDER, now=wr.clock.now(), user_id=carol.id
    )
    with TestClient(api.app, headers={"Authorization": f"Bearer {token}"}) as me:
        assert [s["user_agent"] for s in me.get("/api/v1/me/sessions").json()] == ["three"]
        assert me.delete("/api/v1/me/sessions").json() == {"ended": 1}
    assert not _signed_in(three)


def test_disabling_ends_sessions_and_a_role_change_reaches_them(api: Api, wr: Warroom) -> None:
    _user(wr, "dora")
    client, _ = _sign_in(api, "dora")
    assert client.get("/declare").status_code == 200
    assert api.admin.patch("/api/v1/users/dora", json={"role": "viewer"}).status_code == 200
    assert client.get("/declare").status_code == 403  # the same session, now a viewer
    assert api.admin.patch("/api/v1/users/dora", json={"disabled": True}).status_code == 200
    with wr.db.read.connect() as conn:
        assert conn.execute(select(console_sessions.c.ended_at)).scalar_one() is not None
    # Re-enabling does not bring the ended session back.
    assert api.admin.patch("/api/v1/users/dora", json={"disabled": False}).status_code == 200
    client.app.state.console_sessions.forget()  # type: ignore[attr-defined]
    assert not _signed_in(client)


def test_a_revoked_token_ends_the_sessions_begun_with_it(api: Api, wr: Warroom) -> None:
    token, record = wr.tokens.create(name="svc", role=AccessRole.VIEWER, now=wr.clock.now())
    client = TestClient(api.app)
    form = client.get("/login").text
    client.post("/login", data={"token": token, "csrf": _CSRF.findall(form)[0]})
    assert _signed_in(client)
    wr.tokens.revoke(record.id, wr.clock.now())
    with wr.db.read.connect() as conn:
        assert conn.execute(select(console_sessions.c.ended_at)).scalar_one() is not None


def test_sessions_expire_after_their_lifetime(api: Api, wr: Warroom, clock: ManualClock) -> None:
    _user(wr, "erin")
    client, _ = _sign_in(api, "erin")
    clock.advance(hours=12, minutes=1)
    client.app.state.console_sessions.forget()  # type: ignore[attr-defined]
    assert not _signed_in(client)


def test_sessions_from_the_command_line(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("WARROOM_DEV", "1")
    # The system clock, as the command line uses.
    wr = bootstrap(Settings(database_url=sqlite_url, dev=True), policy=load_policy("standard"))
    try:
        user = wr.users.create(handle="fay", role=AccessRole.VIEWER, now=wr.clock.now())
        for agent in ("a", "b"):
            wr.sessions.begin(
                wr.tokens.principal_by_id(
                    wr.tokens.create(
                        name=agent, role=AccessRole.VIEWER, now=wr.clock.now(), user_id=user.id
                    )[1].id,
                    wr.clock.now(),
                )
                or pytest.fail("token"),
                now=wr.clock.now(),
                user_agent=agent,
            )
    finally:
        wr.close()
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["user", "sessions", "fay", "--json"])
    assert listed.exit_code == 0, listed.output
    assert sorted(s["user_agent"] for s in json.loads(listed.output)) == ["a", "b"]
    ended = runner.invoke(cli_app, ["user", "end-sessions", "fay"])
    assert ended.exit_code == 0 and "2 session(s) of fay ended" in ended.output
    again = runner.invoke(cli_app, ["user", "sessions", "fay", "--json"])
    assert json.loads(again.output) == []
    assert runner.invoke(cli_app, ["user", "end-sessions", "nobody"]).exit_code == 2
