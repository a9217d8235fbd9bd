"""Slack's slash command (`/inc …`) and interactivity endpoints.

No bearer token here: Slack signs each request with the app's signing secret. A request
is refused (401) when the signature is wrong, the timestamp is outside five minutes, or
the same signed request was already accepted (a replay).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from warroom.adapters import chat_state, slack_signature
from warroom.adapters.orm.incidents import incidents
from warroom.bootstrap import Warroom
from warroom.domain.enums import Stage
from warroom.entrypoints.api.deps import WarroomDep
from warroom.entrypoints.api.openapi import problems
from warroom.entrypoints.chat_people import chat_person
from warroom.service_layer.chat_commands import ChatRequest, handle

router = APIRouter(
    prefix="/slack",
    tags=["slack"],
    responses=problems(
        {
            401: "Bad, stale or replayed signature",
            404: "Slack is not configured",
            413: "The request body is too large",
        }
    ),
)


async def verified_body(request: Request, wr: Warroom) -> tuple[bytes, str]:
    """The raw body and its signature, once verified; 401/404 otherwise."""
    secret = wr.settings.slack_signing_secret
    if secret is None:
        raise HTTPException(404, "Slack is not configured (WARROOM_SLACK_SIGNING_SECRET)")
    body = await request.body()
    signature = request.headers.get("X-Slack-Signature")
    reason = slack_signature.problem(
        secret.get_secret_value(),
        request.headers.get("X-Slack-Request-Timestamp"),
        signature,
        body,
        now=wr.clock.now().timestamp(),
    )
    if reason is None and not chat_state.first_sighting(
        wr.db.write,
        f"slack:{signature}",
        now=wr.clock.now(),
        keep=timedelta(seconds=2 * slack_signature.WINDOW_SECONDS),
    ):
        reason = "this signed request was already received (replay)"
    if reason is not None:
        raise HTTPException(401, reason)
    return body, str(signature)


def incident_for_channel(wr: Warroom, name: str) -> str | None:
    """The open incident whose channel is `name` (the newest if several)."""
    with wr.db.read.connect() as conn:
        number = conn.execute(
            select(incidents.c.id)
            .where(incidents.c.channel == name, incidents.c.stage != Stage.CLOSED.value)
            .order_by(incidents.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    return f"INC-{number}" if number is not None else None


def _run(wr: Warroom, text: str, channel: str, user_id: str, sig: str) -> str:
    # Not Slack's `user_name`: anyone may pick a name that is someone's handle.
    by, access = chat_person(wr, slack_id=user_id, fallback=f"slack:{user_id}")
    request = ChatRequest(
        text=text,
        ref=incident_for_channel(wr, channel),
        by=by,
        request_id=sig,
        source="slack",
        access=access,
    )
    return handle(wr.bus, request)


@router.post("/commands")
async def slash_command(request: Request, wr: WarroomDep) -> dict[str, Any]:
    """`/inc log …`, `/inc stage identified`, `/inc status` … typed in a Slack channel."""
    body, sig = await verified_body(request, wr)
    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    reply = await run_in_threadpool(  # a command: never on the event loop (`deps.run_write`)
        _run,
        wr,
        form.get("text", ""),
        form.get("channel_name", ""),
        form.get("user_id", ""),
        sig,
    )
    return {"response_type": "in_channel", "text": reply}


@router.post("/interactivity", responses=problems({422: "Not a block_actions payload"}))
async def interactivity(request: Request, wr: WarroomDep) -> dict[str, Any]:
    """Buttons whose value is a command line (e.g. `stage identified`)."""
    body, sig = await verified_body(request, wr)
    form = parse_qs(body.decode())
    try:
        payload = json.loads(form["payload"][0])
        action = payload["actions"][0]
        user = payload.get("user", {})
        channel = payload.get("channel", {})
    except (KeyError, IndexError, ValueError, TypeError):
        raise HTTPException(
            422, "payload: expected a block_actions payload with an action"
        ) from None
    reply = await run_in_threadpool(
        _run,
        wr,
        str(action.get("value", "")),
        str(channel.get("name", "")),
        str(user.get("id", "")),
        sig,
    )
    return {"response_type": "in_channel", "replace_original": False, "text": reply}
