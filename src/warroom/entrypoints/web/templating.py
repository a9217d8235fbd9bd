"""The Jinja2 environment shared by the console and the status page."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from warroom.adapters.markdown import to_html


def parse_time(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def when(value: datetime | str | None) -> str:
    """'2026-11-23 09:34 UTC' — times are shown in UTC, with the zone said."""
    moment = parse_time(value)
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(value: datetime | str | None) -> str:
    moment = parse_time(value)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


def duration(seconds: float) -> str:
    """'3d 4h', '2h 05m', '12m', '40s'."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def label(value: str) -> str:
    """'degraded_performance' → 'Degraded performance'."""
    text = str(value).replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


_SAFE_SCHEMES = ("https://", "http://", "matrix:", "tel:", "mailto:")


def linkable(url: str | None) -> bool:
    """Only these schemes become links: a `javascript:` URL stored through the API must not."""
    return bool(url) and str(url).strip().lower().startswith(_SAFE_SCHEMES)


def markdown(text: str | None) -> Markup:
    """Markdown as sanitised HTML (safe to insert unescaped)."""
    return Markup(to_html(text or ""))  # sanitised by nh3 in to_html


def make_environment() -> Environment:
    folder = resources.files("warroom") / "entrypoints" / "web" / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(enabled_extensions=("html", "xml"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(when=when, iso=iso, duration=duration, label=label, markdown=markdown)
    env.tests["linkable"] = linkable
    return env
