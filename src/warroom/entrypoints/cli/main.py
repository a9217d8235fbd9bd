"""The `warroom` command."""

from __future__ import annotations

import typer

from warroom.config import Settings
from warroom.entrypoints.cli import (
    audit,
    checklists,
    clocks,
    customers,
    drills,
    dump,
    incidents,
    learning,
    metrics,
    notify,
    server,
    status,
    testplan,
    users,
    work,
)
from warroom.entrypoints.cli import oncall as oncall_cli
from warroom.entrypoints.cli.client import http_client_factory
from warroom.entrypoints.cli.state import CliState

app = typer.Typer(
    name="warroom",
    help="Run incidents end to end: declare, respond, communicate, resolve durably, learn.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Reach the API at WARROOM_URL with WARROOM_TOKEN (except serve, worker, db, token)."""
    if ctx.obj is None:
        settings = Settings()
        token = settings.token.get_secret_value() if settings.token else None
        ctx.obj = CliState(client_factory=http_client_factory(settings.url, token))


incidents.register(app)
work.register(app)
server.register(app)
notify.register(app)
status.register(app)
checklists.register(app)
customers.register(app)
oncall_cli.register(app)
clocks.register(app)
testplan.register(app)
users.register(app)
metrics.register(app)
drills.register(app)
learning.register(app)
audit.register(app)
dump.register(app)


def run() -> None:
    app()
