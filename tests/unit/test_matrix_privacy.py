"""`matrix_privacy.refusal`: which room states a restricted incident's messages may go to."""

from __future__ import annotations

from typing import Any

import pytest

from warroom.adapters.matrix_privacy import refusal

ME = "@warroom:example.org"
ALIAS = "#inc-1:example.org"


def room(
    join_rule: str | None = "invite",
    history: str | None = "shared",
    membership: str | None = "join",
    creator: str = ME,
) -> list[dict[str, Any]]:
    """The state events of a room, as GET /rooms/{id}/state returns them."""
    state: list[dict[str, Any]] = [
        {"type": "m.room.create", "state_key": "", "sender": creator, "content": {}}
    ]
    if join_rule is not None:
        state.append(
            {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": join_rule}}
        )
    if history is not None:
        state.append(
            {
                "type": "m.room.history_visibility",
                "state_key": "",
                "content": {"history_visibility": history},
            }
        )
    if membership is not None:
        state.append(
            {"type": "m.room.member", "state_key": ME, "content": {"membership": membership}}
        )
    return state


@pytest.mark.parametrize("history", ["shared", "invited", "joined", None])
def test_warroom_s_own_invite_only_room_passes(history: str | None) -> None:
    assert refusal(room(history=history), me=ME, alias=ALIAS) is None


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (room(join_rule="public"), "is not invite-only (join rule public)"),
        # Knockers are shown the room's topic: the incident's summary line.
        (room(join_rule="knock"), "is not invite-only (join rule knock)"),
        (room(join_rule="restricted"), "is not invite-only (join rule restricted)"),
        (room(join_rule="knock_restricted"), "(join rule knock_restricted)"),
        (room(join_rule="private"), "(join rule private)"),  # reserved, undefined
        (room(join_rule=None), "(join rule unset)"),
        (room(history="world_readable"), "has world-readable history"),
        (room(membership="leave"), "exists but warroom is not in it"),
        (room(membership="invite"), "exists but warroom is not in it"),
        (room(membership=None), "exists but warroom is not in it"),
        ([], "exists but warroom is not in it"),  # its state is not readable
        (room(creator="@mallory:example.org"), "was created by @mallory:example.org"),
    ],
)
def test_anything_else_is_refused_with_the_reason(state: list[dict[str, Any]], reason: str) -> None:
    found = refusal(state, me=ME, alias=ALIAS)
    assert found is not None and reason in found, found
    assert found.startswith(f"Matrix room {ALIAS} ") and "restricted incident" in found
