"""Dependencies shared by the routes: the app, the caller, permissions, idempotency."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from warroom.adapters.db import SlotBusy
from warroom.bootstrap import Warroom
from warroom.domain.access import Permission, Principal
from warroom.domain.commands import Command
from warroom.entrypoints.api.responses import JSONBytes, dumps
from warroom.entrypoints.authorize import AccessDenied, authorize
from warroom.service_layer import audit
from warroom.service_layer.messagebus import IdempotencyKey, Outcome

T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="An API token from `warroom token create`.")


async def get_warroom(request: Request) -> Warroom:
    # async: a plain `def` dependency would cost every request a hop to the thread pool.
    app: Warroom = request.app.state.warroom
    return app


WarroomDep = Annotated[Warroom, Depends(get_warroom)]


class TokenCache:
    """Verified tokens for a few seconds, so that reads do not hit the token table each time."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, token: str) -> Principal | None:
        hit = self._entries.get(token)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, token: str, principal: Principal) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[token] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        self._entries.clear()


def cached_bearer(value: bytes, tokens: TokenCache, permission: Permission) -> Principal | None:
    """The caller an `Authorization` header names, if its token is cached and holds
    `permission`; None to let the documented route decide (for the fast lanes)."""
    scheme, _, token = value.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    principal = tokens.get(token)
    if principal is None or not principal.can(permission):
        return None
    return principal


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller identified by the bearer token, or 401."""
    if credentials is None or not credentials.credentials:
        raise HTTPException(
            401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    wr: Warroom = request.app.state.warroom
    cache: TokenCache = request.app.state.token_cache
    token = credentials.credentials
    principal = cache.get(token)
    if principal is None:
        # In the thread pool: the token store is read on the write engine (SQLite: in the
        # write slot's line, where code blocking the event loop could wait for ever behind
        # the loop's own writes, `deps.run_write`).
        principal = await run_in_threadpool(wr.tokens.verify, token, wr.clock.now())
        if principal is None:
            raise HTTPException(
                401,
                "the bearer token is unknown, expired or revoked",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        cache.put(token, principal)
    audit.identify(principal.name, str(principal.role))
    return principal


def require(
    permission: Permission,
) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits only callers holding `permission` (on the incident in the path)."""

    async def check(
        request: Request,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        wr: Warroom = request.app.state.warroom
        params = request.path_params
        try:
            if "ref" in params and not principal.is_admin:
                await run_in_threadpool(authorize, wr, principal, permission, params)
            else:
                authorize(wr, principal, permission, params)
        except AccessDenied as exc:
            raise HTTPException(403, exc.message) from None
        return principal

    return check


Reader = Annotated[Principal, Depends(require(Permission.READ))]
Writer = Annotated[Principal, Depends(require(Permission.WRITE))]
Admin = Annotated[Principal, Depends(require(Permission.ADMIN))]


async def idempotency_key(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Repeat a POST safely: the same key returns the first response.",
        ),
    ] = None,
) -> IdempotencyKey | None:
    if not key:
        return None
    body = await request.body()
    return IdempotencyKey(
        principal=principal.name,
        key=key,
        fingerprint=IdempotencyKey.fingerprint_of(request.method, request.url.path, body),
    )


Idempotency = Annotated[IdempotencyKey | None, Depends(idempotency_key)]


async def run_write(wr: Warroom, write: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `write` (a command of one transaction, start to finish) on the event loop, in
    its turn for this process's SQLite write slot.

    On SQLite writes go one at a time anyway, and a thread pool hop and the threads'
    handing the interpreter lock to and fro cost a timeline note as much as the note
    itself (notes alone, four clients: 1.84 → 0.98 ms of server CPU each). The loop waits
    in line for the slot without being held up (`WriterQueue.take_in_turn`, in the same
    first-come-first-served line as the threads' writes: the worker's timers, routes
    still in the thread pool), so it never waits for another write. If another process
    holds the database's lock (`SlotBusy`), nothing was written and the write goes to a
    thread, where it may wait. PostgreSQL writes always go to a thread: they wait on the
    network. Not for an idempotent request, whose answer is saved in a second
    transaction."""
    writers = wr.db.writers
    if writers is not None:
        await writers.take_in_turn()
        try:
            return write(*args, **kwargs)
        except SlotBusy:
            pass
        finally:
            writers.drop_if_unused()
    return await run_in_threadpool(write, *args, **kwargs)


def execute(
    wr: Warroom,
    command: Command,
    key: IdempotencyKey | None,
    render: Callable[[Any], Any],
    *,
    status_code: int = 200,
) -> JSONBytes:
    """Run a command (once per idempotency key) and answer with `render(result)`."""
    return execute_outcome(
        wr, command, key, lambda outcome: render(outcome.result), status_code=status_code
    )


def execute_outcome(
    wr: Warroom,
    command: Command,
    key: IdempotencyKey | None,
    render: Callable[[Outcome], Any],
    *,
    status_code: int = 200,
) -> JSONBytes:
    """`execute`, with the whole outcome given to `render` (what the command declared)."""
    outcome = wr.bus.handle_idempotent(command, key)
    if outcome.replayed and outcome.response is not None and outcome.status_code is not None:
        return JSONBytes(
            outcome.response.encode(),
            status_code=outcome.status_code,
            headers={"Idempotent-Replayed": "true"},
        )
    body = dumps(render(outcome))
    if key is not None and not outcome.replayed:
        wr.bus.save_response(key, status_code, body.decode())
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONBytes(body, status_code=status_code, headers=headers)
