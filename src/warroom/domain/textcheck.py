"""Validation of free text against the policy's size limits."""

from __future__ import annotations

from warroom.domain.errors import InvalidInput

# Control characters other than tab and newlines have no place in incident records and
# can corrupt terminals and chat clients that echo them.
_FORBIDDEN = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


def check_text(field: str, value: str, limit: int, *, required: bool = False) -> str:
    """Return `value` stripped, or raise InvalidInput naming the field and the rule."""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be text")
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidInput(field, "must not be empty")
    if len(cleaned) > limit:
        raise InvalidInput(field, f"is {len(cleaned)} characters; the limit is {limit}")
    if any(ch in _FORBIDDEN for ch in cleaned):
        raise InvalidInput(field, "contains control characters")
    return cleaned
