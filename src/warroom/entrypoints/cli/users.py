"""Users and tokens on the database directly: `warroom user …`, `warroom token list|revoke`.

Like `token create`, these work without a running server, so the first admin can be made
on a fresh install.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated, Any

import typer

from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole
from warroom.domain.errors import DomainError, InvalidInput, NotFound
from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.client import EXIT_INPUT, EXIT_RULE
from warroom.entrypoints.cli.server import local_origin, token_app
from warroom.service_layer import audit

user_app = typer.Typer(
    help="People who sign in to the console (on the database).", no_args_is_help=True
)


def _fail(message: str, code: int) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@contextmanager
def _warroom() -> Iterator[Warroom]:
    wr = bootstrap(Settings())
    try:
        with audit.bound(local_origin()):
            yield wr
    except InvalidInput as exc:
        raise _fail(f"--{exc.field}: {exc.reason}", EXIT_INPUT) from None
    except NotFound as exc:
        raise _fail(exc.message, EXIT_INPUT) from None
    except DomainError as exc:
        raise _fail(exc.message, EXIT_RULE) from None
    finally:
        wr.close()


def _role(value: str) -> AccessRole:
    try:
        return AccessRole(value)
    except ValueError:
        raise _fail(
            f"--role: {value!r} is not one of admin, responder, viewer", EXIT_INPUT
        ) from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@user_app.command("create")
def user_create(
    handle: Annotated[
        str, typer.Argument(help="The name they sign in with; roles name them by it.")
    ],
    role: Annotated[str, typer.Option(help="admin, responder or viewer.")] = "viewer",
    name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Single sign-on only.")
    ] = False,
) -> None:
    """Add a user with a password (asked for twice unless --password-stdin)."""
    access = _role(role)
    password = None if no_password else _password(password_stdin)
    with _warroom() as wr:
        user = wr.users.create(
            handle=handle,
            role=access,
            now=wr.clock.now(),
            name=name,
            email=email,
            password=password,
        )
    typer.echo(f"user {user.handle} ({user.role}) created")


@user_app.command("passwd")
def user_passwd(
    handle: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Set a user's password."""
    password = _password(password_stdin)
    with _warroom() as wr:
        wr.users.set_password(handle, password)
    typer.echo(f"password of {handle} changed")


@user_app.command("disable")
def user_disable(handle: Annotated[str, typer.Argument()]) -> None:
    """Stop a user: no sign-in, their sessions and tokens stop working."""
    with _warroom() as wr:
        wr.users.disable(handle, wr.clock.now())
    typer.echo(f"user {handle} disabled")


@user_app.command("enable")
def user_enable(handle: Annotated[str, typer.Argument()]) -> None:
    with _warroom() as wr:
        wr.users.enable(handle)
    typer.echo(f"user {handle} enabled")


@user_app.command("role")
def user_role(
    handle: Annotated[str, typer.Argument()], role: Annotated[str, typer.Argument()]
) -> None:
    """Change a user's access role (their tokens never exceed it)."""
    access = _role(role)
    with _warroom() as wr:
        wr.users.set_role(handle, access)
    typer.echo(f"user {handle} is now {access}")


@user_app.command("list")
def user_list(json_: Annotated[bool, typer.Option("--json")] = False) -> None:
    with _warroom() as wr:
        found = wr.users.list()
    if json_:
        output.emit_json([_plain(asdict(u)) for u in found])
        return
    for u in found:
        state = "disabled" if u.disabled_at else ("sso" if u.oidc_subject else "password")
        typer.echo(f"{u.handle:<20} {u.role:<10} {state:<9} {u.name}")


@user_app.command("sessions")
def user_sessions(
    handle: Annotated[str, typer.Argument()],
    json_: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A user's live console sessions: when begun, last seen, from where."""
    with _warroom() as wr:
        user = wr.users.by_handle(handle)
        if user is None:
            raise NotFound("user", handle)
        found = wr.sessions.list(user_id=user.id, now=wr.clock.now())
    if json_:
        output.emit_json([_plain(asdict(s)) for s in found])
        return
    for s in found:
        via = f"token {s.token_id}" if s.token_id else "sign-in"
        typer.echo(
            f"{s.id:>5} {s.created_at:%Y-%m-%d %H:%M} seen {s.last_seen_at:%Y-%m-%d %H:%M} "
            f"{via:<10} {s.client_ip or '-':<16} {(s.user_agent or '')[:60]}"
        )


@user_app.command("end-sessions")
def user_end_sessions(handle: Annotated[str, typer.Argument()]) -> None:
    """End every console session of a user at once (within seconds on a running server)."""
    with _warroom() as wr:
        user = wr.users.by_handle(handle)
        if user is None:
            raise NotFound("user", handle)
        ended = wr.sessions.end_for_user(user.id, wr.clock.now())
    typer.echo(f"{ended} session(s) of {user.handle} ended")


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}


def token_list(json_: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every API token: id, name, role (its scope), owner, expiry, revocation. Never the value."""
    with _warroom() as wr:
        records = wr.tokens.list()
    if json_:
        output.emit_json([_plain(asdict(r)) for r in records])
        return
    for r in records:
        state = (
            "revoked"
            if r.revoked_at
            else (f"expires {r.expires_at:%Y-%m-%d}" if r.expires_at else "")
        )
        owner = f"user {r.user}" if r.user else "service"
        typer.echo(f"{r.id:>4} {r.prefix}…  {r.name:<20} {r.role:<10} {owner:<16} {state}")


def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The id from `warroom token list`.")],
) -> None:
    """Revoke a token at once."""
    with _warroom() as wr:
        wr.tokens.revoke(token_id, wr.clock.now())
    typer.echo(f"token {token_id} revoked")


def register(app: typer.Typer) -> None:
    add: Callable[..., Any] = token_app.command
    add("list")(token_list)
    add("revoke")(token_revoke)
    app.add_typer(user_app, name="user")
