from __future__ import annotations

from datetime import date

import pytest

from microindex.domain.gs1.ai import AIS, gs1_date, spec
from microindex.domain.gs1.element_string import (
    Element,
    ElementString,
    parse_bracketed,
    parse_raw,
)
from microindex.domain.gs1.errors import Gs1Problem, InvalidGs1

GTIN = "09520123456788"


def test_the_required_application_identifiers_are_known() -> None:
    assert {"00", "01", "10", "17", "21", "254", "414"} <= set(AIS)


def test_fixed_length_ais_need_no_separator_and_variable_ones_do() -> None:
    assert not spec("01").separator_required
    assert not spec("17").separator_required
    assert spec("10").separator_required
    assert spec("21").separator_required
    assert spec("254").separator_required


def test_variable_length_data_ends_with_fnc1_unless_last() -> None:
    elements = ElementString.of(("01", GTIN), ("10", "ABC1"), ("21", "12345"), ("17", "250600"))
    assert elements.raw() == f"01{GTIN}10ABC1\x1d2112345\x1d17250600"
    assert elements.caret() == f"^01{GTIN}10ABC1^2112345^17250600"
    assert elements.bracketed() == f"(01){GTIN}(10)ABC1(21)12345(17)250600"


def test_scanner_data_with_symbology_identifier_parses_back() -> None:
    parsed = parse_raw(f"]d201{GTIN}10ABC1\x1d2112345\x1d17250600")
    assert [(e.ai, e.value) for e in parsed.elements] == [
        ("01", GTIN),
        ("10", "ABC1"),
        ("21", "12345"),
        ("17", "250600"),
    ]


def test_bracketed_form_parses_back() -> None:
    assert parse_bracketed("(414)9520123456788(254)A-3").get("254") == "A-3"


def test_expiry_day_00_is_allowed_and_means_the_months_last_day() -> None:
    Element("17", "240200")
    assert gs1_date("240200", date(2025, 1, 1)) == date(2024, 2, 29)


def test_dates_follow_the_sliding_window() -> None:
    assert gs1_date("991231", date(2025, 6, 1)) == date(1999, 12, 31)
    assert gs1_date("700101", date(2025, 6, 1)) == date(2070, 1, 1)


@pytest.mark.parametrize(
    ("ai", "value", "problem"),
    [
        ("01", "09520123456789", Gs1Problem.CHECK_DIGIT),
        ("01", "0952012345678", Gs1Problem.LENGTH),
        ("00", "0061414112345678901", Gs1Problem.LENGTH),
        ("10", "A" * 21, Gs1Problem.LENGTH),
        ("10", "ABC~1", Gs1Problem.CHARSET),
        ("17", "251301", Gs1Problem.DATE),
        ("17", "250231", Gs1Problem.DATE),
        ("7007", "250200", Gs1Problem.DATE),
        ("21", "", Gs1Problem.EMPTY),
        ("89", "123", Gs1Problem.UNKNOWN_AI),
    ],
)
def test_bad_element_data_is_refused_with_the_reason(
    ai: str, value: str, problem: Gs1Problem
) -> None:
    with pytest.raises(InvalidGs1) as refused:
        Element(ai, value)
    assert refused.value.problem is problem


def test_an_unknown_ai_in_scanner_data_is_refused() -> None:
    with pytest.raises(InvalidGs1) as refused:
        parse_raw("]C1891234")
    assert refused.value.problem is Gs1Problem.UNKNOWN_AI


def test_variable_data_running_past_its_maximum_means_a_missing_separator() -> None:
    with pytest.raises(InvalidGs1, match="1-20 characters"):
        parse_raw(f"]C110{'A' * 18}2112345")


def test_data_without_leading_fnc1_is_not_gs1() -> None:
    with pytest.raises(InvalidGs1):
        parse_raw("991234")


def test_the_same_ai_twice_with_different_data_is_refused() -> None:
    with pytest.raises(InvalidGs1) as refused:
        ElementString.of(("10", "A"), ("10", "B"))
    assert refused.value.problem is Gs1Problem.DUPLICATE_AI
