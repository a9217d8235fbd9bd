"""The retrospective meeting, the postmortem as HTML and PDF, the customer postmortem."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from warroom.adapters.postmortem_document import CSP, html_to_pdf, postmortem_html
from warroom.domain import postmortem_commands as pc
from warroom.entrypoints.api import schemas
from warroom.entrypoints.api import schemas_learning as sl
from warroom.entrypoints.api.deps import Idempotency, Reader, WarroomDep, Writer, execute
from warroom.entrypoints.api.openapi import ALL, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.learning_view import meeting_view, postmortem_page
from warroom.service_layer.views import postmortem_view

router = APIRouter(prefix="/incidents/{ref}", tags=["follow-ups and learning"])

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    **MISSING,
    200: {"content": {"application/pdf": {}}, "description": "The postmortem as PDF"},
}
HTML_RESPONSE: dict[int | str, dict[str, Any]] = {
    **MISSING,
    200: {"content": {"text/html": {}}, "description": "The postmortem as a web page"},
}


def _meeting(wr: WarroomDep, ref: str) -> dict[str, Any]:
    with wr.read_session() as session:
        return meeting_view(session, ref, wr.policy)


@router.post("/retrospective/schedule", response_model=sl.RetroMeetingPublic, responses=ALL)
def schedule_retrospective(
    ref: str, body: sl.RetrospectiveSchedule, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Schedule or move the retrospective; every participant gets an .ics invitation."""
    command = pc.ScheduleRetrospective(
        ref=ref,
        by=who.name,
        starts_at=body.starts_at,
        duration_minutes=body.duration_minutes,
        participants=tuple(body.participants),
        location=body.location,
        url=body.url,
        force=body.force,
        reason=body.reason,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: _meeting(wr, r["ref"]))


@router.get("/retrospective/meeting", response_model=sl.RetroMeetingPublic, responses=MISSING)
def get_meeting(ref: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    """The scheduled retrospective and its agenda as it reads now."""
    return JSONBytes(_meeting(wr, ref))


def postmortem_document(wr: WarroomDep, ref: str) -> str:
    with wr.read_session() as session:
        title, body, meta = postmortem_page(session, ref)
    return postmortem_html(title=title, markdown=body, meta=meta)


@router.get("/postmortem.html", response_class=HTMLResponse, responses=HTML_RESPONSE)
def postmortem_as_html(ref: str, wr: WarroomDep, who: Reader) -> HTMLResponse:
    """The postmortem rendered safely (no raw HTML or scripts survive the Markdown)."""
    return HTMLResponse(postmortem_document(wr, ref), headers={"Content-Security-Policy": CSP})


@router.get("/postmortem.pdf", response_class=Response, responses=PDF_RESPONSE)
def postmortem_as_pdf(ref: str, wr: WarroomDep, who: Reader) -> Response:
    """The postmortem as PDF (WeasyPrint)."""
    pdf = html_to_pdf(postmortem_document(wr, ref))
    name = f"{ref.lower()}-postmortem.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def _postmortem(wr: WarroomDep, ref: str) -> dict[str, object]:
    with wr.read_session() as session:
        return postmortem_view(session, ref)


@router.put("/postmortem/customers", response_model=schemas.PostmortemPublic, responses=ALL)
def write_customer_postmortem(
    ref: str, body: sl.CustomerPostmortemUpdate, wr: WarroomDep, who: Writer
) -> JSONBytes:
    """Save the customer version; without a body, draft it from the public record."""
    command = pc.WriteCustomerPostmortem(ref=ref, by=who.name, body=body.body)
    return execute(wr, command, None, lambda r: _postmortem(wr, r["ref"]))


@router.post(
    "/postmortem/customers/publish", response_model=schemas.PostmortemPublic, responses=ALL
)
def publish_customer_postmortem(
    ref: str,
    body: sl.CustomerPostmortemPublish,
    wr: WarroomDep,
    who: Writer,
    key: Idempotency,
) -> JSONBytes:
    """Publish the customer version on the status page and email every subscriber."""
    command = pc.PublishCustomerPostmortem(ref=ref, by=who.name, occurred_at=body.occurred_at)
    return execute(wr, command, key, lambda r: _postmortem(wr, r["ref"]))
