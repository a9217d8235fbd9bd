"""Commands that work on the database directly: serve, db, token, policy."""

from __future__ import annotations

import getpass
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from warroom import queries
from warroom.adapters import db as database
from warroom.adapters.log_setup import configure_logging
from warroom.adapters.orm import start_mappers
from warroom.adapters.policy_file import PolicyError, load_policy
from warroom.bootstrap import bootstrap
from warroom.config import Settings, SettingsError
from warroom.domain.access import SYSTEM, AccessRole
from warroom.domain.durations import parse_span
from warroom.domain.errors import InvalidInput
from warroom.entrypoints.api.app import create_app
from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.client import EXIT_INPUT
from warroom.entrypoints.worker import run_worker, worker_thread
from warroom.runtime import tune_gc
from warroom.service_layer import audit
from warroom.service_layer.demo import seed_demo
from warroom.service_layer.status_demo import seed_status_demo

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (made directly on the database).", no_args_is_help=True)
policy_app = typer.Typer(help="Policy files.", no_args_is_help=True)


def _fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def local_origin() -> audit.Origin:
    """Who runs a command on the database directly: the account on this machine."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "unknown"
    return audit.Origin(channel="cli", actor=f"os:{account}", user_agent=audit.CLI_AGENT)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    demo: Annotated[bool, typer.Option(help="Seed demo incidents into an empty database.")] = False,
    worker: Annotated[
        bool, typer.Option(help="Run the background worker in this process (--no-worker to split).")
    ] = True,
) -> None:
    """Migrate the database and serve the API and web pages (with a worker by default)."""
    settings = Settings()
    configure_logging(settings.log_level, fmt=settings.log_format)
    try:
        settings.require_secret_key()
        wr = bootstrap(settings)
    except (SettingsError, PolicyError) as exc:
        raise _fail(str(exc)) from None
    if demo:
        with wr.db.read.connect() as conn:
            empty = not queries.list_incidents(
                conn, queries.IncidentFilter(principal=SYSTEM), limit=1
            )["count"]
        if empty:
            refs = seed_demo(wr.bus, wr.clock.now())
            seed_status_demo(wr.bus, refs)
            typer.echo(f"Seeded demo incidents {', '.join(refs)}")
        token, _ = wr.tokens.create(name="demo", role=AccessRole.ADMIN, now=wr.clock.now())
        typer.echo(f"Demo admin token (export WARROOM_TOKEN={token})")
    app = create_app(wr)
    tune_gc()
    with worker_thread(wr) if worker else nullcontext():
        uvicorn.run(
            app,
            host=host or settings.host,
            port=port or settings.port,
            log_level=settings.log_level,
            access_log=False,
        )


def worker() -> None:
    """Fire due timers and deliver notifications until stopped (any number may run)."""
    settings = Settings()
    configure_logging(settings.log_level, fmt=settings.log_format)
    try:
        wr = bootstrap(settings)
    except (SettingsError, PolicyError) as exc:
        raise _fail(str(exc)) from None
    tune_gc()
    try:
        run_worker(wr)
    finally:
        wr.close()


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create or migrate the schema (SQLite file or PostgreSQL)."""
    start_mappers()
    settings = Settings()
    db = database.open_database(settings.database_url)
    try:
        database.upgrade(db, revision, policy=load_policy(settings.policy))
    finally:
        db.dispose()
    typer.echo(f"Database at {revision}: {settings.database_url.split('@')[-1]}")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, responder or viewer.")],
    name: Annotated[str, typer.Option(help="Who or what uses it (recorded as the author).")],
    expires_in: Annotated[
        str | None, typer.Option(help="Lifetime such as 90d; never expires if omitted.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help='Print {"token": …}.')] = False,
    user: Annotated[
        str | None, typer.Option(help="A user it acts as (its role is capped by theirs).")
    ] = None,
) -> None:
    """Make an API token; it is printed once and stored only as a hash."""
    try:
        access = AccessRole(role)
    except ValueError:
        raise _fail(f"--role: {role!r} is not one of admin, responder, viewer") from None
    settings = Settings()
    wr = bootstrap(settings)
    try:
        now = wr.clock.now()
        expires = None
        if expires_in:
            try:
                expires = now + timedelta(seconds=parse_span(expires_in).seconds)
            except ValueError as exc:
                raise _fail(f"--expires-in: {exc}") from None
        owner = wr.users.by_handle(user) if user else None
        if user and owner is None:
            raise _fail(f"--user: no user {user!r}")
        try:
            with audit.bound(local_origin()):
                token, record = wr.tokens.create(
                    name=name,
                    role=access,
                    now=now,
                    expires_at=expires,
                    user_id=owner.id if owner else None,
                )
        except InvalidInput as exc:
            raise _fail(f"--{exc.field}: {exc.reason}") from None
    finally:
        wr.close()
    if json_:
        output.emit_json({"token": token, "id": record.id, "name": name, "role": role})
    else:
        typer.echo(token)


@policy_app.command("check")
def policy_check(
    file: Annotated[Path, typer.Argument(help="A policy TOML file, or a preset name.")],
) -> None:
    """Validate a policy file; errors name the file, the key and the problem."""
    try:
        policy = load_policy(str(file))
    except PolicyError as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_INPUT) from None
    severities = ", ".join(s.name for s in policy.severities)
    typer.echo(
        f"{file}: ok — policy '{policy.name}': severities {severities}; "
        f"{len(policy.role_rules)} role rules, {len(policy.classification)} classification rules, "
        f"{len(policy.gates)} gates, "
        f"{sum(len(q) for q in policy.questions.values())} questions"
    )
    items = policy.checklist.items
    typer.echo(
        f"  checklist: {len(items)} items ({len(policy.checklist.by_event)} events bound, "
        f"{sum(1 for i in items if i.done_when)} items ticked by events, "
        f"{sum(1 for i in items if i.within)} with deadlines); {len(policy.roles)} roles described"
    )


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command("worker")(worker)
    app.add_typer(db_app, name="db")
    app.add_typer(token_app, name="token")
    app.add_typer(policy_app, name="policy")
