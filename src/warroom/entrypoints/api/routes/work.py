"""Follow-ups, experiments and the postmortem."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Response

from warroom.domain import commands
from warroom.entrypoints.api import schemas
from warroom.entrypoints.api.deps import Idempotency, Reader, WarroomDep, Writer, execute
from warroom.entrypoints.api.openapi import ALL, MISSING, RENDERED
from warroom.entrypoints.api.responses import JSONBytes
from warroom.entrypoints.api.routes._views import incident_public
from warroom.entrypoints.api.routes.learning import postmortem_as_html, postmortem_as_pdf
from warroom.service_layer.views import postmortem_view

router = APIRouter(prefix="/incidents/{ref}", tags=["follow-ups and learning"])


class PostmortemFormat(StrEnum):
    JSON = "json"
    HTML = "html"
    PDF = "pdf"


@router.post("/followups", status_code=201, response_model=schemas.IncidentPublic, responses=ALL)
def add_followup(
    ref: str, body: schemas.FollowUpCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    command = commands.AddFollowUp(
        ref=ref,
        title=body.title,
        kind=body.kind,
        by=who.name,
        owner=body.owner,
        due=body.due,
        ticket_url=body.ticket_url,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]), status_code=201)


@router.patch("/followups/{number}", response_model=schemas.IncidentPublic, responses=ALL)
def close_followup(
    ref: str, number: int, body: schemas.FollowUpClose, wr: WarroomDep, who: Writer
) -> JSONBytes:
    """Mark a follow-up done, or not-doing with a reason."""
    command = commands.CloseFollowUp(
        ref=ref,
        number=number,
        status=body.status,
        by=who.name,
        reason=body.reason,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, None, lambda r: incident_public(wr, r["ref"]))


@router.post("/experiments", status_code=201, response_model=schemas.IncidentPublic, responses=ALL)
def start_experiment(
    ref: str, body: schemas.ExperimentCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Test a hypothesis with an action, optionally within a time box."""
    command = commands.StartExperiment(
        ref=ref,
        hypothesis=body.hypothesis,
        action=body.action,
        by=who.name,
        owner=body.owner,
        time_box_minutes=body.time_box_minutes,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]), status_code=201)


@router.post("/experiments/{number}/conclude", response_model=schemas.IncidentPublic, responses=ALL)
def conclude_experiment(
    ref: str,
    number: int,
    body: schemas.ExperimentConclude,
    wr: WarroomDep,
    who: Writer,
    key: Idempotency,
) -> JSONBytes:
    """Record the result: confirmed, refuted or inconclusive."""
    command = commands.ConcludeExperiment(
        ref=ref,
        number=number,
        status=body.status,
        result=body.result,
        by=who.name,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: incident_public(wr, r["ref"]))


def _postmortem(wr: WarroomDep, ref: str) -> dict[str, object]:
    with wr.read_session() as session:
        return postmortem_view(session, ref)


@router.get(
    "/postmortem", response_model=schemas.PostmortemPublic, responses={**MISSING, **RENDERED}
)
def get_postmortem(
    ref: str, wr: WarroomDep, who: Reader, format: PostmortemFormat = PostmortemFormat.JSON
) -> Response:
    """The saved postmortem, or (status "unsaved") a draft made from the record now;
    `?format=html` or `pdf` renders it (as `postmortem.html` / `postmortem.pdf` do)."""
    if format is PostmortemFormat.HTML:
        return postmortem_as_html(ref, wr, who)
    if format is PostmortemFormat.PDF:
        return postmortem_as_pdf(ref, wr, who)
    return JSONBytes(_postmortem(wr, ref))


@router.put("/postmortem", response_model=schemas.PostmortemPublic, responses=ALL)
def write_postmortem(
    ref: str, body: schemas.PostmortemUpdate, wr: WarroomDep, who: Writer
) -> JSONBytes:
    """Save the postmortem's Markdown; without a body, draft it from the record."""
    command = commands.WritePostmortem(ref=ref, by=who.name, body=body.body)
    return execute(wr, command, None, lambda r: _postmortem(wr, r["ref"]))


@router.post("/postmortem/publish", response_model=schemas.PostmortemPublic, responses=ALL)
def publish_postmortem(
    ref: str, body: schemas.PostmortemPublish, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Publish the saved postmortem (the incident must be mitigated or resolved)."""
    command = commands.PublishPostmortem(ref=ref, by=who.name, occurred_at=body.occurred_at)
    return execute(wr, command, key, lambda r: _postmortem(wr, r["ref"]))
