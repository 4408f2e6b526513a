"""What an index's term dictionary says about query words, remembered for one searcher.

Query building asks how many documents hold a word in a field (to skip forms the index lacks,
and to spot words most documents hold) and which words complete a prefix, and the clause each
query word becomes is made from those answers alone. The answers and clauses hold
until the next commit opens a new searcher, which gets a new `Vocabulary`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

DENSE_SHARE = 0.5  # a word in more than half the documents of a field is "dense" there
PREFIX_WORDS = 32  # a prefix with more completions is matched by an automaton instead
_REMEMBERED = 50_000  # answers kept per searcher before starting over
T = TypeVar("T")


class Vocabulary:
    def __init__(self, searcher: Any) -> None:
        self._searcher = searcher
        self.dense_above = float(searcher.num_docs) * DENSE_SHARE
        self._freq: dict[tuple[str, str], int] = {}
        self._freqs: dict[tuple[tuple[str, ...], str], tuple[int, ...]] = {}
        self._completions: dict[tuple[str, str], tuple[tuple[str, int], ...] | None] = {}
        self._clauses: dict[Hashable, Any] = {}

    def clause(self, key: Hashable, make: Callable[[], T]) -> T:
        """A query word's clause, or a request's filter clauses, made once per searcher: each
        reads only what its key names (the word and this vocabulary; the filters), and a
        catalog's shoppers type the same words and pick the same filters again and again."""
        found: T | None = self._clauses.get(key)
        if found is None:
            if len(self._clauses) > _REMEMBERED:
                self._clauses.clear()
            found = self._clauses[key] = make()
        return found

    def freq(self, field: str, word: str) -> int:
        """How many documents hold `word` in `field` (deleted ones too, until a merge)."""
        key = (field, word)
        found = self._freq.get(key)
        if found is None:
            if len(self._freq) > _REMEMBERED:
                self._freq.clear()
            found = self._freq[key] = int(self._searcher.doc_freq(field, word))
        return found

    def freqs(self, fields: tuple[str, ...], word: str) -> tuple[int, ...]:
        """`freq` in each of `fields`, remembered together (one look-up per query word)."""
        key = (fields, word)
        found = self._freqs.get(key)
        if found is None:
            if len(self._freqs) > _REMEMBERED:
                self._freqs.clear()
            found = self._freqs[key] = tuple(self.freq(field, word) for field in fields)
        return found

    def dense(self, field: str, word: str) -> bool:
        return self.freq(field, word) > self.dense_above

    def completions(self, field: str, prefix: str) -> tuple[tuple[str, int], ...] | None:
        """The words of `field` starting with `prefix`, with their document counts; None when
        there are more than `PREFIX_WORDS`."""
        key = (field, prefix)
        if key not in self._completions:
            if len(self._completions) > _REMEMBERED:
                self._completions.clear()
            found = self._searcher.terms_with_prefix(field, prefix, limit=PREFIX_WORDS + 1)
            words = tuple((str(w), int(n)) for w, n in found)
            self._completions[key] = words if len(words) <= PREFIX_WORDS else None
        return self._completions[key]
