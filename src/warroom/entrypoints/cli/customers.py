"""Affected customers from the terminal: list, add, edit, log contacts, verification."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.client import EXIT_INPUT
from warroom.entrypoints.cli.incidents import At, Json
from warroom.entrypoints.cli.state import call, clean

customer_app = typer.Typer(
    help="Affected customers: list, add, edit, contact log, confirm the fix, waive.",
    no_args_is_help=True,
)

Ref = Annotated[str, typer.Argument(help="INC-12")]
Number = Annotated[int, typer.Argument(help="The customer's number on the incident.")]


def _print(view: dict[str, Any]) -> None:
    if not view["data"]:
        typer.echo(f"{view['ref']}: no affected customers recorded.")
        return
    rows = [
        [
            f"#{c['number']}",
            c["name"],
            c["tier"] or "—",
            c["reported_via"] or "did not report",
            c["verification"],
            str(len(c["contacts"])),
            c["contact"] or "—",
        ]
        for c in view["data"]
    ]
    output.table(rows, ["#", "CUSTOMER", "TIER", "REPORTED", "FIX", "CONTACTS", "CONTACT"])
    waiting = view["verification"]["awaiting"]
    if waiting:
        typer.echo("Awaiting confirmation of the fix: " + ", ".join(f"#{n}" for n in waiting))


@customer_app.command("list")
def list_(
    ctx: typer.Context,
    ref: Ref,
    log: Annotated[bool, typer.Option(help="Also print every contact.")] = False,
    json_: Json = False,
) -> None:
    """Affected customers and whether each confirmed the fix (responders only)."""
    view = call(ctx, lambda c: c.get(f"/incidents/{ref}/customers"))
    if json_:
        output.emit_json(view)
        return
    _print(view)
    if log:
        for customer in view["data"]:
            for contact in customer["contacts"]:
                typer.echo(
                    f"  #{customer['number']} {output.short_time(contact['at'])} "
                    f"{contact['method']} {contact['outcome']} by {contact['by']}"
                    + (f": {contact['note']}" if contact["note"] else "")
                )
                for qa in contact["answers"]:
                    typer.echo(f"      Q: {qa['question']}\n      A: {qa['answer']}")


@customer_app.command("add")
def add(
    ctx: typer.Context,
    ref: Ref,
    name: Annotated[str, typer.Argument(help="The customer's name or account id.")],
    contact: Annotated[str, typer.Option(help="Phone, e-mail or person to reach.")] = "",
    tier: Annotated[str | None, typer.Option(help="Support tier or plan.")] = None,
    reported_via: Annotated[
        str | None,
        typer.Option(help="support-ticket, phone, email, chat, account-team or other."),
    ] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    """Add an affected customer."""
    view = call(
        ctx,
        lambda c: c.post(
            f"/incidents/{ref}/customers",
            clean(name=name, contact=contact, tier=tier, reported_via=reported_via, occurred_at=at),
        ),
    )
    if json_:
        output.emit_json(view)
        return
    typer.echo(f"Customer #{view['data'][-1]['number']} added to {view['ref']}")


@customer_app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Ref,
    number: Number,
    name: Annotated[str | None, typer.Option(help="New name or id.")] = None,
    contact: Annotated[str | None, typer.Option(help="New contact.")] = None,
    tier: Annotated[str | None, typer.Option(help="New tier.")] = None,
    reported_via: Annotated[str | None, typer.Option(help="How they reported.")] = None,
    json_: Json = False,
) -> None:
    """Change a customer's details."""
    body = clean(name=name, contact=contact, tier=tier, reported_via=reported_via)
    view = call(ctx, lambda c: c.patch(f"/incidents/{ref}/customers/{number}", body))
    output.emit_json(view) if json_ else typer.echo(f"Customer #{number} updated")


@customer_app.command("contact")
def contact(
    ctx: typer.Context,
    ref: Ref,
    number: Number,
    method: Annotated[str, typer.Option(help="phone, email, chat, in-person or other.")],
    outcome: Annotated[str, typer.Option(help="reached, not-reached, left-message or sent.")],
    note: Annotated[str, typer.Option(help="What was said.")] = "",
    answer: Annotated[
        list[str] | None,
        typer.Option(help="'QUESTION=ANSWER' for a question asked (repeat)."),
    ] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    """Log a contact with a customer, with the questions asked and their answers."""
    answers = []
    for pair in answer or []:
        question, sep, reply = pair.partition("=")
        if not sep or not question.strip():
            typer.secho(f"error: --answer {pair!r}: use QUESTION=ANSWER", err=True)
            raise typer.Exit(EXIT_INPUT)
        answers.append({"question": question.strip(), "answer": reply.strip()})
    body = clean(method=method, outcome=outcome, note=note, answers=answers, occurred_at=at)
    view = call(ctx, lambda c: c.post(f"/incidents/{ref}/customers/{number}/contacts", body))
    output.emit_json(view) if json_ else typer.echo(f"Contact with customer #{number} logged")


def _verify(
    ctx: typer.Context, ref: str, number: int, status: str, note: str, at: str | None
) -> dict[str, Any]:
    body = clean(status=status, note=note, occurred_at=at)
    result: dict[str, Any] = call(
        ctx, lambda c: c.post(f"/incidents/{ref}/customers/{number}/verification", body)
    )
    return result


@customer_app.command("confirm")
def confirm(
    ctx: typer.Context,
    ref: Ref,
    number: Number,
    note: Annotated[str, typer.Option(help="How they confirmed.")] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    """Record that the customer confirms the fix."""
    view = _verify(ctx, ref, number, "confirmed", note, at)
    output.emit_json(view) if json_ else typer.echo(f"Customer #{number} confirms the fix")


@customer_app.command("waive")
def waive(
    ctx: typer.Context,
    ref: Ref,
    number: Number,
    reason: Annotated[str, typer.Option(help="Why their confirmation is not needed.")],
    at: At = None,
    json_: Json = False,
) -> None:
    """Excuse a customer from confirming the fix (liaison or commander, with a reason)."""
    view = _verify(ctx, ref, number, "waived", reason, at)
    output.emit_json(view) if json_ else typer.echo(f"Customer #{number}: confirmation waived")


@customer_app.command("unverify")
def unverify(
    ctx: typer.Context,
    ref: Ref,
    number: Number,
    note: Annotated[str, typer.Option(help="Why they must confirm again.")] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    """Put a customer back to 'awaiting confirmation of the fix'."""
    view = _verify(ctx, ref, number, "pending", note, at)
    output.emit_json(view) if json_ else typer.echo(f"Customer #{number} awaits confirmation")


def register(app: typer.Typer) -> None:
    app.add_typer(customer_app, name="customer")
