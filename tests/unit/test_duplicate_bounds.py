"""The duplicate check's quick bounds never change its answer."""

from __future__ import annotations

import random

from warroom.adapters.duplicate_search import title_bound
from warroom.domain.duplicates import (
    Candidate,
    find_duplicates,
    normalise_title,
    title_similarity,
)

WORDS = [
    "logging",
    "in",
    "broken",
    "slow",
    "checkout",
    "payments",
    "failing",
    "for",
    "all",
    "users",
    "eu",
    "api",
    "search",
]


def test_bounded_check_finds_exactly_what_a_full_comparison_finds() -> None:
    rng = random.Random(3)
    titles = [" ".join(rng.choices(WORDS, k=rng.randint(2, 7))) for _ in range(400)]
    candidates = [
        Candidate(f"INC-{i}", t, [], "c", "investigating", "sev3") for i, t in enumerate(titles)
    ]
    for new in titles[:40]:
        for threshold in (0.6, 0.85):
            found = find_duplicates(
                title=new, services=[], open_incidents=candidates, threshold=threshold
            )
            expected = [c.ref for c in candidates if title_similarity(new, c.title) >= threshold]
            assert [c.ref for c, _ in found] == expected
            assert expected  # the title itself is among the candidates


def test_the_rapidfuzz_bound_keeps_every_title_difflib_finds_alike() -> None:
    # The search reads in full only the titles above an upper bound of difflib's ratio;
    # it must never leave out one the rule would report. Titles near and far, with typos.
    rng = random.Random(11)

    def typo(title: str) -> str:
        chars = list(title)
        for _ in range(rng.randint(0, 3)):
            at = rng.randrange(len(chars) + 1)
            op = rng.random()
            if op < 0.4 and chars:
                del chars[min(at, len(chars) - 1)]
            elif op < 0.8:
                chars.insert(at, rng.choice("abcdefghijklmnopqrstuvwxyz "))
            elif chars:
                chars[min(at, len(chars) - 1)] = rng.choice("aeiou")
        return "".join(chars)

    base = [" ".join(rng.choices(WORDS, k=rng.randint(1, 8))) for _ in range(300)]
    titles = base + [typo(t) for t in base] + [t[: rng.randint(1, len(t))] for t in base[:100]]
    names = [normalise_title(t) for t in titles]
    checked = 0
    for new in titles[:50] + [typo(t) for t in titles[:50]]:
        mine = normalise_title(new)
        scores = [title_similarity(new, t) for t in titles]
        for threshold in (0.5, 0.7, 0.85, 0.95, 1.0):
            kept = set(title_bound(mine, names, threshold))
            alike = {i for i, score in enumerate(scores) if score >= threshold}
            assert alike <= kept, (new, threshold, sorted(alike - kept))
            checked += len(alike)
    assert checked > 500  # the comparison met many alike titles, not only far ones
