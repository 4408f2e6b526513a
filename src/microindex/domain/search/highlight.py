"""Which words of a title or description matched the query, for highlighted snippets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from microindex.domain.search.query import ParsedQuery, QueryTerm
from microindex.domain.search.text import MAX_TERM_CHARS, fold, within_edits

SNIPPET_CHARS = 160
_PIECES = re.compile(r"([^\W_]+)")  # split: separators and words in turn
_WORD_START = re.compile(r"(?<![^\W_])[^\W_]")


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
    """Where the words matching any term (as `matches` says) are in a text, for one result
    page. Without typos, ASCII text is searched with one pattern of the exact forms and
    prefixes; otherwise each word is folded and checked once per page (remembered)."""

    def __init__(self, query: ParsedQuery) -> None:
        terms = query.terms
        self._exact = frozenset(w for t in terms for w in (t.text, *t.alternatives))
        self._prefixes = tuple(t.text for t in terms if t.prefix)
        self._loose = tuple((t.text, t.typos) for t in terms if t.typos)
        self._seen: dict[str, bool] = {}
        self._pattern = None if self._loose or not terms else self._compile()

    def _compile(self) -> re.Pattern[str]:
        forms = [re.escape(w) for w in sorted(self._exact, key=len, reverse=True)]
        forms += [re.escape(p) + r"[^\W_]*" for p in self._prefixes]
        whole = r"(?<![^\W_])(?:" + "|".join(forms) + r")(?![^\W_])"
        return re.compile(whole, re.ASCII | re.IGNORECASE)

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

    def found(self, text: str) -> Iterator[tuple[int, int]]:
        """The (start, end) of each matching word of `text`, in order."""
        if self._pattern is not None and text.isascii():
            for match in self._pattern.finditer(text):
                if match.end() - match.start() <= MAX_TERM_CHARS:
                    yield match.span()
            return
        end = 0
        for i, piece in enumerate(_PIECES.split(text)):  # words at odd positions
            start, end = end, end + len(piece)
            if i % 2 and self(piece):
                yield start, end


def highlight(text: str, query: ParsedQuery, matcher: Matcher | None = None) -> Highlighted:
    spans: list[tuple[str, bool]] = []
    at = 0  # where the text not yet in `spans` starts
    for start, end in (matcher or Matcher(query)).found(text):
        if start > at:
            spans.append((text[at:start], False))
        spans.append((text[start:end], True))
        at = end
    if at < len(text):
        spans.append((text[at:], False))
    return Highlighted(tuple(spans))


def snippet(
    text: str, query: ParsedQuery, width: int = SNIPPET_CHARS, matcher: Matcher | None = None
) -> Highlighted:
    """A window of about `width` characters around the first matching word, with '…' marks;
    the opening when no word matches before the first word starting past `width * 8`."""
    matched = matcher or Matcher(query)
    start = 0
    first = next(matched.found(text), None)
    near = width * 8
    if first is not None and (first[0] <= near or not _WORD_START.search(text, near + 1, first[0])):
        start = max(0, first[0] - width // 4)
    end = min(len(text), start + width)
    while start > 0 and not text[start - 1].isspace():
        start += 1
    piece = highlight(text[start:end], query, matched)
    lead = (("…", False),) if start > 0 else ()
    tail = (("…", False),) if end < len(text) else ()
    return Highlighted(lead + piece.spans + tail)
