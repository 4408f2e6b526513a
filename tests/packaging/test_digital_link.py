from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.gs1.ai import CSET82
from microindex.domain.gs1.digital_link import DigitalLink, parse_digital_link
from microindex.domain.gs1.element_string import parse_bracketed
from microindex.domain.gs1.errors import Gs1Problem, InvalidGs1
from microindex.domain.gs1.keys import with_check_digit
from microindex.domain.gs1.scan import read_scan
from microindex.domain.gtin import Gtin

from .samples import GLN, STEM

GTIN = Gtin.parse("9520123456788")


def test_product_link_has_gtin_lot_serial_in_the_path_and_expiry_in_the_query() -> None:
    link = DigitalLink.product(GTIN, lot="ABC1", serial="12345", expiry=date(2026, 4, 30))
    assert link.uri(STEM) == f"{STEM}/01/09520123456788/10/ABC1/21/12345?17=260430"


def test_shelf_and_locker_links_name_a_gln_and_its_extension() -> None:
    assert DigitalLink.location(GLN, "A-3").uri(STEM) == f"{STEM}/414/{GLN}/254/A-3"


def test_parcel_link_names_the_sscc() -> None:
    uri = DigitalLink.parcel("006141411234567890").uri(STEM + "/")
    assert uri == f"{STEM}/00/006141411234567890"


def test_a_stem_with_a_path_is_kept() -> None:
    assert DigitalLink.product(GTIN).uri("https://shop.example/p") == (
        "https://shop.example/p/01/09520123456788"
    )


def test_values_are_percent_encoded() -> None:
    link = DigitalLink.location(GLN, "a/b+c")
    assert link.uri(STEM).endswith("/254/a%2Fb%2Bc")
    assert parse_digital_link(link.uri(STEM)).get("254") == "a/b+c"


def test_parse_reads_path_qualifiers_and_gs1_query_attributes_only() -> None:
    link = parse_digital_link(f"{STEM}/01/09520123456788/10/L1?17=260400&utm_source=qr&x")
    assert link.element_string().bracketed() == "(01)09520123456788(10)L1(17)260400"


def test_a_short_gtin_in_the_path_is_read_as_fourteen_digits() -> None:
    assert parse_digital_link(f"{STEM}/01/9520123456788").key.value == "09520123456788"


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        (f"{STEM}/01/09520123456789", Gs1Problem.CHECK_DIGIT),
        (f"{STEM}/01/095201234567880", Gs1Problem.LENGTH),
        (f"{STEM}/00/00614141123456789", Gs1Problem.LENGTH),
        (f"{STEM}/01/09520123456788/89/X", Gs1Problem.UNKNOWN_AI),
        (f"{STEM}/01/09520123456788?999=X", Gs1Problem.UNKNOWN_AI),
        (f"{STEM}/01/09520123456788/17/260400", Gs1Problem.ATTRIBUTE_IN_PATH),
        (f"{STEM}/01/09520123456788/21/S1/10/L1", Gs1Problem.QUALIFIER_ORDER),
        (f"{STEM}/01/09520123456788/235/T/10/L1", Gs1Problem.QUALIFIER_ORDER),
        (f"{STEM}/01/09520123456788?10=L1", Gs1Problem.WRONG_PLACE),
        (f"{STEM}/01/09520123456788?01=09520123456788", Gs1Problem.WRONG_PLACE),
        (f"{STEM}/01/09520123456788?17=260400&17=260400", Gs1Problem.DUPLICATE_AI),
        (f"{STEM}/10/L1", Gs1Problem.NO_PRIMARY_KEY),
        (f"{STEM}/gtin/09520123456788", Gs1Problem.NO_PRIMARY_KEY),
        (f"{STEM}/01/09520123456788/", Gs1Problem.NO_PRIMARY_KEY),
        (f"{STEM}/01/09520123456788/10/", Gs1Problem.EMPTY),
        (f"{STEM}/01/09520123456788?17=", Gs1Problem.EMPTY),
        (f"{STEM}/414/{GLN}/254/a%zzb", Gs1Problem.PERCENT_ENCODING),
        (f"{STEM}/414/{GLN}/254/a%00b", Gs1Problem.CHARSET),
        (f"{STEM}/01/09520123456788<x", Gs1Problem.NOT_A_URI),
        ("ftp://shop.example/01/09520123456788", Gs1Problem.NOT_A_URI),
        ("HTTPS://shop.example/01/09520123456788", Gs1Problem.NOT_A_URI),
    ],
)
def test_malformed_links_are_refused_with_the_reason(uri: str, problem: Gs1Problem) -> None:
    with pytest.raises(InvalidGs1) as refused:
        parse_digital_link(uri)
    assert refused.value.problem is problem, str(refused.value)


def test_generation_puts_each_element_in_its_place() -> None:
    elements = parse_bracketed("(21)XYZ(01)12312312312333(10)ABC123(99)XYZ")
    assert DigitalLink.from_elements(elements).uri("https://example.com") == (
        "https://example.com/01/12312312312333/10/ABC123/21/XYZ?99=XYZ"
    )


def test_generation_refuses_qualifiers_from_two_sequences() -> None:
    with pytest.raises(InvalidGs1) as refused:
        DigitalLink.from_elements(parse_bracketed("(01)12312312312326(235)ABC(10)DEF"))
    assert refused.value.problem is Gs1Problem.QUALIFIER_ORDER


def test_generation_needs_a_primary_key() -> None:
    with pytest.raises(InvalidGs1) as refused:
        DigitalLink.from_elements(parse_bracketed("(99)XYZ789"))
    assert refused.value.problem is Gs1Problem.NO_PRIMARY_KEY


@pytest.mark.parametrize(
    "scanned",
    [
        f"{STEM}/01/09520123456788/10/L1",
        "]d2010952012345678810L1",
        "]C1010952012345678810L1",
        "^010952012345678810L1",
        "(01)09520123456788(10)L1",
    ],
)
def test_a_scan_reads_the_same_from_url_or_element_string(scanned: str) -> None:
    assert read_scan(scanned).element_string().bracketed() == "(01)09520123456788(10)L1"


@pytest.mark.parametrize("scanned", ["]E09520123456788", "9520123456788", "02345673"])
def test_an_ean_scan_reads_as_its_gtin(scanned: str) -> None:
    assert read_scan(scanned).key.ai == "01"


def test_a_scan_that_is_not_gs1_is_refused() -> None:
    with pytest.raises(InvalidGs1):
        read_scan("hello")


gtins = st.text(alphabet="0123456789", min_size=13, max_size=13).map(with_check_digit)
values = st.text(alphabet=sorted(CSET82), min_size=1, max_size=20)
expiries = st.dates(min_value=date(2000, 1, 1), max_value=date(2049, 12, 31))


@given(gtins, st.none() | values, st.none() | values, st.none() | expiries)
def test_product_links_round_trip(
    gtin: str, lot: str | None, serial: str | None, expiry: date | None
) -> None:
    link = DigitalLink.product(Gtin(gtin), lot, serial, expiry)
    back = parse_digital_link(link.uri(STEM))
    assert back == link
    assert DigitalLink.from_elements(back.element_string()) == link


@given(values)
def test_location_links_round_trip(bin_: str) -> None:
    link = DigitalLink.location(GLN, bin_)
    assert parse_digital_link(link.uri(STEM)) == link
