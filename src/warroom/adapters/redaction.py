"""What counts as a secret, and how to hide it in logs and the audit log."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

REDACTED = "[redacted]"

# Names of fields whose values are secrets, wherever they appear (log keys, command
# fields, headers, query parameters). "key" alone would hide dedup keys and the like, so
# only the forms that name credentials are listed.
_SENSITIVE_NAME = re.compile(
    r"(token|secret|passw(or)?d|authori[sz]ation|cookie|credential|api[_-]?key|"
    r"access[_-]?key|private[_-]?key|signing[_-]?key|routing[_-]?key|integration[_-]?key|"
    r"^key$|_key$|signature|session)",
    re.IGNORECASE,
)
_HARMLESS_NAME = re.compile(r"^(dedup_key|idempotency_key|sort_key|key_prefix)$", re.IGNORECASE)

# Values that look like credentials whatever their name: bearer tokens, Standard Webhooks
# secrets, Slack tokens, passwords in URLs, secrets in query strings.
_VALUE_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\bwhsec_[A-Za-z0-9+/=]{8,}"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{8,}"),
    re.compile(r"\bwr_[A-Za-z0-9_-]{16,}"),
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
    re.compile(r"(?i)(?<=[?&])(token|secret|password|key|signature|access_token)=[^&\s\"']+"),
)


# Every value pattern needs one of these; text without any is returned at once (the
# audit log scrubs every command's fields and every row a command writes, so the common
# case must be cheap: substring tests, about ten times faster than one case-insensitive
# regular expression over the text).
_CASE_SENSITIVE_HINTS = ("=", "://", "wr_", "xox", "whsec_")
_CASELESS_HINTS = re.compile(r"bearer|basic", re.IGNORECASE)


def _hinted(text: str) -> bool:
    """Whether `text` holds something one of `_VALUE_PATTERNS` needs."""
    for hint in _CASE_SENSITIVE_HINTS:
        if hint in text:
            return True
    if text.isascii():  # where lower() folds exactly as IGNORECASE does
        low = text.lower()
        return "bearer" in low or "basic" in low
    return _CASELESS_HINTS.search(text) is not None


@cache
def sensitive_name(name: str) -> bool:
    """True when a field of this name holds a secret."""
    return bool(_SENSITIVE_NAME.search(name)) and not _HARMLESS_NAME.match(name)


def scrub_text(text: str) -> str:
    """`text` with credential-looking substrings replaced."""
    if not _hinted(text):
        return text
    for pattern in _VALUE_PATTERNS:
        if pattern.search(text):
            text = pattern.sub(_replacement(pattern), text)
    return text


def _replacement(pattern: re.Pattern[str]) -> str:
    if pattern.pattern.startswith("(?i)(?<=[?&])"):
        return r"\1=" + REDACTED
    return REDACTED


_PLAIN = frozenset({int, float, bool})


def scrub(value: Any, depth: int = 0) -> Any:
    """A copy of `value` with secrets hidden: by key name in mappings, by shape in strings."""
    if depth > 8:
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            kind = type(v)
            if isinstance(k, str) and sensitive_name(k) and v not in (None, ""):
                out[k] = REDACTED
            elif kind is str:
                out[k] = scrub_text(v)
            elif v is None or kind in _PLAIN:  # the common cases, without the checks below
                out[k] = v
            else:
                out[k] = scrub(v, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return type(value)(scrub(v, depth + 1) for v in value)
    return value
