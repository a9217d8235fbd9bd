"""Metrics as CSV rows: one row per (section, group, metric), from the metrics result."""

from __future__ import annotations

import csv
import io
from typing import Any

from warroom.domain.metrics import MEASURES

CSV_COLUMNS = (
    "section",
    "group",
    "metric",
    "count",
    "mean_seconds",
    "median_seconds",
    "p90_seconds",
    "ratio",
)


def csv_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics flattened into rows of CSV_COLUMNS."""
    out: list[dict[str, Any]] = []
    d = result["durations"]
    for section, groups in (
        ("overall", [d["overall"]]),
        ("severity", d["by_severity"]),
        ("service", d["by_service"]),
        ("month", d["by_month"]),
    ):
        for g in groups:
            for name, *_ in MEASURES:
                out.append({"section": section, "group": g["group"], "metric": name, **g[name]})
    for u in result["updates"]:
        out.append(
            {
                "section": "updates",
                "group": u["audience"],
                "metric": "update_adherence",
                "count": u["due"],
                "ratio": u["adherence"],
            }
        )
    retro = result["retrospectives"]
    judged = retro["held_on_time"] + retro["held_late"] + retro["breached"]
    out.append(
        {
            "section": "retrospectives",
            "group": "all",
            "metric": "retrospective_adherence",
            "count": judged,
            "ratio": retro["adherence"],
        }
    )
    fu = result["followups"]
    out.append(
        {
            "section": "followups",
            "group": "all",
            "metric": "followup_completion",
            "count": fu["total"],
            "ratio": fu["completion"],
        }
    )
    out.append(
        {
            "section": "followups",
            "group": "all",
            "metric": "followups_overdue",
            "count": fu["overdue"],
        }
    )
    counts = result["incidents"]
    out.append(
        {"section": "incidents", "group": "all", "metric": "count", "count": counts["total"]}
    )
    out.append(
        {"section": "incidents", "group": "open", "metric": "count", "count": counts["open"]}
    )
    for sev, n in counts["by_severity"].items():
        out.append({"section": "incidents", "group": sev, "metric": "count", "count": n})
    return [{col: row.get(col) for col in CSV_COLUMNS} for row in out]


def to_csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(result))
    return out.getvalue()
