"""Who is on call now or at a time, a schedule's coverage and gaps, overrides, calendars."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime
from starlette.responses import Response

from warroom.adapters.ical import shifts_calendar
from warroom.bootstrap import Warroom
from warroom.domain.errors import InvalidInput, NotFound
from warroom.domain.oncall import Shift
from warroom.domain.oncall_commands import AddOverride, RemoveOverride
from warroom.entrypoints.api.deps import Reader, WarroomDep, Writer
from warroom.entrypoints.api.limits import Id
from warroom.entrypoints.api.oncall_schemas import CoveragePublic, OnCallPublic, OverrideCreate
from warroom.entrypoints.api.openapi import ALL, MISSING, Responses
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer import oncall
from warroom.service_layer.unit_of_work import UnitOfWork

router = APIRouter(tags=["on-call"])

At = Annotated[AwareDatetime | None, Query(description="ISO 8601 with zone; default now")]
MAX_WINDOW = timedelta(days=400)


def _shift(shift: Shift | None) -> dict[str, Any] | None:
    if shift is None:
        return None
    return {"person": shift.person, "start": shift.start, "end": shift.end, "source": shift.source}


def _who(uow: UnitOfWork, name: str, at: datetime) -> dict[str, Any]:
    schedule = oncall.schedule_or_404(uow, name)
    cover = oncall.coverage(uow, schedule, at - oncall.LOOKAROUND, at + oncall.LOOKAROUND)
    now_shift = cover.at(at)
    upcoming = next((s for s in cover.shifts if s.start > at), None)
    return {
        "schedule": name,
        "at": at,
        "person": now_shift.person if now_shift else None,
        "shift": _shift(now_shift),
        "next": _shift(upcoming),
    }


@router.get("/oncall", response_model=list[OnCallPublic])
def who_is_on_call(wr: WarroomDep, who: Reader, at: At = None) -> JSONBytes:
    """Every schedule: who is on call at `at` (now by default), and who is next."""
    when = at or wr.clock.now()
    with wr.bus.uow_factory() as uow:
        return JSONBytes([_who(uow, s.name, when) for s in uow.oncall.schedules()])


@router.get("/schedules/{name}/oncall", response_model=OnCallPublic, responses=MISSING)
def schedule_on_call(name: str, wr: WarroomDep, who: Reader, at: At = None) -> JSONBytes:
    with wr.bus.uow_factory() as uow:
        return JSONBytes(_who(uow, name, at or wr.clock.now()))


def _window(
    wr: Warroom, start: datetime | None, end: datetime | None, days: int
) -> tuple[datetime, datetime]:
    start = start or wr.clock.now()
    end = end or start + timedelta(days=days)
    if end <= start:
        raise InvalidInput("end", "must be after start")
    if end - start > MAX_WINDOW:
        raise InvalidInput("end", "the window may span at most 400 days")
    return start, end


@router.get("/schedules/{name}/coverage", response_model=CoveragePublic, responses=ALL)
def schedule_coverage(
    name: str,
    wr: WarroomDep,
    who: Reader,
    start: At = None,
    end: At = None,
) -> JSONBytes:
    """Final shifts over a window (default: the next 14 days) and the gaps nobody covers."""
    begin, finish = _window(wr, start, end, 14)
    with wr.bus.uow_factory() as uow:
        schedule = oncall.schedule_or_404(uow, name)
        cover = oncall.coverage(uow, schedule, begin, finish)
    return JSONBytes(
        {
            "schedule": name,
            "start": begin,
            "end": finish,
            "shifts": [_shift(s) for s in cover.shifts],
            "gaps": [{"start": g.start, "end": g.end} for g in cover.gaps],
        }
    )


@router.get("/schedules/{name}/overrides", responses=MISSING)
def list_overrides(
    name: str, wr: WarroomDep, who: Reader, start: At = None, end: At = None
) -> JSONBytes:
    begin, finish = _window(wr, start, end, 90)
    with wr.bus.uow_factory() as uow:
        oncall.schedule_or_404(uow, name)
        found = uow.oncall.overrides(name, begin, finish)
    data = [
        {
            "id": o.id,
            "person": o.person,
            "starts_at": o.starts_at,
            "ends_at": o.ends_at,
            "reason": o.reason,
        }
        for o in found
    ]
    return JSONBytes({"data": data, "count": len(data)})


@router.post("/schedules/{name}/overrides", status_code=201, responses=ALL)
def add_override(name: str, body: OverrideCreate, wr: WarroomDep, who: Writer) -> JSONBytes:
    """Put someone on call for a while, above every layer (a swap, a holiday cover)."""
    result = wr.bus.handle(
        AddOverride(
            schedule=name,
            person=body.person,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            reason=body.reason,
            by=who.name,
        )
    )
    return JSONBytes(result, status_code=201)


@router.delete(
    "/schedules/{name}/overrides/{override_id}",
    status_code=204,
    response_class=Response,
    responses=MISSING,
)
def remove_override(name: str, override_id: Id, wr: WarroomDep, who: Writer) -> Response:
    wr.bus.handle(RemoveOverride(schedule=name, override_id=override_id, by=who.name))
    return Response(status_code=204)


ICS: Responses = {
    **MISSING,
    200: {"description": "iCalendar", "content": {"text/calendar": {"schema": {"type": "string"}}}},
}


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get("/schedules/{name}/calendar.ics", responses=ICS, response_class=Response)
def schedule_calendar(
    name: str, wr: WarroomDep, who: Reader, days: Annotated[int, Query(ge=1, le=400)] = 60
) -> Response:
    """The schedule's final shifts from a week ago to `days` ahead, as iCalendar."""
    now = wr.clock.now()
    with wr.bus.uow_factory() as uow:
        schedule = oncall.schedule_or_404(uow, name)
        cover = oncall.coverage(uow, schedule, now - timedelta(days=7), now + timedelta(days=days))
    return _ics(
        shifts_calendar(f"On call: {name}", ((name, s) for s in cover.shifts), now=now),
        f"{name}.ics",
    )


@router.get(
    "/people/{handle}/calendar.ics", tags=["catalog"], responses=ICS, response_class=Response
)
def person_calendar(
    handle: str, wr: WarroomDep, who: Reader, days: Annotated[int, Query(ge=1, le=400)] = 60
) -> Response:
    """A person's on-call shifts across every schedule, as iCalendar."""
    now = wr.clock.now()
    start, end = now - timedelta(days=7), now + timedelta(days=days)
    shifts: list[tuple[str, Shift]] = []
    with wr.bus.uow_factory() as uow:
        if uow.directory.person(handle) is None:
            raise NotFound("person", handle)
        for schedule in uow.oncall.schedules():
            cover = oncall.coverage(uow, schedule, start, end)
            shifts.extend((schedule.name, s) for s in cover.shifts if s.person == handle)
    shifts.sort(key=lambda pair: pair[1].start)
    return _ics(shifts_calendar(f"On call: {handle}", shifts, now=now), f"{handle}.ics")
