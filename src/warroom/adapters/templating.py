"""Message templates: Jinja2 in a sandbox, because policies (and so templates) are data."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from warroom.domain.errors import InvalidInput


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    # Plain text (chat, email, SMS): no HTML escaping; the sandbox blocks attribute
    # tricks such as `{{ ''.__class__ }}`.
    return SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


def syntax_error(source: str) -> str | None:
    """Why `source` is not a valid template, or None."""
    try:
        environment().parse(source)
    except TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


@lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
    return environment().from_string(source)


def render_source(source: str, name: str, context: dict[str, Any]) -> str:
    """Render `source`; a template that fails names itself in InvalidInput."""
    try:
        text: str = _compiled(source).render(**context)
    except Exception as exc:  # any error inside a policy's template is the policy's
        raise InvalidInput("template", f"template {name!r} failed: {exc}") from exc
    return text.strip()
