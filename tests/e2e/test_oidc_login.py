"""Single sign-on end to end against a real OpenID provider (oidc-provider-mock) on
127.0.0.1: console → provider → callback → session; the user is made on first sign-in
with the default role; a forged state or a wrong nonce is refused."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
import werkzeug.serving
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.fakes import ManualClock
from tests.support.servers import free_port
from warroom.adapters.orm.audit import audit_log
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole
from warroom.entrypoints.api.app import create_app
from warroom.entrypoints.web.sso import SSO_COOKIE

with warnings.catch_warnings():
    # The provider (a test tool) still imports Authlib's deprecated jose module.
    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock

# ... and calls Authlib hooks deprecated since (inside the provider's thread).
pytestmark = [
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]

CLIENT_ID, CLIENT_SECRET = "warroom-console", "s3cret-for-tests"


@pytest.fixture
def provider() -> Iterator[str]:
    """The provider's issuer URL; it runs in a thread for this test."""
    port = free_port()
    app = oidc_provider_mock.app(
        require_nonce=True,
        user_claims=[
            oidc_provider_mock.User(
                sub="u-1001",
                claims={
                    "email": "alice@example.org",
                    "preferred_username": "alice",
                    "name": "Alice Liddell",
                },
            )
        ],
    )
    server = werkzeug.serving.make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def sso_app(sqlite_url: str, provider: str) -> Iterator[tuple[Warroom, Any]]:
    settings = Settings(
        database_url=sqlite_url,
        dev=True,
        url="http://testserver",
        oidc_issuer=provider,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_default_role="responder",
    )
    wr = bootstrap(settings, clock=ManualClock(), policy=load_policy("standard"), migrate=False)
    yield wr, create_app(wr)
    wr.close()


def _start(client: TestClient, next_url: str = "/") -> str:
    """Begin sign-in at the console; the provider's authorisation URL."""
    response = client.get(f"/login/oidc?next={next_url}", follow_redirects=False)
    assert response.status_code == 303, response.text
    assert SSO_COOKIE in response.cookies
    return response.headers["location"]


def _approve(authorize_url: str, sub: str = "u-1001") -> dict[str, str]:
    """Sign in at the provider as `sub`; the code and state it sends back."""
    answer = httpx2.post(authorize_url, data={"sub": sub}, follow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text
    back = urlsplit(answer.headers["location"])
    assert back.path == "/login/oidc/callback"
    return {k: v[0] for k, v in parse_qs(back.query).items()}


def test_sign_in_provisions_the_user_with_the_default_role(
    sso_app: tuple[Warroom, Any], provider: str
) -> None:
    wr, app = sso_app
    with TestClient(app) as client:
        assert "Sign in with single sign-on" in client.get("/login").text
        url = _start(client, "/declare")
        sent = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert url.startswith(provider)
        assert sent["client_id"] == CLIENT_ID and sent["response_type"] == "code"
        assert sent["redirect_uri"] == "http://testserver/login/oidc/callback"
        assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
        assert sent["state"] and sent["nonce"] and "openid" in sent["scope"].split()
        params = _approve(url)
        assert params["state"] == sent["state"]
        done = client.get("/login/oidc/callback", params=params, follow_redirects=False)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/declare"
        page = client.get("/declare")
        assert page.status_code == 200 and "Sign out alice" in page.text

    user = wr.users.by_handle("alice")
    assert user is not None
    assert user.role is AccessRole.RESPONDER
    assert (user.oidc_issuer, user.oidc_subject) == (provider, "u-1001")
    assert (user.name, user.email) == ("Alice Liddell", "alice@example.org")

    # A second sign-in finds the same user; an admin's role change is kept.
    wr.users.set_role("alice", AccessRole.VIEWER)
    app.state.console_sessions.forget()  # sessions re-read the user every few seconds
    with TestClient(app) as again:
        again.get("/login/oidc/callback", params=_approve(_start(again)), follow_redirects=False)
        assert "Sign out alice" in again.get("/").text
        refused = again.get("/declare")
        assert refused.status_code == 403
    assert [u.handle for u in wr.users.list()] == ["alice"]

    # Logging out ends the session in this browser.
    with TestClient(app) as third:
        third.get("/login/oidc/callback", params=_approve(_start(third)), follow_redirects=False)
        csrf = third.get("/").text.split('name="csrf" value="')[1].split('"')[0]
        out = third.post("/logout", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303
        assert third.get("/", follow_redirects=False).headers["location"].startswith("/login")

    (provisioned,) = _audit(wr, "ProvisionUser")
    assert (provisioned.actor, provisioned.channel) == ("alice", "console")
    assert provisioned.fields["oidc_subject"] == "u-1001"
    assert provisioned.fields["role"] == "responder"
    assert [(r.actor, r.channel) for r in _audit(wr, "SignIn")] == [("alice", "console")] * 3
    assert [r.actor for r in _audit(wr, "SignOut")] == ["alice"]
    assert _audit(wr, "SignInRefused") == []


def _audit(wr: Warroom, command: str) -> list[Any]:
    with wr.db.read.connect() as conn:
        query = select(audit_log).where(audit_log.c.command == command).order_by(audit_log.c.id)
        return list(conn.execute(query))


def test_a_forged_state_is_refused(sso_app: tuple[Warroom, Any]) -> None:
    wr, app = sso_app
    with TestClient(app) as client:
        params = _approve(_start(client))
        forged = {**params, "state": "not-the-state-we-sent"}
        refused = client.get("/login/oidc/callback", params=forged, follow_redirects=False)
        assert refused.status_code == 400
        assert "did not match" in refused.text
        assert client.get("/", follow_redirects=False).status_code == 303  # not signed in
    assert wr.users.list() == []
    (refusal,) = _audit(wr, "SignInRefused")
    assert refusal.fields["method"] == "sso" and "did not match" in refusal.fields["reason"]
    assert (refusal.actor, refusal.channel) == ("anonymous", "console")


def test_a_callback_without_the_pending_cookie_is_refused(sso_app: tuple[Warroom, Any]) -> None:
    wr, app = sso_app
    with TestClient(app) as victim, TestClient(app) as attacker:
        # A code obtained by someone else, replayed in another browser (login CSRF).
        params = _approve(_start(attacker))
        refused = victim.get("/login/oidc/callback", params=params, follow_redirects=False)
        assert refused.status_code == 400
    assert wr.users.list() == []


def test_an_id_token_for_another_nonce_is_refused(sso_app: tuple[Warroom, Any]) -> None:
    wr, app = sso_app
    signer = app.state.sso_signer
    with TestClient(app) as client:
        url = _start(client)
        pending = signer.loads(client.cookies[SSO_COOKIE])
        # The provider will put the nonce it was sent in the ID token; expect another.
        client.cookies.delete(SSO_COOKIE)
        client.cookies.set(SSO_COOKIE, signer.dumps({**pending, "n": "another-nonce"}))
        refused = client.get("/login/oidc/callback", params=_approve(url), follow_redirects=False)
        assert refused.status_code == 401
        assert "ID token was refused" in refused.text and "nonce" in refused.text
        assert client.get("/", follow_redirects=False).status_code == 303
    assert wr.users.list() == []
    (refusal,) = _audit(wr, "SignInRefused")
    assert refusal.fields["method"] == "sso" and "nonce" in refusal.fields["reason"]
