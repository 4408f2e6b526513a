"""Identifiers of the trade: SKUs and node codes."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from microindex.domain.errors import InvalidValue

_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")  # fullmatch: no line break after
SKU_RULE = (
    "use 1-64 letters A-Z without accents, digits, '.', '_', '-' or '/', "
    "starting with a letter or digit"
)
_NODE = re.compile(r"^[a-z0-9][a-z0-9\-]{0,31}$")
# A caller's idempotency key: an order's id, as the API's paths take it, or a till's sale key.
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"


def idempotency_key(key: str) -> str:
    """`key` if an order or a sale may be called that, else InvalidValue."""
    if re.fullmatch(KEY_PATTERN, key) is None:
        raise InvalidValue("key", key, "letters, digits and . _ - after a letter or digit")
    return key


@dataclass(frozen=True, slots=True)
class Sku:
    """A stock-keeping unit: 1-64 characters, ASCII letters, digits and . _ - /, starting
    alphanumeric. A SKU is typed at a till, scanned from a Code 128 and put in URLs and
    channels' ids, so it keeps to ASCII: 'É' typed on one keyboard and 'É' on another
    (one character, or E and an accent) would be two SKUs that look alike."""

    value: str

    def __post_init__(self) -> None:
        if not _SKU.fullmatch(self.value):
            raise InvalidValue("sku", self.value, _sku_reason(self.value))

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class NodeCode:
    """A node's code, also the `store_code` the channels see: lowercase, digits and '-'."""

    value: str

    def __post_init__(self) -> None:
        if not _NODE.match(self.value):
            raise InvalidValue(
                "node",
                self.value,
                "use 1-32 lowercase letters, digits or '-', starting alphanumeric",
            )

    def __str__(self) -> str:
        return self.value


def _sku_reason(text: str) -> str:
    """Why `text` is no SKU: the rule, the first character outside it when one is (an accented
    letter, a space), and the SKU without accents when that one would do."""
    wrong = next((c for c in text if not re.fullmatch(r"[A-Za-z0-9._\-/]", c)), "")
    if not wrong or not 1 <= len(text) <= 64:
        return SKU_RULE
    shown = "a space" if wrong == " " else repr(wrong)
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    hint = f": try '{plain}'" if _SKU.fullmatch(plain) else ""
    return f"{SKU_RULE}; {shown} is not one{hint}"
