"""`warroom notifications …` (through the API) and `warroom matrix-bot` (on the database)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from warroom.adapters.log_setup import configure_logging
from warroom.adapters.matrix_client import MatrixClient
from warroom.adapters.notifiers.setup import matrix_config
from warroom.adapters.policy_file import PolicyError
from warroom.bootstrap import bootstrap
from warroom.config import Settings, SettingsError
from warroom.entrypoints.cli import notify_output, output
from warroom.entrypoints.cli.client import EXIT_INPUT
from warroom.entrypoints.cli.state import call
from warroom.entrypoints.matrix_bot import MatrixBot

notifications_app = typer.Typer(help="Notifications: failures, dead letters, retries.")
Json = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


@notifications_app.command("list")
def list_notifications(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="pending, sent or dead.")] = None,
    incident: Annotated[str | None, typer.Option(help="Only this incident (INC-12).")] = None,
    limit: Annotated[int, typer.Option(help="Page size.")] = 50,
    json_: Json = False,
) -> None:
    """List notifications, newest first (e.g. --status dead for the dead letters)."""
    path = f"/incidents/{incident}/notifications" if incident else "/notifications"
    page = call(ctx, lambda c: c.get(path, status=status, limit=limit))
    output.emit_json(page) if json_ else notify_output.notification_list(page)


@notifications_app.command("retry")
def retry(
    ctx: typer.Context,
    message_id: Annotated[int, typer.Argument(help="The notification's id.")],
    json_: Json = False,
) -> None:
    """Queue a failing or dead notification again now (admins only)."""
    done = call(ctx, lambda c: c.post(f"/notifications/{message_id}/retry", {}))
    output.emit_json(done) if json_ else typer.echo(f"notification #{message_id} queued again")


def matrix_bot() -> None:
    """Answer `!inc …` commands in Matrix rooms (long-polls /sync; run one per bot account)."""
    settings = Settings()
    configure_logging(settings.log_level, fmt=settings.log_format)
    try:
        config = matrix_config(settings)
        wr = bootstrap(settings)
    except (SettingsError, PolicyError) as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_INPUT) from None
    if config is None:
        wr.close()
        typer.secho("error: set WARROOM_MATRIX_HOMESERVER first", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_INPUT)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    client = MatrixClient(config)
    try:
        MatrixBot(wr, client, timeout_ms=settings.matrix_sync_timeout_ms).run(stop)
    finally:
        client.close()
        wr.close()


def register(app: typer.Typer) -> None:
    app.add_typer(notifications_app, name="notifications")
    app.command("matrix-bot")(matrix_bot)
