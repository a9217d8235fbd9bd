"""The dependency that admits only verified Standard Webhooks, each id once."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from warroom.adapters import chat_state, webhook_verify
from warroom.entrypoints.api.deps import WarroomDep
from warroom.service_layer import audit

HookName = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


async def verified_hook(name: HookName, request: Request, wr: WarroomDep) -> str:
    """The hook's name once its signature, timestamp and id check out; 401/404 otherwise.

    A webhook-id is remembered (in the database, so every process agrees) for twice the
    timestamp window: a captured request replayed within its window is refused.
    """
    secret = wr.settings.inbound_hooks.get(name)
    if secret is None:
        raise HTTPException(404, f"no inbound hook named {name!r} (WARROOM_INBOUND_HOOKS)")
    body = await request.body()
    now = wr.clock.now()
    reason = webhook_verify.problem(secret.get_secret_value(), request.headers, body, now=now)
    if reason is None and not chat_state.first_sighting(
        wr.db.write,
        f"hook:{name}:{request.headers['webhook-id']}",
        now=now,
        keep=timedelta(seconds=2 * webhook_verify.WINDOW_SECONDS),
    ):
        reason = "this webhook-id was already received (replay)"
    if reason is not None:
        raise HTTPException(401, reason)
    audit.identify(f"hook:{name}")
    return name


VerifiedHook = Annotated[str, Depends(verified_hook)]
