"""Issue 19's "what was seen", each as a user met it: legal GS1 values printed wrong or refused.

Symbols are read back with zxing-cpp and parsed with biip; ZPL is read as the printer reads
its ^FD data (`_1` / `>8` for FNC1).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from microindex.adapters.labels.templates import shelf_label
from microindex.adapters.labels.zpl import STOCKS, zpl
from microindex.adapters.symbols import render
from microindex.domain.errors import InvalidValue
from microindex.domain.gs1.ai import AIS, yymmdd
from microindex.domain.gs1.digital_link import DigitalLink, check_stem, parse_digital_link
from microindex.domain.gs1.element_string import ElementString
from microindex.domain.gs1.errors import InvalidGs1
from microindex.domain.gs1.keys import Gln
from microindex.domain.gs1.scan import read_scan

from .decoding import decode_all, gs1_keys, scanner_data
from .samples import GLN, STEM, gtin

# Parentheses are in GS1's character set 82; an `(NN)` inside data is not an AI.
AWKWARD = ["A(21)B", "B(C)", "(21)X", "(10)", "x)(y", "()"]


def _keys(symbol: render.Symbol) -> dict[str, str]:
    found = decode_all(render.image(symbol))
    assert len(found) == 1, symbol
    return gs1_keys(scanner_data(found[0]))


@pytest.mark.parametrize("lot", AWKWARD)
@pytest.mark.parametrize("kind", [render.gs1_128, render.gs1_datamatrix])
def test_a_lot_or_serial_with_parentheses_is_carried_as_typed(lot: str, kind: object) -> None:
    link = DigitalLink.product(gtin(7), lot=lot, serial=f"S{lot}")
    symbol = kind(link.element_string())  # type: ignore[operator]
    assert _keys(symbol) == {"01": gtin(7).digits, "10": lot, "21": f"S{lot}"}


@pytest.mark.parametrize("bin_", AWKWARD)
def test_a_shelf_bin_with_parentheses_is_carried_as_typed(bin_: str) -> None:
    label = shelf_label(Gln(GLN), bin_, "Shop", STEM)
    assert _keys(label.symbols[1]) == {"414": GLN, "254": bin_}
    assert parse_digital_link(label.symbols[0].data).get("254") == bin_


def _zpl_fields(text: str) -> list[str]:
    return re.findall(r"\^FD(.*?)\^FS", text)


def test_zpl_carries_a_lot_with_parentheses_in_its_gs1_fields() -> None:
    elements = DigitalLink.product(gtin(7), lot="A(21)B", serial="B(C)").element_string()
    label = shelf_label(Gln(GLN), "A(21)B", "Shop", STEM)
    text = zpl(label, STOCKS["4x6"])
    assert f"@1414{GLN}254A(21)B" in _zpl_fields(text)
    from microindex.adapters.labels.zpl import _linear  # the GS1-128 field as drawn

    drawn = _linear(render.gs1_128(elements), 2, 100)
    assert f">;>801{gtin(7).digits}10A(21)B>821B(C)^FS" in drawn


def test_a_tilde_in_the_link_stem_never_reaches_zpl_raw() -> None:
    label = shelf_label(Gln(GLN), "A1", "Shop", "https://shop.example/~me")
    fields = _zpl_fields(zpl(label, STOCKS["4x6"]))
    assert not [f for f in fields if "~" in f]  # `~` starts a printer command
    assert "MA,https://shop.example/\\7Eme/414/9520123456788/254/A1" in fields
    with pytest.raises(InvalidGs1):
        check_stem("https://shop.example/^x")  # not a URI character


def test_an_expiry_outside_the_fifty_year_window_is_refused_not_read_as_another_century() -> None:
    today = date(2026, 12, 6)
    assert yymmdd(date(2076, 12, 31), today) == "761231"
    assert yymmdd(date(1977, 1, 1), today) == "770101"
    for outside in (date(2080, 6, 30), date(1976, 12, 31), date(2127, 1, 1)):
        with pytest.raises(InvalidGs1, match="50 years"):
            yymmdd(outside, today)


def test_a_gs1_128_longer_than_48_characters_is_refused_with_a_way_out() -> None:
    link = DigitalLink.product(gtin(7), lot="L" * 20, serial="S" * 20, expiry=date(2027, 1, 31))
    with pytest.raises(render.UnprintableSymbol, match="48"):
        render.gs1_128(link.element_string())
    assert _keys(render.gs1_datamatrix(link.element_string()))["21"] == "S" * 20


def test_fixed_length_ais_go_first_in_a_gs1_symbol() -> None:
    elements = ElementString.of(("10", "L1"), ("01", gtin(7).digits), ("17", "271231"))
    symbol = render.gs1_datamatrix(elements)
    found = decode_all(render.image(symbol))[0]
    assert found.text.startswith(f"01{gtin(7).digits}17271231")  # no FNC1 needed before the lot


@pytest.mark.parametrize(
    ("ai", "value"),
    [("12", "261231"), ("4321", "1"), ("7240", "PROTO-1"), ("8008", "26120613"), ("8200", "x")],
)
def test_the_resolver_knows_every_ai_in_gs1s_table(ai: str, value: str) -> None:
    assert ai in AIS
    scanned = read_scan(f"]d201{gtin(7).digits}{ai}{value}")
    assert scanned.element_string().get(ai) == value


def test_upper_case_scheme_and_host_and_a_trailing_slash_are_read() -> None:
    expected = DigitalLink.product(gtin(7), lot="L1")
    for uri in (
        f"HTTPS://SHOP.EXAMPLE/01/{gtin(7).digits}/10/L1",
        f"Https://shop.example/01/{gtin(7).digits}/10/L1/",
        f"https://shop.example/01/{gtin(7).digits}/10/L1/?17=271231",
    ):
        found = read_scan(uri)
        assert (found.key, found.qualifiers) == (expected.key, expected.qualifiers), uri


@pytest.mark.parametrize(
    "stem",
    [
        "https://shop example",
        "https://shöp.example",
        f"https://shop.example/01/{gtin(7).digits}",
        "https://shop.example/p/01/09520123456788/10/x",
        "ftp://shop.example",
        "https://",
    ],
)
def test_a_stem_that_cannot_be_a_digital_link_stem_is_refused(stem: str) -> None:
    with pytest.raises(InvalidGs1):
        check_stem(stem)


def test_an_error_never_echoes_a_huge_input_whole() -> None:
    with pytest.raises(InvalidValue) as caught:
        read_scan("x" * 100_000)
    assert len(str(caught.value)) < 300
    assert "100,000 characters" in str(caught.value)
