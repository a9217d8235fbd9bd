"""Users (admins manage them) and each user's own scoped API tokens."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from warroom.adapters.users import User
from warroom.domain.access import SCOPES, capped
from warroom.domain.errors import NotFound
from warroom.entrypoints.api import schemas
from warroom.entrypoints.api import user_schemas as us
from warroom.entrypoints.api.deps import Admin, Reader, WarroomDep
from warroom.entrypoints.api.limits import Id
from warroom.entrypoints.api.openapi import INVALID, MISSING
from warroom.entrypoints.api.responses import JSONBytes

router = APIRouter(tags=["users"])


def user_public(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "handle": user.handle,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "sso": user.oidc_subject is not None,
        "has_password": user.has_password,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
        "disabled_at": user.disabled_at,
    }


@router.get("/users", response_model=list[us.UserPublic])
def list_users(wr: WarroomDep, who: Admin) -> JSONBytes:
    """Everyone who can sign in (passwords and single sign-on)."""
    return JSONBytes([user_public(u) for u in wr.users.list()])


@router.patch("/users/{handle}", response_model=us.UserPublic, responses={**MISSING, **INVALID})
def update_user(
    handle: str, body: us.UserUpdate, request: Request, wr: WarroomDep, who: Admin
) -> JSONBytes:
    """Change a user's role, or disable (and re-enable) them."""
    if body.role is not None:
        wr.users.set_role(handle, body.role)
    if body.disabled is True:
        wr.users.disable(handle, wr.clock.now())
    elif body.disabled is False:
        wr.users.enable(handle)
    _forget(request)
    user = wr.users.by_handle(handle)
    if user is None:
        raise NotFound("user", handle)
    return JSONBytes(user_public(user))


def _forget(request: Request) -> None:
    # This process stops at once; others within their caches' few seconds.
    request.app.state.token_cache.clear()
    request.app.state.console_sessions.forget()


def _user(wr: WarroomDep, handle: str) -> User:
    user = wr.users.by_handle(handle)
    if user is None:
        raise NotFound("user", handle)
    return user


@router.get("/users/{handle}/sessions", response_model=list[us.SessionPublic], responses=MISSING)
def user_sessions(handle: str, wr: WarroomDep, who: Admin) -> JSONBytes:
    """A user's console sessions that are still live, newest first."""
    user = _user(wr, handle)
    return JSONBytes([asdict(r) for r in wr.sessions.list(user_id=user.id, now=wr.clock.now())])


@router.delete("/users/{handle}/sessions", response_model=us.SessionsEnded, responses=MISSING)
def end_user_sessions(handle: str, request: Request, wr: WarroomDep, who: Admin) -> JSONBytes:
    """End every console session of a user (they must sign in again)."""
    ended = wr.sessions.end_for_user(_user(wr, handle).id, wr.clock.now())
    _forget(request)
    return JSONBytes({"ended": ended})


def _me(wr: WarroomDep, who: Any) -> User:
    user = wr.users.get(who.user_id) if who.user_id is not None else None
    if user is None:
        raise HTTPException(
            403, "this token belongs to a service, not a user: use /api/v1/tokens as an admin"
        )
    return user


@router.get("/me", response_model=us.UserPublic)
def me(wr: WarroomDep, who: Reader) -> JSONBytes:
    """The signed-in user."""
    return JSONBytes({**user_public(_me(wr, who)), "role": who.role})


@router.get("/me/tokens", response_model=list[schemas.TokenPublic])
def my_tokens(wr: WarroomDep, who: Reader) -> JSONBytes:
    return JSONBytes([asdict(r) for r in wr.tokens.list(user_id=_me(wr, who).id)])


@router.post("/me/tokens", status_code=201, response_model=schemas.TokenCreated, responses=INVALID)
def create_my_token(body: us.MyTokenCreate, wr: WarroomDep, who: Reader) -> JSONBytes:
    """Make a token acting as you, scoped no higher than your role; shown in this response only."""
    user = _me(wr, who)
    wanted = SCOPES[body.scope]
    if capped(wanted, who.role) is not wanted:
        raise HTTPException(403, f"the {body.scope} scope exceeds your {who.role} role")
    token, record = wr.tokens.create(
        name=body.name,
        role=wanted,
        now=wr.clock.now(),
        expires_at=body.expires_at,
        user_id=user.id,
    )
    return JSONBytes({**asdict(record), "token": token}, status_code=201)


@router.delete("/me/tokens/{token_id}", status_code=204, response_class=Response, responses=MISSING)
def revoke_my_token(token_id: Id, request: Request, wr: WarroomDep, who: Reader) -> Response:
    wr.tokens.revoke(token_id, wr.clock.now(), user_id=_me(wr, who).id)
    request.app.state.token_cache.clear()
    return Response(status_code=204)


@router.get("/me/sessions", response_model=list[us.SessionPublic])
def my_sessions(wr: WarroomDep, who: Reader) -> JSONBytes:
    """Your console sessions that are still live, newest first."""
    user = _me(wr, who)
    return JSONBytes([asdict(r) for r in wr.sessions.list(user_id=user.id, now=wr.clock.now())])


@router.delete("/me/sessions", response_model=us.SessionsEnded)
def end_my_sessions(request: Request, wr: WarroomDep, who: Reader) -> JSONBytes:
    """End all your console sessions (signed out everywhere; API tokens are unaffected)."""
    ended = wr.sessions.end_for_user(_me(wr, who).id, wr.clock.now())
    _forget(request)
    return JSONBytes({"ended": ended})
