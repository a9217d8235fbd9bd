"""Drills: start a practice incident from a scenario; read its report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.responses import Response

from warroom.adapters.drill_file import ScenarioModel
from warroom.bootstrap import Warroom
from warroom.domain.drill_commands import StartDrill
from warroom.domain.drills import MAX_SPEED
from warroom.domain.errors import InvalidInput
from warroom.entrypoints.api.deps import Idempotency, Reader, WarroomDep, Writer, execute
from warroom.entrypoints.api.openapi import ALL, INVALID
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.drill_report import drill_report

router = APIRouter(prefix="/drills", tags=["drills"])


class DrillCreate(BaseModel):
    """A scenario, as its TOML file reads (see `src/warroom/drills/*.toml`)."""

    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioModel
    occurred_at: AwareDatetime | None = Field(
        None,
        description="When the drill starts (its events' offsets count from it); defaults to "
        "now. A past time records a drill after the fact or replays one; never in the future.",
    )
    speed: float = Field(
        1.0,
        gt=0,
        le=MAX_SPEED,
        description="Offsets are divided by it: 2 runs the scenario in half the time.",
    )


class DrillPublic(BaseModel):
    ref: str
    scenario: str
    events: int
    started_at: datetime


@router.post("", status_code=201, response_model=DrillPublic, responses=INVALID)
def start(body: DrillCreate, wr: WarroomDep, who: Writer, key: Idempotency) -> JSONBytes:
    """Declare a drill incident and schedule the scenario's events at their offsets."""
    scenario = body.scenario.to_domain()
    try:
        wr.policy.severity(scenario.severity)
    except InvalidInput as exc:
        raise InvalidInput("scenario.incident.severity", exc.reason) from None
    command = StartDrill(
        scenario=scenario, by=who.name, occurred_at=body.occurred_at, speed=body.speed
    )
    return execute(wr, command, key, lambda r: r, status_code=201)


def _report(wr: Warroom, ref: str) -> dict[str, Any]:
    with wr.read_session() as session:
        return drill_report(session, ref, wr.policy, wr.clock.now())


@router.get("/{ref}/report", responses=ALL)
def report(ref: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    """Cadences, SME cycle, gates and times against the policy; `markdown` renders it."""
    return JSONBytes(_report(wr, ref))


@router.get(
    "/{ref}/report.md",
    responses={200: {"content": {"text/markdown": {}}, "description": "Markdown"}, **ALL},
)
def report_markdown(ref: str, wr: WarroomDep, who: Reader) -> Response:
    """The drill report as Markdown."""
    return Response(_report(wr, ref)["markdown"], media_type="text/markdown; charset=utf-8")
