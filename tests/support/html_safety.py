"""What a browser would run in a page: script elements, event handlers, script URLs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements that run code or load active content; none belongs in rendered user text.
ACTIVE_TAGS = frozenset(
    {"script", "iframe", "object", "embed", "applet", "frame", "frameset", "base", "form",
     "meta", "link", "style", "svg", "math", "template", "xml", "video", "audio", "source"}
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "background", "poster"}
)
SCRIPT_URL = re.compile(r"^\s*(javascript|vbscript|data|livescript|mocha):", re.IGNORECASE)


def _normalised(url: str) -> str:
    # Browsers drop control characters and whitespace inside a scheme ("java\tscript:").
    return re.sub(r"[\x00-\x20]", "", url)


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style" and value and re.search(r"expression|url\(|@import", value, re.I):
                self.found.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRIBUTES and value and SCRIPT_URL.match(_normalised(value)):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def active_content(html: str, *, allow: frozenset[str] = frozenset()) -> list[str]:
    """Every piece of `html` a browser could execute (tags in `allow` are the page's own)."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return [f for f in finder.found if f.strip("<>").split(" ")[0] not in allow]
