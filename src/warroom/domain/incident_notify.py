"""What the incident records about telling people: declaration steps and links."""

from __future__ import annotations

from datetime import datetime

from warroom.domain.enums import EntryKind
from warroom.domain.incident_base import IncidentState


class NotifyMixin(IncidentState):
    def record_step(
        self, step: str, outcome: str, detail: str, *, now: datetime, by: str = "warroom"
    ) -> None:
        """Note a declaration step's outcome (done / failed / retrying / skipped)."""
        text = f"Declaration step {step}: {outcome}"
        if detail:
            text += f" — {detail}"
        self._entry(EntryKind.SYSTEM, text, by, now, now, {"step": step, "outcome": outcome})

    def set_link(self, name: str, url: str, *, now: datetime, by: str = "warroom") -> None:
        """Store a link (video bridge, ticket) on the incident."""
        if self.links.get(name) == url:
            return
        self.links = {**self.links, name: url}
        self._entry(EntryKind.SYSTEM, f"Link {name}: {url}", by, now, now, {"link": name})

    def note_system(self, text: str, *, now: datetime, by: str = "warroom") -> None:
        self._entry(EntryKind.SYSTEM, text, by, now, now, {})
