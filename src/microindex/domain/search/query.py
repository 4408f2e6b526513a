"""What a shopper typed, parsed into terms here and never handed to an engine's query parser.

Whatever the text (quotes, AND, NEAR(, *, ~, emoji, 10 kB), parsing only keeps words, so no
input can raise, stall or change the query's shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache

from microindex.domain.errors import InvalidValue
from microindex.domain.gtin import ISBN10_LENGTH, Gtin
from microindex.domain.search.text import ONE_TYPO_FROM, number_forms, tokens, typo_budget

MAX_QUERY_CHARS = 256  # a longer text is cut at the last word end before this many characters
NO_SEARCHABLE_WORD = "nothing to search for: the query holds no letters or digits"
MIN_PREFIX_CHARS = 2  # a one-letter last term is a whole word, not a prefix of thousands
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")
_GTIN_LENGTHS = (8, 12, 13, 14)
_CUT_WORD = re.compile(r"[^\W_]+$")


@dataclass(frozen=True, slots=True)
class Synonyms:
    """Groups of interchangeable words (sofa, couch, settee): each finds the others."""

    groups: tuple[frozenset[str], ...] = ()
    _lookup: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for group in self.groups:
            for word in group:
                if tokens(word) != [word]:
                    raise InvalidValue("synonym", word, "a synonym is one folded word")
                others = sorted(group - {word})
                known = self._lookup.get(word, ())
                self._lookup[word] = tuple(dict.fromkeys((*known, *others)))

    @classmethod
    def parse(cls, lines: Iterable[str]) -> Synonyms:
        """One group per line, comma separated: `sofa, couch, settee`. `#` starts a comment."""
        groups: list[frozenset[str]] = []
        for line in lines:
            text = line.split("#", 1)[0]
            words = frozenset(" ".join(tokens(part)) for part in text.split(","))
            words = frozenset(w for w in words if w)
            if len(words) > 1:
                groups.append(words)
        return cls(tuple(groups))

    def of(self, word: str) -> tuple[str, ...]:
        return self._lookup.get(word, ())

    def lines(self) -> list[str]:
        return [", ".join(sorted(group)) for group in self.groups]


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One word to find: exactly, as any of its alternatives, within `typos` edits, or as a
    prefix when it is the word being typed."""

    text: str
    typos: int
    prefix: bool = False
    alternatives: tuple[str, ...] = ()  # other number, synonyms: exact matches, ranked lower


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    terms: tuple[QueryTerm, ...]
    codes: tuple[str, ...] = ()  # SKU or GTIN-14 candidates: a scanned code finds its product
    typed: bool = False  # something was typed (a blank query browses everything)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.codes

    @property
    def unsearchable(self) -> str | None:
        """Why a typed query finds nothing (`*`, an emoji, one 10,000-letter word), or None."""
        return NO_SEARCHABLE_WORD if self.typed and self.is_empty else None


def parse_query(text: str, synonyms: Synonyms | None = None) -> ParsedQuery:
    """Every word up to `MAX_QUERY_CHARS` (a pasted title keeps its colour and size); a longer
    text is cut at a word end, and its last word is then whole, not a prefix."""
    head, cut = query_head(text)
    words = list(dict.fromkeys(tokens(head)))
    typing = bool(head) and not head[-1].isspace() and not cut
    terms = tuple(
        _term(word, synonyms, typing and i == len(words) - 1) for i, word in enumerate(words)
    )
    return ParsedQuery(terms, code_candidates(head), bool(text.strip()))


def query_head(text: str) -> tuple[str, bool]:
    """The text up to `MAX_QUERY_CHARS`, without a word the bound would cut; and whether cut."""
    if len(text) <= MAX_QUERY_CHARS:
        return text, False
    head = text[:MAX_QUERY_CHARS]
    if _CUT_WORD.search(text[MAX_QUERY_CHARS]):
        head = _CUT_WORD.sub("", head)
    return head, True


@lru_cache(maxsize=4096)  # a shop's shoppers type the same words again and again
def _term(word: str, synonyms: Synonyms | None, last_typed: bool) -> QueryTerm:
    """A word's term: its other number, synonyms and typo budget (10 microseconds to work out
    for a word, against 1 to look up; ADR 0030)."""
    alternatives = [*number_forms(word), *(synonyms.of(word) if synonyms else ())]
    for synonym in synonyms.of(word) if synonyms else ():
        alternatives.extend(number_forms(synonym))
    prefix = last_typed and len(word) >= MIN_PREFIX_CHARS and not word.isdigit()
    alternatives = [a for a in dict.fromkeys(alternatives) if a != word]
    return QueryTerm(word, typo_budget(word), prefix, tuple(alternatives))


def takes_typos(term: QueryTerm, relaxed: bool) -> bool:
    """Whether a term is looked up with typos (when the index lacks it). A word shorter than
    `ONE_TYPO_FROM` gets its typo only while every word must match: as the one word left of a
    relaxed query ("all" of "no such thing at all"), a guessed letter finds noise."""
    return term.typos > 0 and (len(term.text) >= ONE_TYPO_FROM or not relaxed)


def code_candidates(text: str) -> tuple[str, ...]:
    """A text that could be a product code: the SKU as typed, and a GTIN as 14 digits (an
    ISBN-10 as its GTIN-13's)."""
    raw = text.strip()
    if not _CODE.match(raw) or not any(c.isdigit() for c in raw):
        return ()
    found = [raw]
    digits = raw.replace("-", "")
    if digits.isdigit() and len(digits) in _GTIN_LENGTHS:
        found.append(digits.zfill(14))
    elif len(digits) == ISBN10_LENGTH and digits[:-1].isdigit():  # an ISBN-10: its GTIN-13
        with suppress(InvalidValue):
            found.append(Gtin.parse(digits).digits)
    return tuple(dict.fromkeys(found))


def must_match_steps(term_count: int) -> tuple[int, ...]:
    """How many terms a hit must match, tried in turn until something is found.

    All words first (what a shopper means); then all but one (a word the catalog lacks, or a
    typo beyond its budget); then any one word, for longer queries.
    """
    if term_count <= 0:
        return (0,)
    steps = [term_count, term_count - 1]
    if term_count >= 3:
        steps.append(1)
    return tuple(dict.fromkeys(s for s in steps if s >= 1))
