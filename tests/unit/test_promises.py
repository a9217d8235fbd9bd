"""Reading next-update promises from status updates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom.domain.promises import parse_promise


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("Next update in 20 minutes.", 20),
        ("We will post an update within 1 hour or as soon as we know more.", 60),
        ("Still investigating. Next update in 45 min", 45),
        ("Next: in 45 min", 45),
        (
            "We expect to provide another update in 1 hour or as soon as more information "
            "is available.",
            60,
        ),
        ("Expect an update on the status of this incident in 30 minutes or sooner.", 30),
        ("We'll update you in an hour.", 60),
        ("Next update in half an hour", 30),
        ("We will report back within the next 2 hours.", 120),
        ("Update in 1.5 hours", 90),
        ("Next update in 1 hour and 30 minutes", 90),
        ("Next update in 2h", 120),
        ("Next update in 15m", 15),
        ("You will hear from us in about fifteen minutes", 15),
        ("Next update in an hour and a half.", 90),
        ("Update in 1 hour. Actually, next update in 10 minutes!", 10),
    ],
)
def test_promises_are_read(text: str, minutes: int) -> None:
    assert parse_promise(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "text",
    [
        "We restarted the pods in 5 minutes and error rates dropped.",
        "Customers may see errors for up to 30 minutes after login.",
        "Next update soon.",
        "Update: the database failed over at 10:02.",
        "Next update in 0 minutes",
        "Next update in 900 hours",
        "",
    ],
)
def test_texts_without_a_promise(text: str) -> None:
    assert parse_promise(text) is None
