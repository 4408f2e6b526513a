"""Which words of a title or description matched the query, for highlighted snippets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from microindex.domain.search.query import ParsedQuery, QueryTerm
from microindex.domain.search.text import MAX_TERM_CHARS, fold, within_edits

SNIPPET_CHARS = 160
_WORD = re.compile(r"[^\W_]+")


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
    """Whether a word of the text matches any term, remembered per word for one result page."""

    def __init__(self, query: ParsedQuery) -> None:
        self._terms = query.terms
        self._seen: dict[str, bool] = {}

    def __call__(self, raw: str) -> bool:
        found = self._seen.get(raw)
        if found is None:
            word = fold(raw)
            found = len(word) <= MAX_TERM_CHARS and any(matches(word, t) for t in self._terms)
            self._seen[raw] = found
        return found


def highlight(text: str, query: ParsedQuery, matcher: Matcher | None = None) -> Highlighted:
    matched = matcher or Matcher(query)
    spans: list[tuple[str, bool]] = []
    at = 0
    for found in _WORD.finditer(text):
        if not matched(found.group()):
            continue
        if found.start() > at:
            spans.append((text[at : found.start()], False))
        spans.append((found.group(), True))
        at = found.end()
    if at < len(text):
        spans.append((text[at:], False))
    return Highlighted(tuple(spans))


def snippet(
    text: str, query: ParsedQuery, width: int = SNIPPET_CHARS, matcher: Matcher | None = None
) -> Highlighted:
    """A window of about `width` characters around the first matching word, with '…' marks."""
    matched = matcher or Matcher(query)
    start = 0
    for found in _WORD.finditer(text):
        if matched(found.group()):
            start = max(0, found.start() - width // 4)
            break
        if found.start() > width * 8:  # nothing near the top: show the opening
            break
    end = min(len(text), start + width)
    while start > 0 and not text[start - 1].isspace():
        start += 1
    piece = highlight(text[start:end], query, matched)
    lead = (("…", False),) if start > 0 else ()
    tail = (("…", False),) if end < len(text) else ()
    return Highlighted(lead + piece.spans + tail)
