"""Policy durations: "90s", "15m", "2h", "1d", "1h30m", and working days ("2wd")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_PART = re.compile(r"(\d+)(wd|s|m|h|d|w)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class Span:
    """A policy duration: wall-clock seconds, or a count of working days."""

    seconds: int = 0
    working_days: int = 0

    @property
    def is_working_days(self) -> bool:
        return self.working_days > 0

    def as_timedelta(self) -> timedelta:
        """The wall-clock length; working-day spans need a business calendar instead."""
        if self.working_days:
            raise ValueError("a working-day span has no fixed length; use a business calendar")
        return timedelta(seconds=self.seconds)

    def __str__(self) -> str:
        if self.working_days:
            return f"{self.working_days}wd"
        rest, out = self.seconds, []
        for unit in ("d", "h", "m", "s"):
            size = _UNIT_SECONDS[unit]
            if rest >= size:
                out.append(f"{rest // size}{unit}")
                rest %= size
        return "".join(out) or "0s"


def parse_span(text: str) -> Span:
    """Parse a duration; raises ValueError naming the accepted forms."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _PART.sub("", cleaned):
        raise ValueError(
            f"{text!r} is not a duration; use a number with s, m, h, d, w or wd "
            "(working days), e.g. '15m', '1h30m', '2wd'"
        )
    parts = _PART.findall(cleaned)
    if any(unit == "wd" for _, unit in parts):
        if len(parts) != 1:
            raise ValueError(f"{text!r}: working days ('wd') cannot be mixed with other units")
        return Span(working_days=int(parts[0][0]))
    return Span(seconds=sum(int(n) * _UNIT_SECONDS[u] for n, u in parts))
