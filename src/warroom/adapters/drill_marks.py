"""What the outbox does to a message about a drill: mark it, or withhold it from someone
the scenario made unreachable. Every notification passes through the outbox, so email,
chat, SMS and webhooks all carry the mark."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.adapters.orm.incidents import incidents, timeline_entries
from warroom.domain.background import OutboundMessage
from warroom.domain.drills import DRILL_AUTHOR, mark
from warroom.domain.incident import Incident


class DrillMarks:
    """Per unit of work: which incidents are drills, and who is unreachable in each."""

    def __init__(self, session: Session, seen: Callable[[], Iterable[Incident]]) -> None:
        self.session = session
        self.seen = seen
        self._drill: dict[int, bool] = {}

    def _loaded(self, number: int) -> Incident | None:
        return next((i for i in self.seen() if i.number == number), None)

    def is_drill(self, number: int) -> bool:
        loaded = self._loaded(number)
        if loaded is not None:
            return loaded.drill
        if number not in self._drill:
            value = self.session.execute(
                select(incidents.c.drill).where(incidents.c.id == number)
            ).scalar_one_or_none()
            self._drill[number] = bool(value)
        return self._drill[number]

    def unreachable(self, number: int) -> set[str]:
        """People the drill made unreachable, from its stored and not yet stored entries."""
        t = timeline_entries.c
        data = list(
            self.session.execute(
                select(t.data).where(t.incident_id == number, t.author == DRILL_AUTHOR)
            ).scalars()
        )
        loaded = self._loaded(number)
        if loaded is not None:
            data += [e.data for e in loaded.new_entries if e.author == DRILL_AUTHOR]
        return {str(d["person"]) for d in data if d and d.get("drill") == "unreachable"}

    def apply(self, message: OutboundMessage, number: int | None) -> tuple[OutboundMessage, str]:
        """The message as it should be queued, and why it is withheld ('' to send it)."""
        if number is None or not self.is_drill(number):
            return message, ""
        marked = replace(message, subject=mark(message.subject), body=mark(message.body))
        person = message.payload.get("person")
        if person and person in self.unreachable(number):
            return marked, f"drill: {person} is unreachable"
        return marked, ""
