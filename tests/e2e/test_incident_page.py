"""The incident detail: the timeline count with and without a full page, roles and postmortem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Api


def test_timeline_count_whether_or_not_the_page_is_full(
    api: Api, declare: Callable[..., dict[str, Any]]
) -> None:
    ref = declare()["ref"]
    for n in range(4):
        note = {"text": f"note {n}"}
        assert api.responder.post(f"/api/v1/incidents/{ref}/timeline", json=note).status_code == 201
    whole = api.viewer.get(f"/api/v1/incidents/{ref}").json()
    total = len(whole["timeline"])
    assert total >= 5 and whole["timeline_count"] == total
    page = api.viewer.get(f"/api/v1/incidents/{ref}", params={"timeline_limit": 2}).json()
    assert len(page["timeline"]) == 2 and page["timeline_count"] == total
    exact = api.viewer.get(f"/api/v1/incidents/{ref}", params={"timeline_limit": total}).json()
    assert exact["timeline_count"] == total
    none = api.viewer.get(f"/api/v1/incidents/{ref}", params={"timeline_limit": 0}).json()
    assert none["timeline"] == [] and none["timeline_count"] == total


def test_roles_and_postmortem_come_with_the_incident(
    api: Api, declare: Callable[..., dict[str, Any]]
) -> None:
    ref = declare()["ref"]
    before = api.viewer.get(f"/api/v1/incidents/{ref}").json()
    assert before["postmortem"] is None
    for role, person in (("commander", "carol"), ("worker", "dave"), ("worker", "erin")):
        done = api.responder.post(
            f"/api/v1/incidents/{ref}/roles", json={"role": role, "person": person}
        )
        assert done.status_code < 300, done.text
    saved = api.responder.put(f"/api/v1/incidents/{ref}/postmortem", json={"body": "# Notes"})
    assert saved.status_code == 200, saved.text
    detail = api.viewer.get(f"/api/v1/incidents/{ref}").json()
    held = [(r["role"], r["person"]) for r in detail["roles"]]
    assert len(held) == len(set(held))  # the join does not repeat a role
    assert {("commander", "carol"), ("worker", "dave"), ("worker", "erin")} <= set(held)
    assert detail["postmortem"] is not None
