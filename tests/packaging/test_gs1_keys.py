from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.errors import InvalidValue
from microindex.domain.gs1.errors import Gs1Problem, InvalidGs1
from microindex.domain.gs1.keys import Gln, Sscc, check_key, with_check_digit
from microindex.domain.gtin import gs1_check_digit

digits = st.text(alphabet="0123456789", min_size=7, max_size=17)


def test_gs1_check_digit_matches_published_examples() -> None:
    assert with_check_digit("952012345678") == "9520123456788"
    assert with_check_digit("00614141123456789") == "006141411234567890"
    assert with_check_digit("0234567") == "02345673"


@given(digits)
def test_a_key_with_its_check_digit_is_accepted(body: str) -> None:
    check_key("key", with_check_digit(body), len(body) + 1)


@given(digits, st.integers(min_value=1, max_value=9))
def test_any_wrong_check_digit_is_refused_with_the_expected_digit(body: str, shift: int) -> None:
    wrong = str((gs1_check_digit(body) + shift) % 10)
    with pytest.raises(InvalidGs1) as refused:
        check_key("key", body + wrong, len(body) + 1)
    assert refused.value.problem is Gs1Problem.CHECK_DIGIT
    assert f"expected {gs1_check_digit(body)}" in refused.value.reason


@given(digits, st.integers(min_value=0, max_value=16), st.sampled_from("0123456789"))
def test_a_single_digit_error_is_always_caught(body: str, at: int, digit: str) -> None:
    key = with_check_digit(body)
    at %= len(key)
    changed = key[:at] + digit + key[at + 1 :]
    if changed != key:
        with pytest.raises(InvalidGs1):
            check_key("key", changed, len(key))


def test_sscc_is_built_from_extension_company_prefix_and_serial() -> None:
    sscc = Sscc.build(0, "0614141", 123456789)
    assert sscc.digits == "006141411234567890"


@pytest.mark.parametrize(
    ("digits", "problem"),
    [
        ("00614141123456789", Gs1Problem.LENGTH),
        ("006141411234567891", Gs1Problem.CHECK_DIGIT),
        ("00614141123456789A", Gs1Problem.CHARSET),
    ],
)
def test_malformed_sscc_is_refused_with_a_reason(digits: str, problem: Gs1Problem) -> None:
    with pytest.raises(InvalidGs1) as refused:
        Sscc(digits)
    assert refused.value.problem is problem


def test_gln_has_thirteen_digits_and_a_check_digit() -> None:
    assert str(Gln("9520123456788")) == "9520123456788"
    with pytest.raises(InvalidValue, match="expected 8"):
        Gln("9520123456789")


def test_sscc_serial_that_does_not_fit_is_refused() -> None:
    with pytest.raises(InvalidGs1, match="at most 9 digits"):
        Sscc.build(0, "0614141", 10**9)
