"""Admin pages of the console: users, API tokens, and the members of a restricted incident."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.conftest import Api, need
from tests.support import browser as support
from tests.support.console import ConsoleClient
from tests.support.smtp import free_port
from warroom.adapters.orm import start_mappers
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
XSS = '<script>alert("x")</script>'


@pytest.fixture
def admin(api: Api, wr: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, wr, "admin", "root-console")
    yield client
    client.close()


@pytest.fixture
def viewer(api: Api, wr: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, wr, "viewer", "victor-console")
    yield client
    client.close()


def test_admins_manage_users(admin: ConsoleClient, viewer: ConsoleClient, wr: Warroom) -> None:
    assert viewer.get("/admin/users").status_code == 403
    assert viewer.post("/admin/users", {"handle": "x"}).status_code == 403
    page = admin.get("/admin/users")
    assert page.status_code == 200 and "Add a user" in page.text
    short = admin.post("/admin/users", {"handle": "nina", "role": "responder", "password": "a"})
    assert short.status_code == 422 and "password: must be 10" in short.text
    assert wr.users.by_handle("nina") is None
    bad_role = admin.post("/admin/users", {"handle": "nina", "role": "boss", "password": PASSWORD})
    assert bad_role.status_code == 422 and "role: &#39;boss&#39; is not one of" in bad_role.text
    made = admin.post(
        "/admin/users",
        {"handle": "nina", "role": "responder", "password": PASSWORD, "name": XSS},
    )
    assert made.status_code == 303, made.text
    listed = admin.get(made.headers["location"]).text
    assert "User nina created." in listed
    assert XSS not in listed and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in listed
    again = admin.post("/admin/users", {"handle": "nina", "role": "viewer", "password": PASSWORD})
    assert again.status_code == 409 and "already exists" in again.text
    # nina signs in; an admin changes her role, then disables her.
    nina = TestClient(admin.client.app)
    form = nina.get("/login").text
    nina.post(
        "/login",
        data={"handle": "nina", "password": PASSWORD, "csrf": _CSRF.findall(form)[0]},
    )
    assert nina.get("/declare").status_code == 200
    assert admin.post("/admin/users/nina/role", {"role": "viewer"}).status_code == 303
    assert wr.users.by_handle("nina").role is AccessRole.VIEWER  # type: ignore[union-attr]
    assert nina.get("/declare").status_code == 403
    ended = admin.post("/admin/users/nina/end-sessions", {})
    assert "1%20session" in ended.headers["location"]
    assert nina.get("/", follow_redirects=False).status_code == 303
    assert admin.post("/admin/users/nina/disable", {}).status_code == 303
    assert not wr.users.by_handle("nina").active  # type: ignore[union-attr]
    assert admin.post("/admin/users/nina/enable", {}).status_code == 303
    assert admin.post("/admin/users/nobody/disable", {}).status_code == 404
    assert admin.client.post("/admin/users/nina/disable", data={}).status_code == 403  # CSRF


def test_admins_make_list_and_revoke_tokens(admin: ConsoleClient, api: Api, wr: Warroom) -> None:
    wr.users.create(handle="omar", role=AccessRole.RESPONDER, now=wr.clock.now(), password=PASSWORD)
    missing = admin.post("/admin/tokens", {"name": "", "role": "viewer"})
    assert missing.status_code == 422 and "name: must not be empty" in missing.text
    nobody = admin.post("/admin/tokens", {"name": "ci", "role": "viewer", "user": "ghost"})
    assert nobody.status_code == 422 and "no user" in nobody.text
    made = admin.post("/admin/tokens", {"name": f"ci {XSS}", "role": "admin", "user": "omar"})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    token = re.search(r'<code id="new-token">(wr_[^<]+)</code>', made.text)
    assert token, made.text
    assert XSS not in made.text
    with TestClient(api.app, headers={"Authorization": f"Bearer {token.group(1)}"}) as cli:
        me = cli.get("/api/v1/me").json()
        assert me["handle"] == "omar" and me["role"] == "responder"  # capped by the user
    listing = admin.get("/admin/tokens").text
    assert token.group(1) not in listing  # shown once
    record = next(r for r in wr.tokens.list() if r.user == "omar")
    assert admin.post(f"/admin/tokens/{record.id}/revoke", {}).status_code == 303
    with TestClient(api.app, headers={"Authorization": f"Bearer {token.group(1)}"}) as cli:
        assert cli.get("/api/v1/me").status_code == 401
    assert admin.post(f"/admin/tokens/{record.id}/revoke", {}).status_code == 404


def test_members_of_a_restricted_incident(
    admin: ConsoleClient, viewer: ConsoleClient, api: Api
) -> None:
    ref = api.admin.post(
        "/api/v1/incidents",
        json={"title": "Keys leaked", "severity": "sev2", "visibility": "restricted"},
    ).json()["ref"]
    assert viewer.get(f"/incidents/{ref}/members").status_code == 404  # hidden
    page = admin.get(f"/incidents/{ref}/members")
    assert page.status_code == 200 and "Only the people below and admins" in page.text
    empty = admin.post(f"/incidents/{ref}/members", {"person": ""})
    assert empty.status_code == 422 and "person: must not be empty" in empty.text
    added = admin.post(f"/incidents/{ref}/members", {"person": "victor-console"})
    assert added.status_code == 303
    assert "victor-console" in admin.get(added.headers["location"]).text
    assert viewer.get(f"/incidents/{ref}").status_code == 200  # now a member
    removed = admin.post(f"/incidents/{ref}/members/remove", {"person": "victor-console"})
    assert removed.status_code == 303
    assert viewer.get(f"/incidents/{ref}/members").status_code == 404


# -- in Chromium ----------------------------------------------------------------------------------


@pytest.fixture
def live(sqlite_url: str) -> Iterator[tuple[Warroom, str]]:
    need(support.chromium_missing() is None, str(support.chromium_missing()))
    start_mappers()
    port = free_port()
    settings = Settings(database_url=sqlite_url, dev=True, url=f"http://127.0.0.1:{port}")
    wr = bootstrap(settings, policy=load_policy("standard"), migrate=False)
    with support.serving(wr) as url:
        yield wr, url
    wr.close()


@pytest.mark.slow
def test_a_token_made_in_the_console_works_on_the_api(
    live: tuple[Warroom, str], chromium: Any
) -> None:
    wr, url = live
    root, _ = wr.tokens.create(name="root", role=AccessRole.ADMIN, now=wr.clock.now())
    wr.users.create(handle="pat", role=AccessRole.RESPONDER, now=wr.clock.now(), password=PASSWORD)
    page = chromium.new_context().new_page()
    page.set_default_timeout(10_000)
    support.sign_in_with_token(page, url, root)
    page.get_by_role("link", name="Tokens").click()
    page.wait_for_url(f"{url}/admin/tokens")
    page.get_by_label("Name").fill("deploy bot")
    page.get_by_label("Role (a user's token never exceeds the user's role)").select_option(
        "responder"
    )
    page.get_by_label("Acts as user (empty: a service's token)").select_option("pat")
    page.get_by_role("button", name="Make token").click()
    shown = page.locator("#new-token")
    shown.wait_for()
    token = shown.inner_text().strip()
    assert token.startswith("wr_")
    headers = {"Authorization": f"Bearer {token}"}
    made = httpx.post(
        f"{url}/api/v1/incidents",
        json={"title": "Made with a console token", "severity": "sev3", "force": True},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert made.json()["declared_by"] == "pat"
    # Revoked from the console: refused at once.
    page.goto(f"{url}/admin/tokens")
    assert token not in page.content()
    page.locator("tr", has_text="deploy bot").get_by_role("button", name="Revoke").click()
    page.wait_for_url(re.compile(r".*/admin/tokens\?done=.*"))
    assert httpx.get(f"{url}/api/v1/me", headers=headers).status_code == 401
