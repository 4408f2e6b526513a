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
_WORD_TAIL = re.compile(r"[a-z0-9]*")


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
    page. Without typos, ASCII text is searched for the exact forms and prefixes with
    `str.find` (compiling a pattern per query cost more than the page's searches); otherwise
    each word is folded and checked once per page (remembered)."""

    def __init__(self, query: ParsedQuery) -> None:
        terms = query.terms
        self._exact = frozenset(w for t in terms for w in (t.text, *t.alternatives))
        self._prefixes = tuple(t.text for t in terms if t.prefix)
        self._loose = tuple((t.text, t.typos) for t in terms if t.typos)
        self._seen: dict[str, bool] = {}
        self._direct = bool(terms) and not self._loose

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
        if self._direct and text.isascii():
            yield from self._found_ascii(text)
            return
        end = 0
        for i, piece in enumerate(_PIECES.split(text)):  # words at odd positions
            start, end = end, end + len(piece)
            if i % 2 and self(piece):
                yield start, end

    def _found_ascii(self, text: str) -> list[tuple[int, int]]:
        """The same spans as the word-by-word path, for ASCII text (where folding is
        lowering and keeps every position): each form is found where a word starts, an
        exact form also where that word ends, a prefix to the end of its word."""
        low = text.lower()
        spans: dict[int, int] = {}
        for form in self._exact:
            at = low.find(form)
            while at >= 0:
                end = at + len(form)
                if _starts_word(low, at) and (end == len(low) or not _is_word(low[end])):
                    spans[at] = end
                at = low.find(form, end)
        for prefix in self._prefixes:
            at = low.find(prefix)
            while at >= 0:
                if _starts_word(low, at):
                    tail = _WORD_TAIL.match(low, at + len(prefix))
                    spans[at] = tail.end() if tail else at + len(prefix)
                at = low.find(prefix, at + 1)
        return sorted((a, b) for a, b in spans.items() if b - a <= MAX_TERM_CHARS)


def _is_word(char: str) -> bool:
    return char.isalnum()


def _starts_word(text: str, at: int) -> bool:
    return at == 0 or not text[at - 1].isalnum()


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
