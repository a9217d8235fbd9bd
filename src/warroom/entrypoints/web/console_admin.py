"""Console pages for admins: users (create, role, disable, sessions) and API tokens.

Each form calls the same stores the API's admin routes call; bad input comes back as the
page with a flash naming the field, never a 500. A new token's value is shown once, on
the answer to the form that made it, and never again.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from warroom.domain.access import AccessRole
from warroom.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from warroom.entrypoints.web import forms
from warroom.entrypoints.web.auth import ConsoleUser, console_admin, sessions_of
from warroom.entrypoints.web.render import page, warroom

router = APIRouter(include_in_schema=False, prefix="/admin")

Admin = Annotated[ConsoleUser, Depends(console_admin)]
NO_STORE = {"Cache-Control": "no-store"}


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, RuleViolation):
        return 409
    return 422


def _flash(exc: DomainError) -> dict[str, Any]:
    field = exc.field if isinstance(exc, InvalidInput) else None
    return {"field": field, "message": exc.message}


def _done(path: str, message: str) -> Response:
    return RedirectResponse(f"{path}?done={quote(message)}", status_code=303)


def _users_page(
    request: Request,
    user: ConsoleUser,
    *,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    wr = warroom(request)
    return page(
        request,
        "console/admin_users.html",
        status_code=status_code,
        user=user,
        users=wr.users.list(),
        roles=[str(r) for r in AccessRole],
        error=error,
        done=request.query_params.get("done"),
        values=values or {},
    )


def _tokens_page(
    request: Request,
    user: ConsoleUser,
    *,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
    made: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    wr = warroom(request)
    return page(
        request,
        "console/admin_tokens.html",
        status_code=status_code,
        headers=NO_STORE,
        user=user,
        tokens=wr.tokens.list(),
        handles=[u.handle for u in wr.users.list() if u.active],
        roles=[str(r) for r in AccessRole],
        error=error,
        made=made,
        done=request.query_params.get("done"),
        values=values or {},
    )


def _role(form: FormData) -> AccessRole:
    role: AccessRole = forms.choice(form, "role", AccessRole)
    return role


def _forget(request: Request) -> None:
    request.app.state.token_cache.clear()
    sessions_of(request).forget()


# -- users ----------------------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin) -> Response:
    return _users_page(request, user)


@router.post("/users")
async def create_user(request: Request, user: Admin) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "password"}
    wr = warroom(request)
    try:
        password = form.get("password")
        made = await run_in_threadpool(
            lambda: wr.users.create(
                handle=forms.text(form, "handle", required=True, limit=100),
                role=_role(form),
                now=wr.clock.now(),
                name=forms.optional(form, "name", limit=200),
                email=forms.optional(form, "email", limit=320),
                password=password if isinstance(password, str) else "",
            )
        )
    except DomainError as exc:
        return _users_page(
            request, user, error=_flash(exc), status_code=_status(exc), values=values
        )
    return _done("/admin/users", f"User {made.handle} created.")


async def _user_action(request: Request, user: ConsoleUser, handle: str, action: str) -> Response:
    form = await request.form()
    wr = warroom(request)
    now = wr.clock.now()
    try:
        found = wr.users.by_handle(handle)
        if found is None:
            raise NotFound("user", handle)
        if action == "role":
            role = _role(form)
            await run_in_threadpool(wr.users.set_role, found.handle, role)
            message = f"{found.handle} is now {role}."
        elif action == "disable":
            if found.id == user.principal.user_id:
                raise RuleViolation("users.self", "you cannot disable yourself")
            await run_in_threadpool(wr.users.disable, found.handle, now)
            message = f"{found.handle} is disabled; their sessions ended."
        elif action == "enable":
            await run_in_threadpool(wr.users.enable, found.handle)
            message = f"{found.handle} is enabled."
        else:
            ended = await run_in_threadpool(wr.sessions.end_for_user, found.id, now)
            message = f"{ended} session(s) of {found.handle} ended."
    except DomainError as exc:
        return _users_page(request, user, error=_flash(exc), status_code=_status(exc))
    _forget(request)
    return _done("/admin/users", message)


@router.post("/users/{handle}/role")
async def change_role(request: Request, handle: str, user: Admin) -> Response:
    return await _user_action(request, user, handle, "role")


@router.post("/users/{handle}/disable")
async def disable_user(request: Request, handle: str, user: Admin) -> Response:
    return await _user_action(request, user, handle, "disable")


@router.post("/users/{handle}/enable")
async def enable_user(request: Request, handle: str, user: Admin) -> Response:
    return await _user_action(request, user, handle, "enable")


@router.post("/users/{handle}/end-sessions")
async def end_sessions(request: Request, handle: str, user: Admin) -> Response:
    return await _user_action(request, user, handle, "end-sessions")


# -- tokens ---------------------------------------------------------------------------------------


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, user: Admin) -> Response:
    return _tokens_page(request, user)


@router.post("/tokens")
async def create_token(request: Request, user: Admin) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    wr = warroom(request)
    try:
        owner_handle = forms.optional(form, "user", limit=100)
        owner = wr.users.by_handle(owner_handle) if owner_handle else None
        if owner_handle and owner is None:
            raise InvalidInput("user", f"no user {owner_handle!r}")
        token, record = await run_in_threadpool(
            lambda: wr.tokens.create(
                name=forms.text(form, "name", required=True, limit=200),
                role=_role(form),
                now=wr.clock.now(),
                expires_at=forms.moment(form, "expires_at"),
                user_id=owner.id if owner else None,
            )
        )
    except DomainError as exc:
        return _tokens_page(
            request, user, error=_flash(exc), status_code=_status(exc), values=values
        )
    return _tokens_page(request, user, made={"token": token, "record": record})


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int, user: Admin) -> Response:
    wr = warroom(request)
    try:
        await run_in_threadpool(wr.tokens.revoke, token_id, wr.clock.now())
    except DomainError as exc:
        return _tokens_page(request, user, error=_flash(exc), status_code=_status(exc))
    _forget(request)
    return _done("/admin/tokens", f"Token {token_id} revoked.")
