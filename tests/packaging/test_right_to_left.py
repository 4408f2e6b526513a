"""A PDF label's line of Arabic, shaped and in visual order (`adapters.labels.right_to_left`)."""

from __future__ import annotations

import unicodedata

from microindex.adapters.labels.right_to_left import visual


def _letters(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def test_a_latin_line_is_left_as_it_is() -> None:
    assert visual("Théière inox 1 L") == "Théière inox 1 L"


def test_an_arabic_line_reads_right_to_left_its_number_left_to_right_its_brackets_mirrored() -> (
    None
):
    assert _letters(visual("شاي أخضر (250 غ)")) == "(غ 250) رضخأ ياش"


def test_lam_alef_is_one_ligature() -> None:
    assert visual("لا") == "\ufefb"


def test_a_french_title_keeps_its_arabic_words_in_their_order_at_its_end() -> None:
    assert _letters(visual("Thé à la menthe – شاي بالنعناع")) == "Thé à la menthe – عانعنلاب ياش"
