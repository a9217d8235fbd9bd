"""Durations, channel-name slugs, duplicate detection."""

from __future__ import annotations

import pytest

from warroom.domain.duplicates import Candidate, find_duplicates, title_similarity
from warroom.domain.durations import Span, parse_span
from warroom.domain.naming import slug


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("90s", Span(seconds=90)),
        ("15m", Span(seconds=900)),
        ("1h30m", Span(seconds=5400)),
        ("2d", Span(seconds=172800)),
        ("1w", Span(seconds=604800)),
        ("2wd", Span(working_days=2)),
        (" 2 H ", Span(seconds=7200)),
    ],
)
def test_parse_span(text: str, span: Span) -> None:
    assert parse_span(text) == span


@pytest.mark.parametrize("text", ["", "15", "m", "1x", "1wd2h", "-5m", "15 minutes"])
def test_bad_spans(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|working days"):
        parse_span(text)


def test_span_round_trips_to_text() -> None:
    assert str(parse_span("1h30m")) == "1h30m" and str(parse_span("3wd")) == "3wd"


def test_slug() -> None:
    assert slug("Logging in — is BROKEN for all users!") == "logging-in-is-broken-for-all-users"
    assert slug("Café Ünïcode") == "cafe-unicode"


OPEN = [
    Candidate(
        "INC-1", "Logging in is broken for all users", ["auth"], "inc-a", "investigating", "sev1"
    ),
    Candidate("INC-2", "Checkout slow in EU", ["payments"], "inc-b", "mitigated", "sev2"),
]


def test_duplicates_by_service_and_title() -> None:
    hits = find_duplicates(title="Anything", services=["AUTH"], open_incidents=OPEN, threshold=0.85)
    assert [(c.ref, r) for c, r in hits] == [("INC-1", "open on the same service: auth")]
    hits = find_duplicates(
        title="logging in is broken for all users!",
        services=[],
        open_incidents=OPEN,
        threshold=0.85,
    )
    assert [c.ref for c, _ in hits] == ["INC-1"]
    assert (
        find_duplicates(
            title="Search down", services=["search"], open_incidents=OPEN, threshold=0.85
        )
        == []
    )


def test_title_similarity_bounds() -> None:
    assert title_similarity("a", "a") == 1.0
    assert title_similarity("", "x") == 0.0
