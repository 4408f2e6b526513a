from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microindex.domain.errors import InvalidValue
from microindex.domain.search.highlight import Matcher
from microindex.domain.search.query import (
    MAX_QUERY_CHARS,
    NO_SEARCHABLE_WORD,
    Synonyms,
    code_candidates,
    must_match_steps,
    parse_query,
)
from microindex.domain.search.text import (
    fold,
    index_words,
    number_forms,
    plain_words,
    tokens,
    typo_budget,
    within_edits,
)


def test_words_are_folded_and_punctuation_and_emoji_drop_out() -> None:
    assert tokens('Café "AND" NEAR(mug*, ~2) 🍵') == ["cafe", "and", "near", "mug", "2"]


def test_typo_budget_is_one_from_four_letters_and_two_from_eight() -> None:
    words = ("ox", "ble", "rust", "chair", "sweater", "armchair", "chandelier")
    # "ble" may be "blue" missing a letter: the budget follows the word meant.
    assert [typo_budget(w) for w in words] == [0, 1, 1, 1, 1, 2, 2]


def test_a_pasted_title_keeps_its_colour_and_size_at_the_end() -> None:
    title = "Ashgrove Heritage Slim Fit Organic Cotton Oxford Shirt - Rust / XXL"
    words = [t.text for t in parse_query(title).terms]
    assert words[-2:] == ["rust", "xxl"]
    assert len(words) == 10


def test_a_text_over_the_bound_is_cut_at_a_word_end_and_its_last_word_is_whole() -> None:
    text = "merino " * 40 + "coat"
    parsed = parse_query(text[: MAX_QUERY_CHARS + 3])  # the bound falls inside a word
    assert [t.text for t in parsed.terms] == ["merino"]
    assert not parsed.terms[-1].prefix
    long = "rust " * 51 + "jacket"  # 255 characters, then "jacket" across the bound
    assert [t.text for t in parse_query(long).terms] == ["rust"]


@pytest.mark.parametrize("text", ["🔨", "*", "'", "x" * 10_000, "(( <!-- ", "=", "\x00\x1f"])
def test_a_typed_query_with_no_searchable_word_says_why(text: str) -> None:
    parsed = parse_query(text)
    assert parsed.is_empty
    assert parsed.unsearchable == NO_SEARCHABLE_WORD


def test_a_blank_query_browses_and_is_not_refused() -> None:
    assert parse_query("").unsearchable is None
    assert parse_query("   ").unsearchable is None


def test_codes_are_indexed_joined_and_split_at_letter_digit_edges() -> None:
    words = index_words("Kezar KZ-8989S drill")
    assert {"kz", "8989s", "kz8989s", "8989", "s", "kz8989"} <= set(words)
    assert words[:4] == ["kezar", "kz", "8989s", "drill"]  # the words as written come first
    assert "tshirt" in index_words("Cotton T-shirt")
    assert index_words("Plain linen shirt") == ["plain", "linen", "shirt"]


def _index_words_as_written(text: str) -> list[str]:
    """`index_words` as first written (every text scanned for joined words, every word checked
    for digits): the quick looks that now skip both must not change a word."""
    joined_re = re.compile(r"[^\W_]+(?:[-/.][^\W_]+)+")
    run_re = re.compile(r"\d+|[^\W\d_]+")

    def runs(word: str) -> list[str]:
        parts = run_re.findall(word)
        if not 1 < len(parts) <= 4:
            return []
        spans = ((i, j) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1))
        return ["".join(parts[i:j]) for i, j in spans if j - i < len(parts)]

    words = tokens(text)
    extra: list[str] = []
    for group in joined_re.findall(fold(text)):
        joined = "".join(re.findall(r"[^\W_]+", group))
        if len(joined) <= 40:
            extra.append(joined)
            extra.extend(runs(joined))
    for word in words:
        if not word.isalpha() and not word.isdigit():
            extra.extend(runs(word))
    seen = set(words)
    return words + [w for w in dict.fromkeys(extra) if w not in seen]


_CODE_TEXT = st.text(alphabet=st.sampled_from("aZ9 0-./_é²ＫＺ－\u0301\x00(<!--"), max_size=40)


@given(st.one_of(st.text(), _CODE_TEXT))
def test_index_words_equal_the_reference_on_any_text(text: str) -> None:
    assert index_words(text) == _index_words_as_written(text)


_PLAIN_TEXT = st.text(alphabet=st.sampled_from("aZq Ew.. ._,!\t-/9é"), max_size=120)


@given(
    st.one_of(_PLAIN_TEXT, st.builds(lambda n, t: "x" * n + t, st.integers(35, 45), _PLAIN_TEXT))
)
def test_plain_text_indexes_as_its_runs_of_ascii_letters_and_digits(text: str) -> None:
    if plain_words(text):
        assert index_words(text) == re.findall(r"[a-z0-9]+", text.lower())


def test_text_with_codes_joined_words_accents_or_long_words_is_not_plain() -> None:
    assert plain_words("A heavy mug. For long mornings.")
    for text in ("Kezar KZ-8989S", "Cotton T-shirt", "3.5mm jack", "Café", "x" * 41, "10/12"):
        assert not plain_words(text)


def test_codes_and_numbers_allow_no_typos() -> None:
    assert typo_budget("60inch") == 0


@pytest.mark.parametrize(
    ("a", "b", "limit", "expected"),
    [
        ("chair", "chiar", 1, True),
        ("chair", "char", 1, True),
        ("chair", "chairs", 1, True),
        ("chair", "stair", 1, False),
        ("chandelier", "chandlr", 2, False),
        ("chandelier", "chandlier", 2, True),
        ("velvet", "velvt", 0, False),
    ],
)
def test_edit_distance_counts_a_swap_as_one(a: str, b: str, limit: int, expected: bool) -> None:
    assert within_edits(a, b, limit) is expected


def test_plural_and_singular_forms() -> None:
    assert number_forms("mugs") == ("mug",)
    assert number_forms("mug") == ("mugs",)
    assert number_forms("benches") == ("bench",)
    assert number_forms("bodies") == ("body",)


def test_last_word_is_a_prefix_while_typing_but_not_after_a_space() -> None:
    typing = parse_query("velvet so")
    assert [t.prefix for t in typing.terms] == [False, True]
    assert not parse_query("velvet so ").terms[-1].prefix


def test_synonyms_become_alternatives_of_a_term() -> None:
    synonyms = Synonyms.parse(["sofa, couch, settee  # seating", "", "rug,carpet"])
    term = parse_query("couch ", synonyms).terms[0]
    assert {"sofa", "settee", "sofas", "couches"} <= set(term.alternatives)


def test_a_word_parsed_again_takes_the_synonyms_of_each_parse() -> None:
    """A word's term is remembered (ADR 0030) by word, synonyms and typing, never across."""
    seating = Synonyms.parse(["sofa, couch"])
    other = Synonyms.parse(["couch, divan"])
    assert "sofa" in parse_query("couch ", seating).terms[0].alternatives
    assert "divan" in parse_query("couch ", other).terms[0].alternatives
    assert parse_query("couch ").terms[0].alternatives == ("couches",)
    assert "sofa" in parse_query("couch ", Synonyms.parse(["couch, sofa"])).terms[0].alternatives
    assert parse_query("couch", seating).terms[0].prefix
    assert not parse_query("couch ", seating).terms[0].prefix


def test_a_synonym_is_a_single_word() -> None:
    with pytest.raises(InvalidValue):
        Synonyms((frozenset({"sofa bed", "futon"}),))


def test_a_scanned_gtin_is_looked_up_as_fourteen_digits() -> None:
    assert code_candidates(" 5012345678900\n") == ("5012345678900", "05012345678900")
    assert code_candidates("MUG-1") == ("MUG-1",)
    assert code_candidates("blue mug") == ()


def test_relaxation_lets_words_go_one_at_a_time() -> None:
    assert must_match_steps(1) == (1,)
    assert must_match_steps(3) == (3, 2, 1)


HOSTILE = [
    '"',
    '"unclosed',
    "AND",
    "OR NOT",
    "NEAR(",
    "mug*",
    "*",
    "~",
    "mug~2",
    "title:mug",
    "(((",
    "\\",
    "'; DROP TABLE products; --",
    "🍵☕️",
    "\x00\x1f",
    "a" * 10_000,
    "mug " * 3_000,
    "-",
    "+",
    "^2",
    "[1 TO 5]",
    "{}",
    "\u202e",
    "ﬁ",
    "İstanbul",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_parses_into_plain_words(text: str) -> None:
    """Bounded by construction (the text is cut at MAX_QUERY_CHARS before any word is made):
    the words kept are plain and fit the bound, whatever the text."""
    parsed = parse_query(text)
    assert sum(len(t.text) + 1 for t in parsed.terms) <= MAX_QUERY_CHARS + 1
    assert all(t.text.isalnum() for t in parsed.terms)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_parses(text: str) -> None:
    parse_query(text)


_ASCII_TEXT = st.text(alphabet=st.sampled_from("abcdeXYZ019 _-.,'"), min_size=0, max_size=80)
_WORDS = st.lists(st.text(alphabet="abcdexyz019", min_size=1, max_size=6), min_size=1, max_size=4)


@settings(max_examples=400, deadline=None)
@given(text=_ASCII_TEXT, words=_WORDS, typing=st.booleans())
def test_fast_highlighting_marks_what_word_by_word_matching_marks(
    text: str, words: list[str], typing: bool
) -> None:
    """ASCII text without typos takes a `str.find` path; it must mark exactly the words that
    folding and checking each word would."""
    query = parse_query(" ".join(words) + ("" if typing else " "))
    query = replace(query, terms=tuple(replace(t, typos=0) for t in query.terms))
    matcher = Matcher(query)
    fast = list(matcher.found(text))
    end, slow = 0, []
    for i, piece in enumerate(re.split(r"([^\W_]+)", text)):
        start, end = end, end + len(piece)
        if i % 2 and matcher(piece):
            slow.append((start, end))
    assert fast == slow
