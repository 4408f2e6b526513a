"""What a scanner or camera hands over, read as a Digital Link.

Scanners send a GS1 symbol's data behind a symbology identifier (`]d2`, `]C1`, `]Q3`) with GS
for FNC1, a QR code's URL as it is, and an EAN/UPC as its digits (`]E0` + 13 digits; `]E3`
when the add-on a periodical or a book carries beside it follows).
"""

from __future__ import annotations

from microindex.domain.gs1.digital_link import DigitalLink, parse_digital_link
from microindex.domain.gs1.element_string import (
    GS,
    GS1_SYMBOLOGY_IDS,
    parse_bracketed,
    parse_raw,
)
from microindex.domain.gs1.errors import Gs1Problem, InvalidGs1
from microindex.domain.gs1.keys import Sscc
from microindex.domain.gtin import ISBN10_LENGTH, Gtin, gs1_check_digit


def _as_written(uri: str) -> str:
    """A scanned URL as GS1 writes one: scheme and host in lower case (both are
    case-insensitive, and QR codes often carry them upper case to fit alphanumeric mode), no
    trailing `/` after the path."""
    scheme, _, rest = uri.partition("://")
    host, slash, tail = rest.partition("/")
    path, mark, query = tail.partition("?")
    path = path[:-1] if path.endswith("/") else path
    return f"{scheme.lower()}://{host.lower()}{slash}{path}{mark}{query}"


EAN_WITH_ADD_ON = "]E3"  # ISO/IEC 15424: an EAN/UPC and its 2- or 5-digit add-on, as one string
# The length of an EAN/UPC with its add-on tells the symbol's own length: UPC-E or EAN-8 (8),
# UPC-A (12), EAN-13 (13), each with 2 or 5 digits more.
_MAIN_LENGTH = {10: 8, 13: 8, 14: 12, 17: 12, 15: 13, 18: 13}
_NO_KEY_LENGTHS = (15, 17)  # no GS1 key has as many digits: sent bare, only an add-on explains it
_BOOKLAND = ("977", "978", "979")  # ISSN and ISBN barcodes, which carry add-ons


def _without_add_on(body: str, marked: bool) -> str | None:
    """The EAN/UPC of a scan that carries its add-on (a periodical's issue, a book's price),
    or None. Marked `]E3`, the length says where the add-on starts. Sent bare (a scanner
    set to send no identifier), 15 or 17 digits can only be that; 18 digits are an SSCC unless
    they fail its check digit and open with an ISSN or ISBN barcode that passes its own."""
    if not (body.isascii() and body.isdigit()) or len(body) not in _MAIN_LENGTH:
        return None
    main = body[: _MAIN_LENGTH[len(body)]]
    if marked or len(body) in _NO_KEY_LENGTHS:
        return main
    if len(body) == 18 and body.startswith(_BOOKLAND):
        sscc_ok = gs1_check_digit(body[:-1]) == int(body[-1])
        if not sscc_ok and gs1_check_digit(main[:-1]) == int(main[-1]):
            return main
    return None


def read_scan(text: str) -> DigitalLink:
    """A Digital Link URL, a GS1 element string (raw, caret or bracketed) or a bare GTIN/SSCC;
    a GTIN typed with hyphens or spaces, and an ISBN-10, are read as `Gtin.parse` reads them;
    an EAN/UPC scanned with its add-on names the product (the add-on is not part of its GTIN)."""
    data = text.strip("\r\n ")
    if data[:3] in GS1_SYMBOLOGY_IDS or data.startswith((GS, "^")):
        return DigitalLink.from_elements(parse_raw(data), scanned=True)
    body = data[3:] if data.startswith("]") else data
    if body[:8].lower().startswith(("http://", "https://")):
        return parse_digital_link(_as_written(body))
    if body.startswith("("):
        return DigitalLink.from_elements(parse_bracketed(body), scanned=True)
    main = _without_add_on(body, data.startswith(EAN_WITH_ADD_ON))
    if main is not None:
        return DigitalLink.product(Gtin.parse(main))
    if body.isdigit() and len(body) == 18:
        return DigitalLink.parcel(Sscc(body).digits)
    typed = body.replace("-", "").replace(" ", "")  # an ISBN as printed: 978-0-306-40615-7
    if typed.isdigit() and len(typed) in (8, 12, 13, 14):
        return DigitalLink.product(Gtin.parse(typed))
    if len(typed) == ISBN10_LENGTH and typed[:-1].isdigit():  # typed off a copyright page
        return DigitalLink.product(Gtin.parse(typed))
    raise InvalidGs1(
        "scan", text, "not a GS1 Digital Link, element string, GTIN or SSCC", Gs1Problem.NOT_A_URI
    )
