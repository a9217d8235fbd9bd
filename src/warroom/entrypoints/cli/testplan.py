"""Test plans, fixes, automated tests and the durability audit from the terminal."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.incidents import At, Json
from warroom.entrypoints.cli.state import call, clean
from warroom.entrypoints.cli.testplan_output import plan_lines

testplan_app = typer.Typer(
    help="The test plan: steps per environment, results, sign-offs, automated tests.",
    no_args_is_help=True,
)
durability_app = typer.Typer(
    help="Non-durable mitigations and manual changes: flag, list, waive.",
    no_args_is_help=True,
)

Ref = Annotated[str, typer.Argument(help="INC-12")]
Number = Annotated[int, typer.Argument(help="The step's or item's number on the incident.")]


def _done(view: dict[str, Any], json_: bool, message: str) -> None:
    output.emit_json(view) if json_ else typer.echo(message)


@testplan_app.command("show")
def show(ctx: typer.Context, ref: Ref, json_: Json = False) -> None:
    """The test plan, sign-offs, automated tests and fixes."""
    plan = call(ctx, lambda c: c.get(f"/incidents/{ref}/test-plan"))
    if json_:
        output.emit_json(plan)
        return
    typer.echo("\n".join(plan_lines(plan)) or f"{plan['ref']}: no test plan yet.")


@testplan_app.command("step")
def add_step(
    ctx: typer.Context,
    ref: Ref,
    title: Annotated[str, typer.Argument(help="What to check.")],
    customer_data: Annotated[
        bool,
        typer.Option(help="The step creates or modifies customer data (skipped in production)."),
    ] = False,
    at: At = None,
    json_: Json = False,
) -> None:
    """Add a step to the test plan."""
    body = clean(title=title, customer_data=customer_data, occurred_at=at)
    plan = call(ctx, lambda c: c.post(f"/incidents/{ref}/test-plan/steps", body))
    _done(plan, json_, f"Test step #{plan['steps'][-1]['number']} added to {plan['ref']}")


@testplan_app.command("result")
def result(
    ctx: typer.Context,
    ref: Ref,
    number: Number,
    environment: Annotated[str, typer.Argument(help="staging or production.")],
    status: Annotated[str, typer.Argument(help="passed, failed, skipped or pending.")],
    note: Annotated[str, typer.Option(help="What was seen; the reason for a skip.")] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    """Record a step's result in one environment."""
    body = clean(environment=environment, status=status, note=note, occurred_at=at)
    plan = call(ctx, lambda c: c.post(f"/incidents/{ref}/test-plan/steps/{number}/results", body))
    _done(plan, json_, f"Test step #{number} {status} in {environment}")


@testplan_app.command("signer")
def signer(
    ctx: typer.Context,
    ref: Ref,
    person: Annotated[str, typer.Argument(help="Who must also sign (commander only).")],
    at: At = None,
    json_: Json = False,
) -> None:
    """Add someone whose sign-off the plan needs."""
    body = clean(person=person, occurred_at=at)
    plan = call(ctx, lambda c: c.post(f"/incidents/{ref}/test-plan/signers", body))
    _done(plan, json_, f"{person} must sign the test plan of {plan['ref']}")


@testplan_app.command("sign")
def sign(ctx: typer.Context, ref: Ref, at: At = None, json_: Json = False) -> None:
    """Sign the executed test plan as yourself."""
    plan = call(
        ctx, lambda c: c.post(f"/incidents/{ref}/test-plan/sign-offs", clean(occurred_at=at))
    )
    missing = plan["missing_signoffs"]
    message = (
        "Test plan signed" if plan["signed"] else "Signed; still to sign: " + ", ".join(missing)
    )
    _done(plan, json_, message)


@testplan_app.command("tests")
def record_tests(
    ctx: typer.Context,
    ref: Ref,
    url: Annotated[str, typer.Argument(help="Link to the tests or their passing run.")],
    description: Annotated[str, typer.Option(help="What they cover.")] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    """Record automated tests added and passing."""
    body = clean(url=url, description=description, occurred_at=at)
    plan = call(ctx, lambda c: c.post(f"/incidents/{ref}/test-plan/automated-tests", body))
    _done(plan, json_, f"Automated tests recorded on {plan['ref']}")


def fix(
    ctx: typer.Context,
    ref: Ref,
    text: Annotated[str, typer.Argument(help="What was released.")],
    tests_url: Annotated[
        str | None,
        typer.Option("--tests", help="The automated tests added with it (else: untested)."),
    ] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    """Record a fix released; without --tests the severity may drop until tests exist."""
    body = clean(text=text, tests_url=tests_url, occurred_at=at)
    plan = call(ctx, lambda c: c.post(f"/incidents/{ref}/fixes", body))
    if json_:
        output.emit_json(plan)
        return
    last = plan["fixes"][-1]
    typer.echo(f"Fix #{last['number']} recorded on {plan['ref']}")
    if last["awaiting_tests"]:
        typer.echo(
            f"Released without automated tests: severity {last['dropped_from']} → "
            f"{last['dropped_to']}; {plan['ref']} stays open until tests are recorded "
            f"(warroom testplan tests {plan['ref']} URL)"
        )


@durability_app.command("list")
def list_(ctx: typer.Context, ref: Ref, json_: Json = False) -> None:
    """Changes flagged non-durable and what became of each."""
    view = call(ctx, lambda c: c.get(f"/incidents/{ref}/durability"))
    if json_:
        output.emit_json(view)
        return
    if not view["data"]:
        typer.echo(f"{view['ref']}: nothing flagged as non-durable.")
        return
    rows = [
        [
            f"#{i['number']}",
            i["category"],
            i["status"],
            f"#{i['followup']}" if i["followup"] else "—",
            i["waiver"] or "—",
            i["text"],
        ]
        for i in view["data"]
    ]
    output.table(rows, ["#", "CATEGORY", "STATUS", "FOLLOW-UP", "WAIVER", "WHAT"])


@durability_app.command("flag")
def flag(
    ctx: typer.Context,
    ref: Ref,
    category: Annotated[
        str,
        typer.Argument(
            help="restart-cron, disabled-cache, manual-infrastructure, hotfix-without-tests "
            "or other."
        ),
    ],
    text: Annotated[str, typer.Argument(help="What was done (default: the entry's text).")] = "",
    entry: Annotated[int | None, typer.Option(help="The timeline entry id it refers to.")] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    """Flag a mitigation or manual change as non-durable."""
    body = clean(category=category, text=text, entry_id=entry, occurred_at=at)
    view = call(ctx, lambda c: c.post(f"/incidents/{ref}/durability", body))
    item = view["data"][-1]
    follow = f"; durable-fix follow-up #{item['followup']}" if item["followup"] else ""
    _done(view, json_, f"Non-durable change #{item['number']} flagged on {view['ref']}{follow}")


@durability_app.command("waive")
def waive(
    ctx: typer.Context,
    ref: Ref,
    number: Number,
    reason: Annotated[str, typer.Option(help="Why it may stay as it is.")],
    at: At = None,
    json_: Json = False,
) -> None:
    """Accept a non-durable change as it is (commander, with a reason)."""
    body = clean(reason=reason, occurred_at=at)
    view = call(ctx, lambda c: c.post(f"/incidents/{ref}/durability/{number}/waive", body))
    _done(view, json_, f"Non-durable change #{number} waived")


def register(app: typer.Typer) -> None:
    app.add_typer(testplan_app, name="testplan")
    app.add_typer(durability_app, name="durability")
    app.command("fix")(fix)
