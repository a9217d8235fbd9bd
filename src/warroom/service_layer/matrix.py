"""The roles and responsibilities matrix, generated from the policy (document 004).

Rows are the policy's roles (`[roles.<role>]`) plus any role that owns checklist items;
each carries its standing responsibilities, the checklist steps it owns and who is on
duty for it (from the on-call port). Rendered as JSON, Markdown (to print) or a
self-contained HTML page (for the console to link or embed).
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from warroom.domain.checklists import ChecklistItem
from warroom.domain.enums import RoleName
from warroom.domain.policy import Policy
from warroom.service_layer.on_duty import OnDutyLookup


def _step(item: ChecklistItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "stage": str(item.stage),
        "within": str(item.within) if item.within else None,
        "from": str(item.anchor),
        "severities": sorted(item.severities) if item.severities is not None else None,
        "done_when": item.done_when.describe() if item.done_when else None,
        "sources": list(item.sources),
    }


def roles_matrix(policy: Policy, *, on_duty: OnDutyLookup, now: datetime) -> dict[str, Any]:
    """Roles by responsibilities (and owned checklist steps, and who is on duty)."""
    owners = {item.effective_owner for item in policy.checklist.items}
    order = list(policy.roles) + [r for r in RoleName if r in owners and r not in policy.roles]
    rows = []
    for role in order:
        profile = policy.roles.get(role)
        rows.append(
            {
                "role": str(role),
                "label": profile.label if profile else str(role),
                "description": profile.description if profile else "",
                "responsibilities": list(profile.responsibilities) if profile else [],
                "steps": [_step(i) for i in policy.checklist.items if i.effective_owner is role],
                "on_duty": on_duty.on_duty(role, now),
            }
        )
    return {"policy": policy.name, "description": policy.description, "roles": rows}


def _on_duty_text(people: list[str] | None) -> str:
    if people is None:
        return "—"
    return ", ".join(people) if people else "nobody"


def step_notes(step: dict[str, Any]) -> list[str]:
    """When a step is due, for which severities, what ticks it, and where it comes from."""
    notes = []
    if step["within"]:
        anchor = "declaration" if step["from"] == "declaration" else "reaching the stage"
        notes.append(f"within {step['within']} of {anchor}")
    if step["severities"] is not None:
        notes.append(", ".join(step["severities"]) + " only")
    if step["done_when"]:
        notes.append(f"ticked by {step['done_when']}")
    if step["sources"]:
        notes.append("; ".join(step["sources"]))
    return notes


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def matrix_markdown(matrix: dict[str, Any]) -> str:
    """The matrix as Markdown: a roles table, then each role's checklist steps."""
    lines = [f"# Roles and responsibilities — {matrix['policy']}", ""]
    if matrix["description"]:
        lines += [matrix["description"], ""]
    lines += ["| Role | Responsibilities | On duty |", "| --- | --- | --- |"]
    for row in matrix["roles"]:
        duties = "<br>".join(f"• {_cell(r)}" for r in row["responsibilities"]) or "—"
        name = f"**{_cell(row['label'])}** (`{row['role']}`)"
        lines.append(f"| {name} | {duties} | {_on_duty_text(row['on_duty'])} |")
    lines += ["", "“—” on duty: no on-call schedule is connected; fill it in by hand.", ""]
    lines += ["## Checklist steps by role", ""]
    for row in matrix["roles"]:
        if not row["steps"]:
            continue
        lines += [f"### {row['label']} (`{row['role']}`)", ""]
        for step in row["steps"]:
            notes = step_notes(step)
            suffix = f" _({' · '.join(notes)})_" if notes else ""
            lines.append(f"- **{step['stage']}** `{step['id']}` — {step['title']}{suffix}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; }
th, td { border: 1px solid #c7c7cc; padding: .5rem .7rem; vertical-align: top; text-align: left; }
th { background: #f2f2f7; }
td ul { margin: 0; padding-left: 1.1rem; }
code { font-size: 90%; }
.notes { color: #6e6e73; font-size: 90%; }
@media print { body { margin: 0; } a { color: inherit; } }
""".strip()


def matrix_html(matrix: dict[str, Any]) -> str:
    """The matrix as a self-contained, printable HTML page (no scripts, no external files)."""
    e = escape
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Roles and responsibilities — {e(matrix['policy'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Roles and responsibilities — {e(matrix['policy'])}</h1>",
    ]
    if matrix["description"]:
        out.append(f"<p>{e(matrix['description'])}</p>")
    out.append("<table><thead><tr><th>Role</th><th>Responsibilities</th><th>On duty</th></tr>")
    out.append("</thead><tbody>")
    for row in matrix["roles"]:
        duties = "".join(f"<li>{e(r)}</li>" for r in row["responsibilities"])
        out.append(
            f'<tr><th scope="row">{e(row["label"])}<br><code>{e(row["role"])}</code></th>'
            f"<td>{f'<ul>{duties}</ul>' if duties else '—'}</td>"
            f"<td>{e(_on_duty_text(row['on_duty']))}</td></tr>"
        )
    out.append("</tbody></table><h2>Checklist steps by role</h2>")
    for row in matrix["roles"]:
        if not row["steps"]:
            continue
        out.append(f"<h3>{e(row['label'])} <code>{e(row['role'])}</code></h3><ul>")
        for step in row["steps"]:
            notes = step_notes(step)
            extra = f' <span class="notes">({e(" · ".join(notes))})</span>' if notes else ""
            out.append(
                f"<li><strong>{e(step['stage'])}</strong> <code>{e(step['id'])}</code> — "
                f"{e(step['title'])}{extra}</li>"
            )
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
