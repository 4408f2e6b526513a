"""One cleaning step for every channel's text, so no product's words can break a feed.

- `clean`: characters no XML 1.0 document may hold (C0 controls other than tab and line
  breaks, DEL and the C1 controls, lone surrogates, U+FFFE, U+FFFF) are dropped; line breaks
  become `\\n`; direction overrides, embeddings and isolates are closed where the text ends
  (a closer with nothing to close is dropped), so a field turns round only itself, never
  the words a page or feed puts after it. Every writer (XML, TSV/CSV, JSON, JSON-LD, SSML)
  goes through it.
- `plain`: HTML (an imported description) as plain text, for fields a platform wants plain.
  Only descriptions are ever read as markup; a title is text as the seller typed it.
- `shorten`: a field cut to its platform's limit, at a word where one is near.
- `offer_id`: the id a platform is given for a SKU. SKUs may be 64 characters, Google's `id`
  takes 50: a longer SKU is mapped stably (its first 37 characters, `-`, 12 hex digits of its
  digest), never cut, so two long SKUs sharing a prefix never collide. The record of what was
  sent stays keyed by the SKU.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

from microindex.domain.channels.mapping import Channel

_NOT_XML = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MARKUP = re.compile(r"<[A-Za-z!/?]|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_BLOCKS = frozenset(
    {"br", "p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_HIDDEN = frozenset({"script", "style", "template", "head", "title"})
ELLIPSIS = "…"
ID_LIMIT = 50

# Longest value each platform takes per field (characters): Google's product data
# specification (support.google.com/merchants/answer/7052112) and local inventory feed
# (answer/3061342), Meta's catalog fields (developers.facebook.com/docs/commerce-platform/
# catalog/fields). `id` is never cut (see `offer_id`), nor is a link (a cut URL is a wrong one).
LIMITS: dict[Channel, dict[str, int]] = {
    Channel.GOOGLE: {
        "title": 150,
        "description": 5000,
        "brand": 70,
        "mpn": 70,
        "gtin": 50,
        "product_type": 750,
        "color": 100,
        "size": 100,
        "material": 200,
    },
    Channel.GOOGLE_LOCAL: {"store_code": 64},
    Channel.META: {
        "title": 200,
        "description": 9999,
        "brand": 100,
        "gtin": 70,
        "color": 200,
        "size": 200,
        "material": 200,
    },
}
# Fields that take plain text only (no HTML), and that hold a single line.
PLAIN: frozenset[str] = frozenset({"description"})
ONE_LINE: frozenset[str] = frozenset(
    {"id", "title", "brand", "mpn", "product_type", "link", "link_template", "item_group_id"}
    | {"color", "size"}
    | {"material", "image_link", "additional_image_link"}
)


def clean(text: str) -> str:
    """`text` without any character an XML 1.0 document (or a UTF-8 file) cannot hold, its
    bidi controls closed within it."""
    if text.isascii() and text.isprintable():
        return text
    text = _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _bidi_closed(text) if _BIDI.search(text) else text


_EMBEDS, _ISOLATES = (
    "\u202a\u202b\u202d\u202e",
    "\u2066\u2067\u2068",
)  # LRE RLE LRO RLO; LRI RLI FSI
_PDF, _PDI = "\u202c", "\u2069"
_BIDI = re.compile(f"[{_EMBEDS}{_ISOLATES}{_PDF}{_PDI}]")


def _bidi_closed(text: str) -> str:
    """Each opener matched as the Unicode bidi algorithm matches it (UAX #9: a PDI closes its
    isolate and what was opened inside it, a PDF only an embedding opened after the last
    isolate); closers of nothing dropped, openers left open closed at the end."""
    kept: list[str] = []
    opened: list[str] = []
    for c in text:
        if c in _EMBEDS or c in _ISOLATES:
            opened.append(c)
        elif c == _PDF:
            if not opened or opened[-1] in _ISOLATES:
                continue
            opened.pop()
        elif c == _PDI:
            if not any(o in _ISOLATES for o in opened):
                continue
            while opened.pop() not in _ISOLATES:
                pass
        kept.append(c)
    kept.extend(_PDI if o in _ISOLATES else _PDF for o in reversed(opened))
    return "".join(kept)


def one_line(text: str) -> str:
    """Cleaned, and every run of white space (line breaks, tabs) as one space."""
    return " ".join(clean(text).split())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def plain(text: str) -> str:
    """HTML as the text a reader sees (tags, comments and scripts gone, entities decoded, one
    line per block); text without markup is only cleaned."""
    text = clean(text)
    if _MARKUP.search(text) is None:
        return text.strip()
    opened = text.rfind("<!--")
    if opened >= 0 and text.find("-->", opened + 4) < 0:
        text = text[:opened]  # a comment never closed runs to the end, as in a browser
    parser = _Text()
    parser.feed(text)
    parser.close()
    lines = (" ".join(line.split()) for line in clean("".join(parser.parts)).split("\n"))
    return "\n".join(line for line in lines if line)


def shorten(text: str, limit: int) -> str:
    """`text` when it fits; else cut to `limit` characters ending in `…`, at a word boundary
    when one lies in the last fifth."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 4 // 5:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def offer_id(sku: str, limit: int = ID_LIMIT) -> str:
    """The SKU when it fits the platform's id; else a stable id of exactly `limit` characters."""
    if len(sku) <= limit:
        return sku
    digest = hashlib.blake2b(sku.encode(), digest_size=6).hexdigest()
    return f"{sku[: limit - len(digest) - 1]}-{digest}"


def fit(channel: Channel, item: dict[str, str]) -> dict[str, str]:
    """Every field of `item` as `channel` takes it: cleaned, plain where plain text is
    required, on one line where a line is expected, cut to the platform's length."""
    limits = LIMITS.get(channel, {})
    found: dict[str, str] = {}
    for name, value in item.items():
        text = plain(value) if name in PLAIN else clean(value)
        if name in ONE_LINE:
            text = " ".join(text.split())
        found[name] = shorten(text, limits[name]) if name in limits else text
    return found
