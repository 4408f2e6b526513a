"""What a scanner or camera hands over, read as a Digital Link.

Scanners send a GS1 symbol's data behind a symbology identifier (`]d2`, `]C1`, `]Q3`) with GS
for FNC1, a QR code's URL as it is, and an EAN/UPC as its digits (`]E0` + 13 digits).
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
from microindex.domain.gtin import ISBN10_LENGTH, Gtin


def _as_written(uri: str) -> str:
    """A scanned URL as GS1 writes one: scheme and host in lower case (both are
    case-insensitive, and QR codes often carry them upper case to fit alphanumeric mode), no
    trailing `/` after the path."""
    scheme, _, rest = uri.partition("://")
    host, slash, tail = rest.partition("/")
    path, mark, query = tail.partition("?")
    path = path[:-1] if path.endswith("/") else path
    return f"{scheme.lower()}://{host.lower()}{slash}{path}{mark}{query}"


def read_scan(text: str) -> DigitalLink:
    """A Digital Link URL, a GS1 element string (raw, caret or bracketed) or a bare GTIN/SSCC;
    a GTIN typed with hyphens or spaces, and an ISBN-10, are read as `Gtin.parse` reads them."""
    data = text.strip("\r\n ")
    if data[:3] in GS1_SYMBOLOGY_IDS or data.startswith((GS, "^")):
        return DigitalLink.from_elements(parse_raw(data), scanned=True)
    body = data[3:] if data.startswith("]") else data
    if body[:8].lower().startswith(("http://", "https://")):
        return parse_digital_link(_as_written(body))
    if body.startswith("("):
        return DigitalLink.from_elements(parse_bracketed(body), scanned=True)
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
