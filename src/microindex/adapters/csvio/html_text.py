"""Shopify's `Body (HTML)` as plain text and back, with the standard library's HTML parser.

Text keeps its words and its breaks: whitespace inside text collapses as a browser would,
`<br>` or `<li>` starts a new line, a block (`<p>`, `<ul>`, `<h2>` ...) a new paragraph.
`text_to_html` writes text back so that `html_to_text` returns it unchanged.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {"p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre",
     "section", "article", "header", "footer"}
)  # fmt: skip
_LINES = frozenset({"br", "li", "tr"})
_HIDDEN = frozenset({"script", "style"})
_SPACE = re.compile(r"\s+")
_GAPS = re.compile(r"\n{3,}")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _LINES:
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(_SPACE.sub(" ", data))


def html_to_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return _GAPS.sub("\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    paragraphs = (p for p in text.split("\n\n") if p.strip())
    return "".join(
        "<p>" + "<br>".join(html.escape(line, quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
