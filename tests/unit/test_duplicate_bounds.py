"""The duplicate check's quick bounds never change its answer."""

from __future__ import annotations

import random

from warroom.domain.duplicates import Candidate, find_duplicates, title_similarity

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
