"""The console's checklist pieces: your next steps on an incident, and the roles matrix."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.conftest import Api
from tests.support.console import ConsoleClient
from warroom.bootstrap import Warroom
from warroom.service_layer.matrix import matrix_markdown, roles_matrix


@pytest.fixture
def alice(api: Api, wr: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, wr, "responder", "alice")
    yield client
    client.close()


@pytest.fixture
def bob(api: Api, wr: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, wr, "responder", "bob")
    yield client
    client.close()


@pytest.fixture
def victor(api: Api, wr: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, wr, "viewer", "victor")
    yield client
    client.close()


def declare(client: ConsoleClient) -> str:
    data = {"title": "Logging in is broken for all users", "severity": "sev2"}
    response = client.post("/declare", data)
    assert response.status_code == 303, response.text
    ref: str = response.headers["location"].rsplit("/", 1)[-1]
    return ref


def panel(client: ConsoleClient, ref: str) -> str:
    html: str = client.get(f"/incidents/{ref}").text
    found = re.search(r'<section id="part-steps".*?</section>', html, re.S)
    assert found, html
    return found.group(0)


def step_ids(html: str) -> list[str]:
    return re.findall(r'<code class="small">([^<]+)</code>', html)


def test_next_steps_are_the_signed_in_persons_items_for_their_roles(
    alice: ConsoleClient, bob: ConsoleClient, victor: ConsoleClient
) -> None:
    ref = declare(alice)
    assert "You hold no role on" in panel(alice, ref)
    assert alice.post(
        f"/incidents/{ref}/roles", {"role": "commander", "person": "alice"}
    ).is_redirect
    assert alice.post(
        f"/incidents/{ref}/roles", {"role": "communications", "person": "bob"}
    ).is_redirect

    mine = panel(alice, ref)
    assert "As commander, soonest deadline first." in mine
    assert step_ids(mine)[:4] == [
        "incident-channel",
        "pin-summary",
        "notify-owning-team",
        "announce-incident",
    ]
    assert "check-declared" not in step_ids(mine)  # done when declared
    assert "internal-update" not in step_ids(mine)  # the communications manager's
    assert "due" in mine and 'action="/incidents/' + ref + '/checklist/check"' in mine

    theirs = panel(bob, ref)
    assert "As communications" in theirs
    assert "internal-update" in step_ids(theirs)
    assert "incident-channel" not in step_ids(theirs)

    # A viewer with no role on it sees no steps and no buttons.
    seen = panel(victor, ref)
    assert "You hold no role on" in seen and "checklist/check" not in seen


def test_ticking_a_step_from_the_console_lands_on_the_timeline(
    alice: ConsoleClient, victor: ConsoleClient
) -> None:
    ref = declare(alice)
    alice.post(f"/incidents/{ref}/roles", {"role": "commander", "person": "alice"})
    ticked = alice.post(
        f"/incidents/{ref}/checklist/check", {"item": "incident-channel"}, htmx=True
    )
    assert ticked.status_code == 204, ticked.text
    assert ticked.headers["HX-Trigger"] == "incident-changed"
    after = step_ids(alice.get(f"/incidents/{ref}/part/steps").text)
    assert "incident-channel" not in after and "pin-summary" in after
    plain = alice.post(f"/incidents/{ref}/checklist/check", {"item": "pin-summary"})
    assert plain.status_code == 303 and plain.headers["location"] == f"/incidents/{ref}"

    timeline = alice.get(f"/incidents/{ref}/part/timeline", params={"kind": "checklist"}).text
    assert "Checklist: ticked &#39;Create a dedicated incident channel" in timeline
    assert "Checklist: ticked &#39;Post a short summary" in timeline
    assert "· checklist · alice" in timeline

    refused = victor.post(f"/incidents/{ref}/checklist/check", {"item": "notify-owning-team"})
    assert refused.status_code == 403 and "may not change incidents" in refused.text


def test_the_roles_matrix_page_and_its_markdown(
    wr: Warroom, alice: ConsoleClient, victor: ConsoleClient
) -> None:
    home = victor.get("/").text
    assert '<a href="/matrix">Roles</a>' in home
    page = victor.get("/matrix")
    assert page.status_code == 200
    html = page.text
    assert "Roles and responsibilities" in html and "<code>commander</code>" in html
    assert '<a href="/matrix.md" download="roles-matrix.md">Markdown export</a>' in html
    assert "<code>incident-channel</code>" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline scripts
    export = victor.get("/matrix.md")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/markdown")
    matrix = roles_matrix(wr.policy, on_duty=wr.on_duty, now=wr.clock.now())
    assert export.text == matrix_markdown(matrix)
