"""Channel names from the policy pattern, e.g. inc-23-11-26-logging-in-broken-all-users."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

MAX_CHANNEL = 80  # Slack's limit; Matrix aliases accept more, so this fits both.


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def channel_name(
    pattern: str,
    *,
    when: datetime,
    ref: str,
    severity: str,
    title: str,
    functionality: str | None,
    state: str | None,
    audience: str | None,
) -> str:
    """Fill the pattern; a missing summary part falls back to the title's slug."""
    title_slug = slug(title)
    fields = {
        "dd": f"{when.day:02d}",
        "mm": f"{when.month:02d}",
        "yy": f"{when.year % 100:02d}",
        "yyyy": f"{when.year:04d}",
        "ref": slug(ref),
        "severity": slug(severity),
        "title": title_slug,
        "functionality": slug(functionality or ""),
        "state": slug(state or ""),
        "audience": slug(audience or ""),
    }
    if not (functionality or state or audience):
        fields["functionality"] = title_slug
    name = pattern.format(**fields)
    name = re.sub(r"-{2,}", "-", name).strip("-")
    return name[:MAX_CHANNEL].rstrip("-")


PATTERN_FIELDS = frozenset(
    {"dd", "mm", "yy", "yyyy", "ref", "severity", "title", "functionality", "state", "audience"}
)
