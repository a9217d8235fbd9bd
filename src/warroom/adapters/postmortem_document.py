"""The postmortem as a standalone HTML document and as PDF (WeasyPrint)."""

from __future__ import annotations

from html import escape

from weasyprint import HTML

from warroom.adapters.markdown import render_markdown

# Inline and self-contained: the page loads nothing, so the CSP below can forbid everything.
STYLE = """
body { font-family: "DejaVu Sans", system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #1d2330; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem;
     border-bottom: 1px solid #d5d9e0; }
code, pre { font-family: "DejaVu Sans Mono", monospace; background: #f3f4f7; }
table { border-collapse: collapse; } td, th { border: 1px solid #d5d9e0; padding: .2rem .5rem; }
.meta { color: #5b6475; font-size: .9rem; }
@page { size: A4; margin: 18mm; }
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'"


def postmortem_html(*, title: str, markdown: str, meta: str = "") -> str:
    """A complete HTML page: the escaped title and the sanitised Markdown body."""
    note = f'<p class="meta">{escape(meta)}</p>\n' if meta else ""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{note}<article>\n{render_markdown(markdown)}</article>\n</body>\n</html>\n"
    )


def html_to_pdf(document: str) -> bytes:
    """Render the page to PDF; no URL is fetched (the page references none)."""
    pdf: bytes = HTML(string=document, url_fetcher=_refuse).write_pdf()
    return pdf


def _refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # Images in a postmortem are links to elsewhere; the PDF never fetches them.
    raise ValueError(f"not fetched: {url}")
