"""Structured logs (structlog) with secrets redacted, for warroom's own loggers and the
standard library's (uvicorn's access log carries query strings: signed links' tokens)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog

from warroom.adapters.redaction import scrub, scrub_text


def redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """A structlog processor: hide values of secret-named keys and credential-like text."""
    cleaned: Mapping[str, Any] = scrub(event_dict)
    return cleaned


class RedactingFilter(logging.Filter):
    """Scrubs the message and arguments of standard-library log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_scrub_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = scrub(record.args)
        return True


def _scrub_arg(arg: Any) -> Any:
    if isinstance(arg, str):
        return scrub_text(arg)
    if arg is None or isinstance(arg, int | float):
        return arg
    # URLs and the like (httpx logs its URL objects): replaced only when they held a secret.
    text = str(arg)
    cleaned = scrub_text(text)
    return arg if cleaned == text else cleaned


_STDLIB_LOGGERS = (
    "",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "httpx",
    "httpx2",
    "httpcore",
    "apprise",
)


def configure_logging(
    level: str = "info", *, fmt: str = "console", stream: TextIO | None = None
) -> None:
    """Route structlog through redaction to `stream` (stderr by default)."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
    for name in _STDLIB_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
    # Filters on a logger do not see records propagated from its children: filter at the
    # handlers too, wherever they are attached later.
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
