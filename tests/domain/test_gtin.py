import pytest
from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.errors import InvalidValue
from microindex.domain.gtin import Gtin, gs1_check_digit


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("4006381333931", "04006381333931"),  # EAN-13
        ("036000291452", "00036000291452"),  # UPC-A
        ("96385074", "00000096385074"),  # EAN-8
        ("10614141000415", "10614141000415"),  # GTIN-14
    ],
)
def test_gtins_of_every_length_are_stored_as_14_digits(text: str, stored: str) -> None:
    assert Gtin.parse(text).digits == stored


def test_a_wrong_check_digit_is_refused_with_the_expected_digit() -> None:
    with pytest.raises(InvalidValue, match="expected 1"):
        Gtin.parse("4006381333932")


@pytest.mark.parametrize("text", ["", "12345", "40063813339311234", "40063813339a1"])
def test_wrong_lengths_and_letters_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        Gtin.parse(text)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12).filter(lambda b: b.strip("0")))
def test_any_body_with_its_check_digit_is_a_valid_gtin13(body: str) -> None:
    gtin = Gtin.parse(body + str(gs1_check_digit(body)))
    assert gtin.gtin13 == body + str(gs1_check_digit(body))


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_changing_the_check_digit_always_breaks_the_gtin(body: str, shift: int) -> None:
    wrong = (gs1_check_digit(body) + shift) % 10
    with pytest.raises(InvalidValue):
        Gtin.parse(body + str(wrong))


@pytest.mark.parametrize("text", ["00000000", "000000000000", "0000000000000", "00000000000000"])
def test_a_gtin_of_zeros_only_is_refused(text: str) -> None:
    """Zeros pass the mod-10 check at every length, but GS1 allocates no such number: it is
    what an empty barcode field or a placeholder column holds, not a product's key."""
    with pytest.raises(InvalidValue, match="never all zeros"):
        Gtin.parse(text)


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULL_WIDTH])
def test_a_gtin_in_other_scripts_digits_is_refused_not_stored(digits: dict[int, int]) -> None:
    """Python calls ٤ and ４ digits; a barcode, a feed and a scanner do not: a GTIN is 0-9."""
    written = "4006381333931".translate(digits)
    with pytest.raises(InvalidValue, match="0-9"):
        Gtin.parse(written)
    with pytest.raises(InvalidValue, match="0-9"):
        Gtin("0" + written)


@pytest.mark.parametrize(
    ("isbn10", "gtin"),
    [
        ("0-306-40615-2", "09780306406157"),
        ("0-8044-2957-X", "09780804429573"),  # a check digit of ten is written X
        ("080442957x", "09780804429573"),
    ],
)
def test_an_isbn_10_is_read_as_the_isbn_13_on_its_barcode(isbn10: str, gtin: str) -> None:
    assert Gtin.parse(isbn10).digits == gtin


@pytest.mark.parametrize("isbn10", ["0-306-40615-3", "0-8044-2957-1", "030640615X"])
def test_an_isbn_10_with_a_wrong_check_digit_is_refused(isbn10: str) -> None:
    with pytest.raises(InvalidValue, match="ISBN-10 check digit"):
        Gtin.parse(isbn10)
