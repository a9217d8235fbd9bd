"""Whether a Matrix room is private enough for a restricted incident, from its state.

A restricted incident's room messages may go only to a room that nobody reads unless
warroom (or someone already in it) lets them in. Read from the room's current state:

- **warroom is joined.** A room warroom is not in cannot be checked (its state is not
  readable, or is stale from when warroom left), and warroom would not be posting there
  anyway unless someone had let it in.
- **warroom created it** (the sender of `m.room.create`). An invite-only room someone
  else made with the incident's alias has its maker in it, reading along; and the bot
  (`warroom matrix-bot`) joins any room it is invited to, so such a room would pass
  every other check.
- **join rule `invite`.** `public` lets anyone join; `restricted`/`knock_restricted`
  let everyone in another room join; `knock` lets anyone ask, and a knocker is shown
  the room's name and topic — the topic carries the incident's summary line; `private`
  is reserved by the specification with no defined meaning. Only `invite` is accepted:
  warroom creates its rooms with it (`private_chat`), so refusing the others costs a
  room warroom made nothing.
- **history not `world_readable`**, which lets anyone (even guests, not joined) read
  the timeline. `shared`, `invited` and `joined` all limit it to members.

The first failed check, in the order join rule, history, membership, creator, is the
reason given (a room whose state warroom cannot read at all is refused as one it is
not in).
"""

from __future__ import annotations

from typing import Any

ACCEPTED_JOIN_RULE = "invite"


def refusal(state: list[dict[str, Any]], *, me: str, alias: str) -> str | None:
    """Why the room with this current state is not private enough (None if it is)."""
    current = {(e.get("type"), e.get("state_key")): e for e in state if isinstance(e, dict)}

    def content(kind: str, key: str = "") -> dict[str, Any]:
        found = (current.get((kind, key)) or {}).get("content")
        return found if isinstance(found, dict) else {}

    if not current:  # its state is not readable: warroom is not in it
        return not_in(alias)
    join_rule = content("m.room.join_rules").get("join_rule", "unset")
    if join_rule != ACCEPTED_JOIN_RULE:
        return (
            f"Matrix room {alias} is not invite-only (join rule {join_rule}): refusing to "
            "use it for a restricted incident (if it is warroom's room, set its join rule "
            "back to invite and remove whoever should not be there; if not, remove that "
            "alias from it so warroom can create its own; then retry)"
        )
    history = content("m.room.history_visibility").get("history_visibility", "shared")
    if history == "world_readable":
        return (
            f"Matrix room {alias} has world-readable history: refusing to use it for a "
            "restricted incident (set its history visibility to members only, then retry)"
        )
    if content("m.room.member", me).get("membership") != "join":
        return not_in(alias)
    creator = (current.get(("m.room.create", "")) or {}).get("sender")
    if creator != me:
        return (
            f"Matrix room {alias} was created by {creator or 'someone else'}, not warroom, "
            "who reads along: refusing to use it for a restricted incident (remove that "
            "alias from the room so warroom can create its own, then retry)"
        )
    return None


def not_in(alias: str) -> str:
    return (
        f"Matrix room {alias} exists but warroom is not in it, so cannot check who "
        "reads it: refusing to use it for a restricted incident (remove that alias "
        "from the room so warroom can create its own, then retry)"
    )
