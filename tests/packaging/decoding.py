"""Reading symbols back: zxing-cpp decodes, biip parses the GS1 data into keys."""

from __future__ import annotations

import biip
import zxingcpp
from PIL import Image


def decode_all(picture: Image.Image) -> list[zxingcpp.Barcode]:
    return list(zxingcpp.read_barcodes(picture, text_mode=zxingcpp.TextMode.Plain))


def scanner_data(found: zxingcpp.Barcode) -> str:
    """What a scanner would send: symbology identifier, then the data (GS for FNC1)."""
    return f"{found.symbology_identifier}{found.text}"


def gs1_keys(data: str) -> dict[str, str]:
    """AI -> value, as biip reads scanner data (or a Digital Link URI)."""
    if data.startswith("]Q1"):
        data = data[3:]  # a QR code with a URL: biip reads Digital Links without the identifier
    result = biip.parse(data)
    if result.gs1_digital_link_uri is not None:
        strings = result.gs1_digital_link_uri.element_strings
    elif result.gs1_message is not None:
        strings = result.gs1_message.element_strings
    elif result.gtin is not None:
        return {"01": result.gtin.as_gtin_14()}
    else:
        raise AssertionError(f"biip could not parse {data!r}: {result}")
    return {s.ai.ai: s.value for s in strings}
