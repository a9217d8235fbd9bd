"""Password sign-in on the console, sessions of disabled users, and a user's own tokens."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import Api
from tests.fakes import ManualClock
from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _login(client: TestClient, handle: str, password: str, csrf: str | None = None) -> Any:
    form = client.get("/login").text
    token = csrf if csrf is not None else _CSRF.findall(form)[0]
    return client.post(
        "/login",
        data={"handle": handle, "password": password, "csrf": token, "next": "/"},
        follow_redirects=False,
    )


def test_password_sign_in_fails_alike_for_unknown_users_and_wrong_passwords(
    api: Api, wr: Warroom
) -> None:
    wr.users.create(
        handle="alice", role=AccessRole.RESPONDER, now=wr.clock.now(), password=PASSWORD
    )
    with TestClient(api.app) as client:
        wrong = _login(client, "alice", "not the password")
        unknown = _login(client, "mallory", "not the password")
        assert wrong.status_code == unknown.status_code == 401
        message = "Wrong user name or password."
        assert message in wrong.text and message in unknown.text
        assert "SESSION" not in str(wrong.cookies).upper()
        forged = _login(client, "alice", PASSWORD, csrf="forged")
        assert forged.status_code == 403  # the sign-in form has its own CSRF token
        ok = _login(client, "alice", PASSWORD)
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        page = client.get("/")
        assert "Sign out alice" in page.text
        # every unsafe console request needs the session's CSRF token
        refused = client.post("/declare", data={"title": "x"}, follow_redirects=False)
        assert refused.status_code == 403 and "security token" in refused.text
        csrf = _CSRF.findall(page.text)[0]
        out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303
        assert client.get("/", follow_redirects=False).status_code == 303


def test_disabling_a_user_ends_their_sessions_and_tokens(api: Api, wr: Warroom) -> None:
    now = wr.clock.now()
    bob = wr.users.create(handle="bob", role=AccessRole.RESPONDER, now=now, password=PASSWORD)
    token, _ = wr.tokens.create(name="bob-cli", role=AccessRole.RESPONDER, now=now, user_id=bob.id)
    with TestClient(api.app) as client:
        assert _login(client, "bob", PASSWORD).status_code == 303
        r = api.admin.patch("/api/v1/users/bob", json={"disabled": True})
        assert r.status_code == 200 and r.json()["disabled_at"] is not None
        assert client.get("/", follow_redirects=False).status_code == 303
        assert _login(client, "bob", PASSWORD).status_code == 401
    with TestClient(api.app, headers={"Authorization": f"Bearer {token}"}) as cli:
        assert cli.get("/api/v1/incidents").status_code == 401


def test_users_make_their_own_scoped_tokens(api: Api, wr: Warroom) -> None:
    now = wr.clock.now()
    carol = wr.users.create(handle="carol", role=AccessRole.RESPONDER, now=now, password=PASSWORD)
    first, _ = wr.tokens.create(name="carol", role=AccessRole.RESPONDER, now=now, user_id=carol.id)
    with TestClient(api.app, headers={"Authorization": f"Bearer {first}"}) as me:
        assert me.get("/api/v1/me").json()["handle"] == "carol"
        too_much = me.post("/api/v1/me/tokens", json={"name": "ci", "scope": "admin"})
        assert too_much.status_code == 403 and "exceeds" in too_much.json()["detail"]
        made = me.post("/api/v1/me/tokens", json={"name": "dashboards", "scope": "read"})
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["role"] == "viewer" and body["user"] == "carol"
        listed = me.get("/api/v1/me/tokens").json()
        assert all("token" not in t for t in listed)  # shown once, never listed
        assert len(listed) == 2
    with TestClient(api.app, headers={"Authorization": f"Bearer {body['token']}"}) as ro:
        assert ro.get("/api/v1/incidents").status_code == 200
        declared = ro.post("/api/v1/incidents", json={"title": "x", "severity": "sev3"})
        assert declared.status_code == 403
    with TestClient(api.app, headers={"Authorization": f"Bearer {first}"}) as me:
        assert me.delete(f"/api/v1/me/tokens/{body['id']}").status_code == 204
    with TestClient(api.app, headers={"Authorization": f"Bearer {body['token']}"}) as ro:
        assert ro.get("/api/v1/incidents").status_code == 401
    # a service token has no "me"
    assert api.viewer.get("/api/v1/me/tokens").status_code == 403


def _refused_everywhere(api: Api, token: str) -> None:
    """The API answers 401 with a problem-details body; the console will not sign in with it."""
    with TestClient(api.app, headers={"Authorization": f"Bearer {token}"}) as cli:
        r = cli.get("/api/v1/incidents")
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        problem = r.json()
        assert problem["status"] == 401 and "expired or revoked" in problem["detail"]
    with TestClient(api.app) as browser:
        browser.get("/login")
        csrf = browser.cookies.get("warroom_login_csrf")
        r = browser.post("/login", data={"token": token, "csrf": csrf}, follow_redirects=False)
        assert r.status_code == 401 and "unknown, expired or revoked" in r.text
        assert browser.get("/", follow_redirects=False).status_code == 303


def test_expired_and_revoked_tokens_are_refused(api: Api, wr: Warroom, clock: ManualClock) -> None:
    now = clock.now()
    expiring, _ = wr.tokens.create(
        name="short", role=AccessRole.RESPONDER, now=now, expires_at=now + timedelta(hours=1)
    )
    revoked, record = wr.tokens.create(name="gone", role=AccessRole.RESPONDER, now=now)
    for token in (expiring, revoked):  # both worked
        with TestClient(api.app, headers={"Authorization": f"Bearer {token}"}) as cli:
            assert cli.get("/api/v1/incidents").status_code == 200
    clock.advance(hours=1)  # the expiry itself is already too late
    wr.tokens.revoke(record.id, clock.now())
    api.app.state.token_cache.clear()  # what a few seconds do: the cache holds tokens briefly
    _refused_everywhere(api, expiring)
    _refused_everywhere(api, revoked)
