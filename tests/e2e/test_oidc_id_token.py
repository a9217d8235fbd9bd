"""Single sign-on refuses a bad ID token, end to end: a test provider on 127.0.0.1
(tests/support/oidc_provider.py) mints an ID token with one defect, the browser comes
back to the callback with a good code and state, and the console must answer with its
sign-in page and a 4xx saying why: no session, no user, nothing in the audit log but the
refusal. A good token from the same provider signs in, so each refusal is the defect's.

Replayed and mismatched states are refused before the code is redeemed."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.fakes import ManualClock
from tests.support.oidc_provider import DEFECTS, TestProvider, serve_provider
from warroom.adapters.orm.audit import audit_log
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.entrypoints.web.auth import SESSION_COOKIE
from warroom.entrypoints.web.sso import SSO_COOKIE

CLIENT_ID, CLIENT_SECRET = "warroom-console", "s3cret-for-tests"
USER = {"sub": "u-2002", "preferred_username": "mallory", "name": "Mallory", "email": "m@x.org"}

# The defect, and what the refusal must say (joserfc names the claim it refused).
REASONS = {
    "aud": "'aud'",
    "aud-list": "'aud'",
    "aud-extra": "another client",
    "azp": "another client",
    "iss": "'iss'",
    "exp": "expired",
    "no-exp": "'exp'",
    "iat": "issued in the future",
    "nbf": "not yet valid",
    "nonce": "'nonce'",
    "no-iat": "'iat'",
    "no-nonce": "'nonce'",
    "no-sub": "'sub'",
    "foreign-key": "signature",
    "unknown-kid": "kid",
    "tampered": "signature",
    "alg-none": "none",
    "hs256": "HS256",
    "garbage": "refused",
}


@pytest.fixture
def provider() -> Iterator[TestProvider]:
    """The test provider, serving in a thread for this test."""
    test_provider = TestProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, user=USER)
    server = serve_provider(test_provider)
    yield test_provider
    server.stop()


@pytest.fixture
def sso_app(sqlite_url: str, provider: TestProvider) -> Iterator[tuple[Warroom, Any]]:
    from warroom.entrypoints.api.app import create_app  # noqa: PLC0415 - after the mappers

    settings = Settings(
        database_url=sqlite_url,
        dev=True,
        url="http://testserver",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_default_role="responder",
    )
    wr = bootstrap(settings, clock=ManualClock(), policy=load_policy("standard"), migrate=False)
    yield wr, create_app(wr)
    wr.close()


def _authorise(client: TestClient) -> dict[str, str]:
    """Begin sign-in in `client` and approve at the provider; the callback's parameters."""
    start = client.get("/login/oidc?next=/declare", follow_redirects=False)
    assert start.status_code == 303, start.text
    answer = httpx2.get(start.headers["location"], follow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert back.path == "/login/oidc/callback"
    return {k: v[0] for k, v in parse_qs(back.query).items()}


def _commands(wr: Warroom) -> list[tuple[str, dict[str, Any]]]:
    with wr.db.read.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id))
        return [(r.command, r.fields) for r in rows]


def _assert_refused(wr: Warroom, client: TestClient, answer: Any, status: int, says: str) -> None:
    """The sign-in page with `status` and `says`; nobody signed in, nothing but the refusal
    recorded."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "Sign in" in answer.text and says in answer.text, answer.text
    assert SESSION_COOKIE not in answer.cookies
    assert all(SESSION_COOKIE not in h for h in answer.headers.get_list("set-cookie"))
    assert client.get("/", follow_redirects=False).status_code == 303  # to the login page
    assert wr.users.list() == []
    ((command, fields),) = _commands(wr)
    assert command == "SignInRefused" and fields["method"] == "sso", fields
    assert says in fields["reason"]


def test_a_good_id_token_from_the_test_provider_signs_in(
    sso_app: tuple[Warroom, Any], provider: TestProvider
) -> None:
    wr, app = sso_app
    with TestClient(app) as client:
        done = client.get("/login/oidc/callback", params=_authorise(client), follow_redirects=False)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/declare"
        assert "Sign out mallory" in client.get("/declare").text
    user = wr.users.by_handle("mallory")
    assert user is not None and (user.oidc_issuer, user.oidc_subject) == (provider.issuer, "u-2002")
    assert [c for c, _ in _commands(wr)] == ["ProvisionUser", "SignIn"]


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_an_id_token_with_a_defect_is_refused(
    sso_app: tuple[Warroom, Any], provider: TestProvider, defect: str
) -> None:
    assert set(REASONS) == set(DEFECTS)
    wr, app = sso_app
    provider.defect = defect
    with TestClient(app) as client:
        params = _authorise(client)
        answer = client.get("/login/oidc/callback", params=params, follow_redirects=False)
        assert len(provider.minted) == 1  # the code was redeemed: the token was refused
        _assert_refused(wr, client, answer, 401, "ID token was refused")
        assert REASONS[defect] in html.unescape(answer.text), answer.text


def test_the_state_of_an_earlier_sign_in_is_refused(
    sso_app: tuple[Warroom, Any], provider: TestProvider
) -> None:
    wr, app = sso_app
    with TestClient(app) as client:
        # Two tabs: the second sign-in replaces the first one's pending cookie.
        first = _authorise(client)
        second = _authorise(client)
        assert first["state"] != second["state"]
        answer = client.get("/login/oidc/callback", params=first, follow_redirects=False)
        _assert_refused(wr, client, answer, 400, "did not match")
    assert provider.minted == []  # refused before the code was redeemed


def test_a_replayed_callback_is_refused(
    sso_app: tuple[Warroom, Any], provider: TestProvider
) -> None:
    wr, app = sso_app
    with TestClient(app) as client:
        params = _authorise(client)
        pending = client.cookies[SSO_COOKIE]
        done = client.get("/login/oidc/callback", params=params, follow_redirects=False)
        assert done.status_code == 303, done.text
        assert SSO_COOKIE not in client.cookies  # spent: the callback forgets it
    with TestClient(app) as attacker:
        # The same answer again, in a browser without the pending cookie...
        replayed = attacker.get("/login/oidc/callback", params=params, follow_redirects=False)
        assert replayed.status_code == 400, replayed.text
        assert "expired" in replayed.text
        # ... and with a copy of it: the provider no longer honours the code.
        attacker.cookies.set(SSO_COOKIE, pending)
        replayed = attacker.get("/login/oidc/callback", params=params, follow_redirects=False)
        assert replayed.status_code == 401, replayed.text
        assert "refused the code" in replayed.text
        assert attacker.get("/", follow_redirects=False).status_code == 303
    assert len(provider.minted) == 1
    assert [u.handle for u in wr.users.list()] == ["mallory"]
    assert [c for c, _ in _commands(wr)] == [
        "ProvisionUser",
        "SignIn",
        "SignInRefused",
        "SignInRefused",
    ]
