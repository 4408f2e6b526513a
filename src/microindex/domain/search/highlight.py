"""Which words of a title or description matched the query, for highlighted snippets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from microindex.domain.search.query import ParsedQuery, QueryTerm
from microindex.domain.search.text import MAX_TERM_CHARS, fold, within_edits

SNIPPET_CHARS = 160
_PIECES = re.compile(r"([^\W_]+)")  # split: separators and words in turn


@dataclass(frozen=True, slots=True)
class Highlighted:
    """Text cut into spans, each marked as matching the query or not."""

    spans: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(part for part, _ in self.spans)

    def marked(self, opening: str = "<mark>", closing: str = "</mark>") -> str:
        return "".join(f"{opening}{p}{closing}" if hit else p for p, hit in self.spans)


def matches(word: str, term: QueryTerm) -> bool:
    if word == term.text or word in term.alternatives:
        return True
    if term.prefix and word.startswith(term.text):
        return True
    return within_edits(word, term.text, term.typos)


class Matcher:
    """Whether a word of the text matches any term (as `matches` says), remembered per word for
    one result page: the exact forms are one set lookup, prefixes and typos are checked after."""

    def __init__(self, query: ParsedQuery) -> None:
        terms = query.terms
        self._exact = frozenset(w for t in terms for w in (t.text, *t.alternatives))
        self._prefixes = tuple(t.text for t in terms if t.prefix)
        self._loose = tuple((t.text, t.typos) for t in terms if t.typos)
        self._seen: dict[str, bool] = {}

    def __call__(self, raw: str) -> bool:
        found = self._seen.get(raw)
        if found is None:
            found = self._seen[raw] = self._matches(fold(raw))
        return found

    def _matches(self, word: str) -> bool:
        if len(word) > MAX_TERM_CHARS:
            return False
        if word in self._exact or (self._prefixes and word.startswith(self._prefixes)):
            return True
        return any(within_edits(word, text, typos) for text, typos in self._loose)


def highlight(text: str, query: ParsedQuery, matcher: Matcher | None = None) -> Highlighted:
    matched = matcher or Matcher(query)
    spans: list[tuple[str, bool]] = []
    at = end = 0  # `at`: where the text not yet in `spans` starts; `end`: the piece's end
    for i, piece in enumerate(_PIECES.split(text)):  # words at odd positions
        start, end = end, end + len(piece)
        if i % 2 and matched(piece):
            if start > at:
                spans.append((text[at:start], False))
            spans.append((piece, True))
            at = end
    if at < len(text):
        spans.append((text[at:], False))
    return Highlighted(tuple(spans))


def snippet(
    text: str, query: ParsedQuery, width: int = SNIPPET_CHARS, matcher: Matcher | None = None
) -> Highlighted:
    """A window of about `width` characters around the first matching word, with '…' marks."""
    matched = matcher or Matcher(query)
    start = end = 0
    for i, piece in enumerate(_PIECES.split(text)):
        begin, end = end, end + len(piece)
        if i % 2 and matched(piece):
            start = max(0, begin - width // 4)
            break
        if i % 2 and begin > width * 8:  # nothing near the top: show the opening
            break
    end = min(len(text), start + width)
    while start > 0 and not text[start - 1].isspace():
        start += 1
    piece = highlight(text[start:end], query, matched)
    lead = (("…", False),) if start > 0 else ()
    tail = (("…", False),) if end < len(text) else ()
    return Highlighted(lead + piece.spans + tail)
