"""Server-rendered SVG charts of the metrics (pygal), inlined in the dashboard page.

`js=[]`: pygal otherwise links its tooltip script from a CDN, and the console loads no
third-party scripts. The inline config script pygal still writes is removed: with no
tooltip script it does nothing, and the console's CSP would refuse it on every load.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import pygal
from pygal.style import Style

from warroom.domain.metrics import MEASURES

# pygal appends a legacy import finder for its map plugins (unused here) that has no
# `find_spec`: every failed optional import anywhere would then warn (ImportWarning).
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]


_LABELS = {
    "mtta": "acknowledge",
    "time_to_identify": "identify",
    "mttm": "mitigate",
    "mttr": "resolve",
}
_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="system-ui, sans-serif",
    colors=("#3465a4", "#f57900", "#73d216", "#cc0000"),
)


def _config() -> dict[str, Any]:
    return {
        "js": [],
        "style": _STYLE,
        "width": 720,
        "height": 320,
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "print_values": False,
        "truncate_legend": -1,
    }


# pygal's XML serialiser escapes the script's text, so the first end tag closes it.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _svg(chart: Any) -> str:
    return _SCRIPT.sub("", str(chart.render(is_unicode=True)))


def _minutes(summary: dict[str, Any]) -> float | None:
    mean = summary["mean_seconds"]
    return round(mean / 60, 1) if mean is not None else None


def durations_by(groups: list[dict[str, Any]], title: str, *, line: bool = False) -> str:
    """Mean minutes to acknowledge, identify, mitigate and resolve for each group."""
    chart = (pygal.Line if line else pygal.Bar)(**_config())
    chart.title = title
    chart.y_title = "minutes (mean)"
    chart.x_labels = [g["group"] for g in groups]
    for name, *_ in MEASURES:
        chart.add(_LABELS[name], [_minutes(g[name]) for g in groups])
    return _svg(chart)


def adherence(updates: list[dict[str, Any]], retrospectives: dict[str, Any]) -> str:
    """Share of updates on time per audience, and of retrospectives held by their deadline."""
    chart = pygal.HorizontalBar(**_config(), range=(0, 100))
    chart.title = "On time (%)"
    for row in updates:
        if row["adherence"] is not None:
            chart.add(f"{row['audience']} updates", round(row["adherence"] * 100, 1))
    if retrospectives["adherence"] is not None:
        chart.add("retrospectives", round(retrospectives["adherence"] * 100, 1))
    return _svg(chart)
