"""Console writes: each form becomes the same bus command the API sends.

With htmx, a form answers with itself (cleared, or showing the error) and the
`incident-changed` trigger that refreshes the panels; without JavaScript it redirects back
to the incident page, or shows the page again with the error.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from warroom.domain import checklist_commands as cc
from warroom.domain import commands as c
from warroom.domain.enums import (
    Audience,
    EntryKind,
    ExperimentStatus,
    FollowUpKind,
    FollowUpStatus,
    RoleName,
    Stage,
)
from warroom.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from warroom.entrypoints.web import forms
from warroom.entrypoints.web.auth import ConsoleUser, Responder
from warroom.entrypoints.web.console_incident import incident_context
from warroom.entrypoints.web.console_testplan import TESTPLAN_ACTIONS
from warroom.entrypoints.web.render import handle, is_htmx, macro, page, warroom

router = APIRouter(include_in_schema=False)

Build = Callable[[FormData, str, str], c.Command]
FORMS = "console/forms.html"
TRIGGER = {"HX-Trigger": "incident-changed"}


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, RuleViolation):
        return 409
    return 422


def _error(exc: DomainError) -> dict[str, object]:
    return {
        "field": exc.field if isinstance(exc, InvalidInput) else None,
        "message": exc.message,
        "details": exc.details if isinstance(exc, RuleViolation) else [],
    }


async def act(
    request: Request, ref: str, user: ConsoleUser, build: Build, form_macro: str | None
) -> Response:
    """Run the form's command; answer for htmx or for a plain form post."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        await handle(request, build(form, ref, user.name))
    except DomainError as exc:
        status, error = _status(exc), _error(exc)
        if is_htmx(request):
            if form_macro:
                html = macro(request, FORMS, form_macro, ref, user.csrf, error=error, values=values)
            else:
                html = macro(request, FORMS, "flash", error)
            return HTMLResponse(html, status_code=status)
        if isinstance(exc, NotFound) and exc.what == "incident":
            raise
        context = incident_context(warroom(request), ref, [], user)
        return page(request, "console/incident.html", status_code=status, flash=error, **context)
    if is_htmx(request):
        if form_macro:
            html = macro(request, FORMS, form_macro, ref, user.csrf, error=None, values={})
            return HTMLResponse(html, headers=TRIGGER)
        return Response(status_code=204, headers=TRIGGER)
    return RedirectResponse(f"/incidents/{ref}", status_code=303)


def _note(form: FormData, ref: str, by: str) -> c.Command:
    return c.AddTimelineEntry(
        ref=ref,
        kind=forms.choice(form, "kind", EntryKind, default=EntryKind.NOTE),
        text=forms.text(form, "text", required=True),
        by=by,
        occurred_at=forms.moment(form, "occurred_at"),
    )


def _answer(form: FormData, ref: str, by: str) -> c.Command:
    question = forms.text(form, "question", required=True, limit=2000)
    answer = forms.text(form, "answer", required=True)
    category = forms.text(form, "category", limit=200)
    prefix = f"Q ({category}): " if category else "Q: "
    return c.AddTimelineEntry(
        ref=ref, kind=EntryKind.NOTE, text=f"{prefix}{question}\nA: {answer}", by=by
    )


def _update(form: FormData, ref: str, by: str) -> c.Command:
    return c.PostUpdate(
        ref=ref,
        audience=forms.choice(form, "audience", Audience),
        text=forms.text(form, "text", required=True),
        by=by,
        occurred_at=forms.moment(form, "occurred_at"),
    )


def _stage(form: FormData, ref: str, by: str) -> c.Command:
    return c.ChangeStage(
        ref=ref,
        stage=forms.choice(form, "stage", Stage),
        by=by,
        note=forms.text(form, "note"),
        occurred_at=forms.moment(form, "occurred_at"),
    )


def _severity(form: FormData, ref: str, by: str) -> c.Command:
    return c.ChangeSeverity(
        ref=ref,
        severity=forms.text(form, "severity", required=True, limit=100),
        by=by,
        reason=forms.text(form, "reason"),
    )


def _acknowledge(form: FormData, ref: str, by: str) -> c.Command:
    return c.Acknowledge(ref=ref, by=by)


def _assign(form: FormData, ref: str, by: str) -> c.Command:
    return c.AssignRole(
        ref=ref,
        role=forms.choice(form, "role", RoleName),
        person=forms.text(form, "person", required=True, limit=100),
        by=by,
        occurred_at=forms.moment(form, "occurred_at"),
    )


def _release(form: FormData, ref: str, by: str) -> c.Command:
    return c.ReleaseRole(
        ref=ref,
        role=forms.choice(form, "role", RoleName),
        person=forms.text(form, "person", required=True, limit=100),
        by=by,
    )


def _experiment(form: FormData, ref: str, by: str) -> c.Command:
    minutes = forms.integer(form, "time_box_minutes", default=0, lo=0, hi=1440)
    return c.StartExperiment(
        ref=ref,
        hypothesis=forms.text(form, "hypothesis", required=True),
        action=forms.text(form, "action", required=True),
        by=by,
        owner=forms.optional(form, "owner", limit=100),
        time_box_minutes=minutes or None,
    )


def _conclude(form: FormData, ref: str, by: str) -> c.Command:
    return c.ConcludeExperiment(
        ref=ref,
        number=forms.integer(form, "number", lo=1, hi=100_000),
        status=forms.choice(form, "status", ExperimentStatus),
        result=forms.text(form, "result", required=True),
        by=by,
    )


def _followup(form: FormData, ref: str, by: str) -> c.Command:
    return c.AddFollowUp(
        ref=ref,
        title=forms.text(form, "title", required=True, limit=200),
        kind=forms.choice(form, "kind", FollowUpKind),
        by=by,
        owner=forms.optional(form, "owner", limit=100),
        due=forms.day(form, "due"),
        ticket_url=forms.optional(form, "ticket_url", limit=2000),
    )


def _close_followup(form: FormData, ref: str, by: str) -> c.Command:
    return c.CloseFollowUp(
        ref=ref,
        number=forms.integer(form, "number", lo=1, hi=100_000),
        status=forms.choice(form, "status", FollowUpStatus),
        by=by,
        reason=forms.text(form, "reason"),
    )


def _check(form: FormData, ref: str, by: str) -> c.Command:
    return cc.CheckItem(
        ref=ref,
        item=forms.text(form, "item", required=True, limit=100),
        by=by,
        note=forms.text(form, "note"),
    )


LINK_NAMES = ("room", "bridge", "ticket")


def _links(form: FormData, ref: str, by: str) -> c.Command:
    # Links set elsewhere (by the chat bridge, say) are kept: only the named ones change.
    current = dict(incident_links(form))
    for name in LINK_NAMES:
        value = forms.text(form, name, limit=2000)
        if value and not value.startswith(("https://", "http://", "matrix:", "tel:")):
            raise InvalidInput(name, "must be a link (https://…, matrix:…, tel:…)")
        if value:
            current[name] = value
        else:
            current.pop(name, None)
    return c.EditIncident(ref=ref, by=by, changes={"links": current})


def incident_links(form: FormData) -> dict[str, str]:
    """The links the form was rendered with (hidden `keep.*` fields), to preserve them."""
    kept = {
        key[5:]: value
        for key, value in form.items()
        if key.startswith("keep.") and isinstance(value, str) and key[5:] not in LINK_NAMES
    }
    for name, value in kept.items():
        if not 0 < len(name) <= 100 or len(value) > 2000:
            raise InvalidInput("links", f"link {name[:100]!r} is too long")
    return kept


ACTIONS: dict[str, tuple[Build, str | None]] = {
    "timeline": (_note, "note_form"),
    "answer": (_answer, None),
    "updates": (_update, "update_form"),
    "stage": (_stage, None),
    "severity": (_severity, None),
    "acknowledge": (_acknowledge, None),
    "roles": (_assign, "role_form"),
    "roles/release": (_release, None),
    "experiments": (_experiment, "experiment_form"),
    "experiments/conclude": (_conclude, None),
    "followups": (_followup, "followup_form"),
    "followups/close": (_close_followup, None),
    "links": (_links, None),
    "checklist/check": (_check, None),
    **TESTPLAN_ACTIONS,
}


def _route(path: str, build: Build, form_macro: str | None) -> None:
    async def endpoint(request: Request, ref: str, user: Responder) -> Response:
        return await act(request, ref, user, build, form_macro)

    endpoint.__name__ = f"console_{path.replace('/', '_')}"
    router.add_api_route(f"/incidents/{{ref}}/{path}", endpoint, methods=["POST"])


for _path, (_build, _macro) in ACTIONS.items():
    _route(_path, _build, _macro)
