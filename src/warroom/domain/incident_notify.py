"""What the incident records about telling people: declaration steps and links."""

from __future__ import annotations

from datetime import datetime

from warroom.domain.enums import EntryKind
from warroom.domain.incident_base import IncidentState
from warroom.domain.notify_events import DeclarationStepDone, RoomCreated, TicketLinked
from warroom.domain.notify_policy import Step

# Links whose first setting is a fact a checklist can wait for.
ROOM_LINK = "room"
TICKET_LINK = "ticket"


class NotifyMixin(IncidentState):
    def record_step(
        self, step: str, outcome: str, detail: str, *, now: datetime, by: str = "warroom"
    ) -> None:
        """Note a declaration step's outcome (done / failed / retrying / skipped)."""
        text = f"Declaration step {step}: {outcome}"
        if detail:
            text += f" — {detail}"
        self._entry(EntryKind.SYSTEM, text, by, now, now, {"step": step, "outcome": outcome})
        if outcome != "done":
            return
        if step == Step.ROOM:
            self.events.append(RoomCreated(ref=self.ref, room=detail, by=by, occurred_at=now))
        self.events.append(DeclarationStepDone(ref=self.ref, step=step, by=by, occurred_at=now))

    def set_link(self, name: str, url: str, *, now: datetime, by: str = "warroom") -> None:
        """Store a link (video bridge, ticket) on the incident."""
        if self.links.get(name) == url:
            return
        self.links = {**self.links, name: url}
        self._entry(EntryKind.SYSTEM, f"Link {name}: {url}", by, now, now, {"link": name})
        self.note_links_changed({name: url}, by=by, now=now)

    def note_links_changed(self, changed: dict[str, str], *, by: str, now: datetime) -> None:
        """Raise RoomCreated / TicketLinked for a room or ticket link newly set."""
        if changed.get(ROOM_LINK):
            self.events.append(
                RoomCreated(ref=self.ref, room=changed[ROOM_LINK], by=by, occurred_at=now)
            )
        if changed.get(TICKET_LINK):
            self.events.append(
                TicketLinked(ref=self.ref, url=changed[TICKET_LINK], by=by, occurred_at=now)
            )

    def note_system(self, text: str, *, now: datetime, by: str = "warroom") -> None:
        self._entry(EntryKind.SYSTEM, text, by, now, now, {})
