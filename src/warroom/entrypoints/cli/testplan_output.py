"""The test plan and the durability audit as lines of text."""

from __future__ import annotations

from typing import Any


def plan_lines(plan: dict[str, Any]) -> list[str]:
    """The test plan as short lines, for `show` and `testplan show`."""
    if not plan or not (plan["steps"] or plan["fixes"] or plan["automated_tests"]):
        return []
    lines = [f"Test plan: {'signed' if plan['signed'] else 'not signed'}"]
    for step in plan["steps"]:
        results = ", ".join(
            f"{env} {r['status']}" + (f" ({r['note']})" if r["note"] else "")
            for env, r in step["results"].items()
        )
        data = " [customer data]" if step["customer_data"] else ""
        lines.append(f"  #{step['number']} {step['title']}{data}: {results}")
    if plan["signoffs"]:
        lines.append("  signed by " + ", ".join(s["person"] for s in plan["signoffs"]))
    if plan["steps"] and plan["missing_signoffs"]:
        lines.append("  to sign: " + ", ".join(plan["missing_signoffs"]))
    for tests in plan["automated_tests"]:
        lines.append(f"  automated tests #{tests['number']}: {tests['url']}")
    for fix in plan["fixes"]:
        state = "tested" if fix["tested"] else "untested"
        if fix["awaiting_tests"]:
            state += f", awaiting tests (dropped {fix['dropped_from']} → {fix['dropped_to']})"
        lines.append(f"  fix #{fix['number']} ({state}): {fix['text']}")
    return lines


def durability_lines(items: list[dict[str, Any]]) -> list[str]:
    """Non-durable changes, for `show`."""
    if not items:
        return []
    lines = ["Non-durable changes:"]
    for i in items:
        state = {
            "followup": f"durable-fix follow-up #{i['followup']}",
            "waived": f"waived: {i['waiver']}",
        }.get(i["status"], "open until mitigation")
        lines.append(f"  #{i['number']} {i['category']}: {i['text']} ({state})")
    return lines
