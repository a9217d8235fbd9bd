"""Is a new declaration a duplicate of an open incident? (document 002, declaration step 1)"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Candidate:
    ref: str
    title: str
    services: Sequence[str]
    channel: str
    stage: str
    severity: str


@lru_cache(maxsize=8192)  # the open incidents' titles, compared on every declaration
def normalise_title(title: str) -> str:
    """Lower case, words only, single spaces: what titles are compared as."""
    return " ".join(_WORD.findall(title.lower()))


def title_similarity(a: str, b: str) -> float:
    """0..1: how alike two titles read once case and punctuation are ignored."""
    na, nb = normalise_title(a), normalise_title(b)
    if not na or not nb:
        return 0.0
    return SequenceMatcher(None, na, nb).ratio()


def find_duplicates(
    *,
    title: str,
    services: Sequence[str],
    open_incidents: Iterable[Candidate],
    threshold: float,
) -> list[tuple[Candidate, str]]:
    """Open incidents on a shared service or with a near-identical title, with the reason."""
    wanted = {s.lower() for s in services}
    mine = normalise_title(title)
    # Bounds first, with the new title analysed once: the two quick ratios are symmetric
    # upper bounds of ratio(), and rule out most titles at a fraction of its cost, which
    # keeps declaring cheap with a thousand incidents open.
    bound = SequenceMatcher(None, "", mine)
    found: list[tuple[Candidate, str]] = []
    for candidate in open_incidents:
        shared = sorted(wanted & {s.lower() for s in candidate.services})
        if shared:
            found.append((candidate, f"open on the same service: {', '.join(shared)}"))
            continue
        theirs = normalise_title(candidate.title)
        if not mine or not theirs:
            continue
        bound.set_seq1(theirs)
        if bound.real_quick_ratio() < threshold or bound.quick_ratio() < threshold:
            continue
        score = SequenceMatcher(None, mine, theirs).ratio()
        if score >= threshold:
            found.append((candidate, f"similar title ({score:.0%} alike)"))
    return found
