"""Reading the promise in a status update: "next update in 20 minutes", "within 1 hour"…

A promise counts only in a sentence that speaks of an update (update, news, status,
report, hear from us…) or starts with "next", so "we restarted it in 5 minutes" is not
taken for one. When a text makes several promises, the soonest holds.
"""

from __future__ import annotations

import re
from datetime import timedelta

_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "forty five": 45,
    "sixty": 60,
    "ninety": 90,
}
_NUMBER = r"\d+(?:\.\d+)?|half\s+an?|" + "|".join(
    sorted((re.escape(w) for w in _WORDS), key=len, reverse=True)
)
_MINUTE = r"minutes?|mins?|m"
_HOUR = r"hours?|hrs?|h"
_PROMISE = re.compile(
    rf"\b(?:in|within)\s+(?:the\s+next\s+|about\s+|around\s+|approximately\s+|roughly\s+)?"
    rf"(?P<n>{_NUMBER})\s*(?P<unit>{_HOUR}|{_MINUTE})\b"
    rf"(?:\s*(?:and\s+)?(?:(?P<half>a\s+half)|(?P<n2>\d+)\s*(?:{_MINUTE})\b))?",
    re.IGNORECASE,
)
_CONTEXT = re.compile(
    r"\b(?:update[sd]?|news|status|report|hear\s+from\s+us|back\s+to\s+you|inform|post)\b",
    re.IGNORECASE,
)
# A sentence ends at . ! ? followed by a space or the end (so "1.5 hours" stays whole).
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s+|$)|\n")
_LONGEST = timedelta(days=7)


def _amount(text: str) -> float:
    word = " ".join(text.lower().split())
    if word.startswith("half"):
        return 0.5
    if word in _WORDS:
        return float(_WORDS[word])
    return float(word)


def parse_promise(text: str) -> timedelta | None:
    """The soonest next-update promise in `text`, or None when it makes none."""
    found: list[timedelta] = []
    for part in _SENTENCE_END.split(text):
        about_updates = _CONTEXT.search(part) or part.strip().lower().startswith("next")
        if not about_updates:
            continue
        for match in _PROMISE.finditer(part):
            amount = _amount(match.group("n"))
            hours = match.group("unit").lower().startswith("h")
            span = timedelta(hours=amount) if hours else timedelta(minutes=amount)
            if match.group("half") and hours:
                span += timedelta(minutes=30)
            if match.group("n2") and hours:
                span += timedelta(minutes=int(match.group("n2")))
            if timedelta(0) < span <= _LONGEST:
                found.append(span)
    return min(found, default=None)
