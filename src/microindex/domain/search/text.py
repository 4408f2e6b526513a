"""Text as search sees it: folded, split into terms, with typo budgets and plural forms.

The index and the query use the same `tokens`, so a word indexed is a word a query can name.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERM_CHARS = 40  # longer "words" (hashes, pasted junk) are dropped on both sides
ONE_TYPO_FROM = 4  # one typo in a word of 4 letters...
TWO_TYPOS_FROM = 8  # ...and two from 8 (Typesense's and Algolia's defaults)
MAX_PARTS = 4  # a code split at letter-digit edges indexes its runs of up to this many parts

_WORD = re.compile(r"[^\W_]+")
_JOINED = re.compile(r"[^\W_]+(?:[-/.][^\W_]+)+")  # KZ-8989S, T-shirt, 3.5mm, 10/12
_RUN = re.compile(r"\d+|[^\W\d_]+")  # letters or digits: kz8989s -> kz, 8989, s
_JOINER = re.compile(r"[-/.](?<=[^\W_][-/.])(?=[^\W_])")  # a joiner between word characters
_DIGIT = re.compile(r"\d")


def _shape_of(byte: int) -> int:
    """A byte of an ASCII text's shape: a letter is "a", a digit, hyphen or slash "!" (none in
    plain text), a dot or space itself, anything else "_" (between words, like a space)."""
    c = chr(byte)
    if c.isascii() and c.isalpha():
        return ord("a")
    return ord("!" if c in "0123456789-/" else c if c in ". " else "_")


_SHAPE = bytes(_shape_of(b) for b in range(256))
# In a shape, a dot that does not end a sentence: one followed by anything but a space. One
# search for it costs a third of counting the dots and the dots before a space (ADR 0063).
_INNER_DOT = re.compile(rb"\.[^ ]")
_LONG_WORD = b"a" * (MAX_TERM_CHARS + 1)
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


def index_words(text: str) -> list[str]:
    """The words an index holds for `text`: its `tokens`, then each code and hyphenated word
    joined (KZ-8989S: kz8989s, T-shirt: tshirt) and each word with letters and digits split
    into its runs and their neighbours (kz8989s: kz, 8989, s, kz8989, 8989s), so a code is
    found typed with or without its hyphen or spaces."""
    folded = fold(text)
    words = [word for word in _WORD.findall(folded) if len(word) <= MAX_TERM_CHARS]
    extra: list[str] = []
    if _JOINER.search(folded):  # a quick look first: most text (sentences' '.') has none
        for group in _JOINED.findall(folded):
            joined = "".join(_WORD.findall(group))
            if len(joined) <= MAX_TERM_CHARS:
                extra.append(joined)
                extra.extend(_runs(joined))
    if _DIGIT.search(folded):
        for word in words:
            if not word.isalpha() and not word.isdigit():  # letters and digits together
                extra.extend(_runs(word))
    if not extra:
        return words
    seen = set(words)
    return words + [w for w in dict.fromkeys(extra) if w not in seen]


def plain_words(text: str) -> bool:
    """Whether `index_words(text)` are just `text`'s runs of ASCII letters and digits, lower
    cased, in order: no accent to fold, no digit (no code to split), no hyphen, slash or dot
    between letters (no word to join), no word past `MAX_TERM_CHARS`. Most text is so, and a
    few scans of its shape (`_SHAPE`) tell it for a tenth of what splitting it costs."""
    if not text.isascii():
        return False
    shape = text.encode().translate(_SHAPE)
    return b"!" not in shape and _LONG_WORD not in shape and _INNER_DOT.search(shape) is None


def _runs(word: str) -> list[str]:
    parts = _RUN.findall(word)
    if not 1 < len(parts) <= MAX_PARTS:
        return []
    spans = ((i, j) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1))
    return ["".join(parts[i:j]) for i, j in spans if j - i < len(parts)]


def typo_budget(term: str) -> int:
    """How many edits a term may carry and still match. Codes and numbers must be exact.

    The budget follows the word meant: 3 letters typed may be a 4-letter word missing one
    ("ble" for blue), so it gets one typo. Typos are only looked up for words the index lacks
    and rank below exact matches, so the loose budget costs no precision on real words."""
    if any(c.isdigit() for c in term):
        return 0
    if len(term) >= TWO_TYPOS_FROM:
        return 2
    return 1 if len(term) + 1 >= ONE_TYPO_FROM else 0


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
