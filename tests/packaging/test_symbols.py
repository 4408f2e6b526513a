from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microindex.adapters.symbols import render
from microindex.adapters.symbols.nfc import (
    USER_MEMORY,
    NfcTag,
    TagTooSmall,
    ndef_for_tag,
    read_uri,
    tag_bytes,
)
from microindex.domain.gs1.ai import CSET82, gs1_date, yymmdd
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.gs1.keys import Sscc, with_check_digit
from microindex.domain.gtin import Gtin

from .decoding import decode_all, gs1_keys, scanner_data
from .samples import GLN, STEM, gtin

CASES = [
    (gtin(1), None, None, None),
    (gtin(22), "L-2025/07", None, date(2026, 3, 31)),
    (gtin(333), "ABC1", "SN000123", None),
    (Gtin.parse("036000291452"), "LOT9", "9999", date(2027, 12, 1)),
]


def _only(symbol: render.Symbol) -> str:
    found = decode_all(render.image(symbol))
    assert len(found) == 1, symbol
    return scanner_data(found[0])


@pytest.mark.parametrize(("item", "lot", "serial", "expiry"), CASES)
def test_every_product_symbol_decodes_to_the_same_keys(
    item: Gtin, lot: str | None, serial: str | None, expiry: date | None
) -> None:
    link = DigitalLink.product(item, lot, serial, expiry)
    expected = {e.ai: e.value for e in link.elements}
    elements = link.element_string()
    assert gs1_keys(_only(render.qr(link.uri(STEM)))) == expected
    assert gs1_keys(_only(render.gs1_128(elements))) == expected
    assert gs1_keys(_only(render.gs1_datamatrix(elements))) == expected
    assert gs1_keys(_only(render.ean13(item))) == {"01": item.digits}


def test_gs1_symbols_carry_the_gs1_symbology_identifiers() -> None:
    elements = DigitalLink.product(gtin(5), "L1", "S1").element_string()
    assert _only(render.gs1_128(elements)).startswith("]C1")
    assert _only(render.gs1_datamatrix(elements)).startswith("]d2")


def test_upc_a_is_printed_for_a_gtin_12() -> None:
    item = Gtin.parse("036000291452")
    assert gs1_keys(_only(render.upca(item))) == {"01": item.digits}


def test_a_gtin_14_has_no_ean_13_or_upc_a() -> None:
    item = Gtin.parse(with_check_digit("1952012345678"))
    with pytest.raises(render.UnprintableSymbol):
        render.ean13(item)
    with pytest.raises(render.UnprintableSymbol):
        render.upca(gtin(1))


@pytest.mark.parametrize("serial", [0, 42, 999_999_999])
def test_parcel_sscc_decodes_from_gs1_128_datamatrix_and_qr(serial: int) -> None:
    sscc = Sscc.build(3, "0614141", serial)
    link = DigitalLink.parcel(sscc.digits)
    expected = {"00": sscc.digits}
    assert gs1_keys(_only(render.gs1_128(link.element_string()))) == expected
    assert gs1_keys(_only(render.gs1_datamatrix(link.element_string()))) == expected
    assert gs1_keys(_only(render.qr(link.uri(STEM)))) == expected


def test_shelf_link_decodes_from_qr_and_datamatrix() -> None:
    link = DigitalLink.location(GLN, "A-3")
    assert _only(render.qr(link.uri(STEM))) == f"]Q1{STEM}/414/{GLN}/254/A-3"
    assert gs1_keys(_only(render.gs1_datamatrix(link.element_string()))) == {
        "414": GLN,
        "254": "A-3",
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 999_999), st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=12)
)
def test_generated_lots_survive_print_and_scan(n: int, lot: str) -> None:
    link = DigitalLink.product(gtin(n), lot)
    expected = {"01": link.key.value, "10": lot}
    assert gs1_keys(_only(render.gs1_datamatrix(link.element_string()))) == expected
    assert gs1_keys(_only(render.qr(link.uri(STEM)))) == expected


@pytest.mark.parametrize("symbology", list(render.Symbology))
def test_every_symbology_renders_as_svg(symbology: render.Symbology) -> None:
    item = gtin(7)
    elements = DigitalLink.product(item, "L1").element_string()
    symbol = {
        render.Symbology.QR: render.qr(DigitalLink.product(item).uri(STEM)),
        render.Symbology.EAN13: render.ean13(item),
        render.Symbology.UPCA: render.upca(Gtin.parse("036000291452")),
        render.Symbology.EAN8: render.ean8(Gtin.parse("96385074")),
        render.Symbology.ITF14: render.itf14(Gtin.parse("15201234567891")),
        render.Symbology.GS1_128: render.gs1_128(elements),
        render.Symbology.GS1_DATAMATRIX: render.gs1_datamatrix(elements),
    }[symbology]
    assert render.svg(symbol).lstrip().startswith(("<?xml", "<svg"))
    assert render.png(symbol).startswith(b"\x89PNG")
    assert len(decode_all(render.image(symbol))) == 1


def test_a_gtin_8_is_printed_as_ean_8_never_as_ean_13_or_upc_a() -> None:
    short = Gtin.parse("96385074")
    symbol = render.retail(short)
    assert symbol is not None and symbol.symbology is render.Symbology.EAN8
    assert _only(symbol) == "]E496385074"
    with pytest.raises(render.UnprintableSymbol, match="EAN-8"):
        render.ean13(short)
    with pytest.raises(render.UnprintableSymbol):
        render.upca(short)


def test_a_case_gtin_14_can_be_printed_as_itf_14() -> None:
    case = Gtin.parse("15201234567891")
    assert render.retail(case) is None  # no till symbol for a case with an indicator digit
    assert gs1_keys(_only(render.itf14(case))) == {"01": case.digits}


def test_nfc_tag_carries_the_digital_link() -> None:
    uri = DigitalLink.product(gtin(1), "L1", "S1").uri(STEM)
    message = ndef_for_tag(uri, NfcTag.NTAG213)
    assert read_uri(message) == uri
    assert tag_bytes(message) <= USER_MEMORY[NfcTag.NTAG213]


def test_a_link_too_long_for_the_tag_is_refused_with_sizes() -> None:
    uri = DigitalLink.product(gtin(1), "L" * 20, "S" * 20).uri(STEM + "/" + "p" * 100)
    with pytest.raises(TagTooSmall) as refused:
        ndef_for_tag(uri, NfcTag.NTAG213)
    assert refused.value.capacity == 144
    assert refused.value.needed > 144
    assert ndef_for_tag(uri, NfcTag.NTAG215)


def test_tlv_length_grows_to_three_bytes_past_254() -> None:
    assert tag_bytes(b"x" * 254) == 1 + 1 + 254 + 1
    assert tag_bytes(b"x" * 255) == 1 + 3 + 255 + 1


CSET82_TEXT = st.text(sorted(CSET82), min_size=1, max_size=20)  # every GS1-legal character


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 999_999),
    CSET82_TEXT,
    CSET82_TEXT,
    # GS1's window on 2026-12-06 runs from 1977 to 2076: both edges are drawn
    st.dates(date(1977, 1, 1), date(2076, 12, 31)),
)
def test_any_legal_lot_serial_and_expiry_survive_print_and_scan(
    n: int, lot: str, serial: str, expiry: date
) -> None:
    today = date(2026, 12, 6)
    assert gs1_date(yymmdd(expiry, today), today) == expiry
    link = DigitalLink.product(gtin(n), lot, serial, expiry)
    expected = {e.ai: e.value for e in link.elements}
    elements = link.element_string()
    assert gs1_keys(_only(render.gs1_datamatrix(elements))) == expected
    assert gs1_keys(_only(render.qr(link.uri(STEM)))) == expected
    if len(render.fixed_length_first(elements).raw()) <= render.GS1_128_MAX_DATA:
        assert gs1_keys(_only(render.gs1_128(elements))) == expected
