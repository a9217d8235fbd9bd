"""A checklist as plain text, for chat (`!inc checklist`, `/inc checklist`) and terminals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.domain.enums import RoleName
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.service_layer.checklist_view import checklist_view

_MARK = {"done": "[x]", "skipped": "[-]", "open": "[ ]"}


def _clock(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%H:%M")
    return str(value)[11:16] if value else ""


def checklist_lines(view: dict[str, Any], *, show_later: bool = False) -> list[str]:
    """One line per item, grouped by stage; items of stages not reached yet are counted."""
    counts = view["counts"]
    head = f"{view['ref']} checklist ({view['stage']}): {counts['done']} done"
    head += f", {counts['skipped']} skipped, {counts['open'] - counts['later']} to do"
    if counts["overdue"]:
        head += f", {counts['overdue']} overdue"
    if view.get("role"):
        head += f" — {view['role']}"
    lines = [head]
    stage = None
    later = 0
    for item in view["items"]:
        if not item["active"] and item["status"] == "open" and not show_later:
            later += 1
            continue
        if item["stage"] != stage:
            stage = item["stage"]
            lines.append(f"{stage}:")
        line = f"  {_MARK[item['status']]} {item['id']}: {item['title']}"
        owner = ", ".join(item["holders"]) or "unassigned"
        line += f" ({item['owner_role']}: {owner})"
        if item["status"] == "open" and item["due_at"]:
            line += f" — {'OVERDUE since' if item['overdue'] else 'due'} {_clock(item['due_at'])}"
        elif item["status"] == "done" and item["by"]:
            line += f" — {item['by']}{' (auto)' if item['auto'] else ''}"
        elif item["status"] == "skipped":
            line += f" — skipped: {item['reason']}"
        lines.append(line)
    if later:
        lines.append(f"… and {later} steps for later stages")
    return lines


def checklist_text(view: dict[str, Any], *, show_later: bool = False) -> str:
    return "\n".join(checklist_lines(view, show_later=show_later))


def checklist_message(
    incident: Incident,
    policy: Policy,
    *,
    now: datetime,
    role: RoleName | None = None,
) -> str:
    """The rendered checklist of `incident` (one role's items with `role`), for a chat reply."""
    return checklist_text(checklist_view(incident, policy, now, role=role))
