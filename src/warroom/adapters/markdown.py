"""Markdown to safe HTML: markdown-it's "js-default" preset, then nh3 as a second wall.

The preset refuses raw HTML (the default "commonmark" preset passes `<script>` through)
and drops `javascript:`/`vbscript:`/`data:` links; nh3 then keeps only the tags,
attributes and URL schemes listed here, whatever markdown-it emitted.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Only table alignment survives in `style` (markdown-it writes text-align on cells).
STYLE_PROPERTIES = frozenset({"text-align"})

_parser = MarkdownIt("js-default")


def render_markdown(text: str) -> str:
    """Untrusted Markdown → HTML with no raw HTML, scripts, event handlers or script URLs."""
    return nh3.clean(
        _parser.render(text),
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


to_html = render_markdown  # the name the templates' `markdown` filter uses
