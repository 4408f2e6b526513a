"""Text as search sees it: folded, split into terms, with typo budgets and plural forms.

The index and the query use the same `tokens`, so a word indexed is a word a query can name.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERM_CHARS = 40  # longer "words" (hashes, pasted junk) are dropped on both sides
ONE_TYPO_FROM = 5  # shoppers expect 1 typo from 5 characters...
TWO_TYPOS_FROM = 9  # ...and 2 from 9 (Meilisearch's and Typesense's defaults)

_WORD = re.compile(r"[^\W_]+")
_SIBILANT = ("s", "x", "z", "ch", "sh")


def fold(text: str) -> str:
    """Case-folded, accents removed: 'Café' and 'CAFE' fold alike."""
    if text.isascii():  # nothing to decompose, and ASCII case-folds as it lowers
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    """The words of `text`: runs of letters and digits, folded. Punctuation and emoji drop out."""
    return [word for word in _WORD.findall(fold(text)) if len(word) <= MAX_TERM_CHARS]


def typo_budget(term: str) -> int:
    """How many edits a term may carry and still match. Codes and numbers must be exact."""
    if any(c.isdigit() for c in term):
        return 0
    if len(term) >= TWO_TYPOS_FROM:
        return 2
    return 1 if len(term) >= ONE_TYPO_FROM else 0


def number_forms(term: str) -> tuple[str, ...]:
    """The other number of an English noun: mug <-> mugs, box <-> boxes, body <-> bodies.

    Cheap rules, not a stemmer: they only add alternatives, so a wrong guess costs nothing.
    """
    if len(term) < 3 or any(c.isdigit() for c in term):
        return ()
    if term.endswith("ies") and len(term) > 4:
        return (term[:-3] + "y",)
    if term.endswith("es") and term[:-2].endswith(_SIBILANT):
        return (term[:-2],)
    if term.endswith("s") and not term.endswith("ss"):
        return (term[:-1],)
    if term.endswith("y") and len(term) > 3 and term[-2] not in "aeiou":
        return (term[:-1] + "ies",)
    if term.endswith(_SIBILANT):
        return (term + "es",)
    return (term + "s",)


def within_edits(a: str, b: str, limit: int) -> bool:
    """True when a and b are at most `limit` edits apart (an adjacent swap counts as one)."""
    if a == b:
        return True
    if limit <= 0 or abs(len(a) - len(b)) > limit:
        return False
    if limit == 1:
        return _one_edit(a, b)
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


def _one_edit(a: str, b: str) -> bool:
    """Linear check for one insertion, deletion, substitution or adjacent swap (a != b)."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        if a[start + 1 :] == b[start + 1 :]:
            return True
        swapped = start + 1 < len(a) and a[start] == b[start + 1] and a[start + 1] == b[start]
        return swapped and a[start + 2 :] == b[start + 2 :]
    if len(a) > len(b):
        return a[start + 1 :] == b[start:]
    return b[start + 1 :] == a[start:]
