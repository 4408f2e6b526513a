"""GS1 Global Trade Item Numbers: GTIN-8, -12, -13 and -14, kept as 14 digits.

An ISBN-10 (`0-306-40615-2`, the number on the copyright page of a book printed before 2007,
which staff type from it) is read as the GTIN-13 its barcode carries: 978, its first nine
digits, a GS1 check digit. No GTIN has ten digits, so it cannot be mistaken for one."""

from __future__ import annotations

from dataclasses import dataclass

from microindex.domain.errors import InvalidValue

GTIN_LENGTHS = (8, 12, 13, 14)
ALL_ZEROS = "0" * 14


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for a string of digits (the key without its check digit)."""
    backwards = body[::-1]  # the digit next to the check digit weighs 3, the next 1, ...
    if backwards.isascii() and backwards.isdigit():  # summed as bytes: "0" is 48
        odd, even = backwards[0::2].encode(), backwards[1::2].encode()
        total = 3 * (sum(odd) - 48 * len(odd)) + sum(even) - 48 * len(even)
    else:
        total = 3 * sum(map(int, backwards[0::2])) + sum(map(int, backwards[1::2]))
    return (10 - total % 10) % 10


def _ascii_digits(text: str) -> bool:
    """Digits 0-9 only: Python's isdigit also takes ٤ or ４, which no barcode, feed or
    scanner reads as a GTIN's digit."""
    return text.isascii() and text.isdigit()


ISBN10_LENGTH = 10
BOOKLAND = "978"  # the GTIN-13 prefix every ISBN-10 carries on its barcode


def isbn10_as_gtin13(raw: str, typed: str) -> str:
    """The GTIN-13 of an ISBN-10 (ten characters, the last a digit or X): its mod-11 check
    digit checked, then 978, its first nine digits and a GS1 check digit."""
    body, last = raw[:-1], raw[-1].upper()
    total = sum((10 - place) * int(digit) for place, digit in enumerate(body))
    expected = (11 - total % 11) % 11
    shown = "X" if expected == 10 else str(expected)
    if last != shown:
        raise InvalidValue("gtin", typed, f"ISBN-10 check digit is {last}, expected {shown}")
    gtin13 = BOOKLAND + body
    return gtin13 + str(gs1_check_digit(gtin13))


RESTRICTED_GTIN13 = ("02", "04", "2", "98", "99")
RESTRICTED_GTIN8 = ("0", "2")


@dataclass(frozen=True, slots=True)
class Gtin:
    """A GTIN stored as 14 digits; `Gtin.parse` accepts 8, 12, 13 or 14 digits, or an ISBN-10."""

    digits: str

    def __post_init__(self) -> None:
        if len(self.digits) != 14 or not _ascii_digits(self.digits):
            raise InvalidValue("gtin", self.digits, "a stored GTIN has exactly 14 digits 0-9")
        expected = gs1_check_digit(self.digits[:-1])
        if int(self.digits[-1]) != expected:
            raise InvalidValue(
                "gtin", self.digits, f"check digit is {self.digits[-1]}, expected {expected}"
            )

    @classmethod
    def parse(cls, text: str) -> Gtin:
        raw = text.strip().replace(" ", "").replace("-", "")
        if len(raw) == ISBN10_LENGTH and _ascii_digits(raw[:-1]):
            raw = isbn10_as_gtin13(raw, text)
        if not _ascii_digits(raw):
            raise InvalidValue("gtin", text, "a GTIN has digits 0-9 only")
        if len(raw) not in GTIN_LENGTHS:
            raise InvalidValue("gtin", text, "a GTIN has 8, 12, 13 or 14 digits")
        digits = raw.zfill(14)
        if digits == ALL_ZEROS:  # passes the check digit; GS1 allocates no such number
            raise InvalidValue("gtin", text, "a GTIN is never all zeros")
        expected = gs1_check_digit(digits[:-1])
        if int(digits[-1]) != expected:
            raise InvalidValue("gtin", text, f"check digit is {digits[-1]}, expected {expected}")
        gtin = object.__new__(cls)  # every check of __post_init__ is made above: not twice
        object.__setattr__(gtin, "digits", digits)
        return gtin

    @property
    def gtin13(self) -> str | None:
        """The GTIN-13 form (an EAN-13's content), or None for a GTIN-14 with an indicator."""
        return self.digits[1:] if self.digits[0] == "0" else None

    @property
    def gtin8(self) -> str | None:
        """The GTIN-8 (an EAN-8's content) when this is one: six leading zeros in 14 digits."""
        return self.digits[6:] if self.digits.startswith("000000") else None

    @property
    def restricted(self) -> bool:
        """A number GS1 keeps off the global register: a restricted circulation number (an
        in-store or variable-measure code: GTIN-13 prefixes 02, 04 and 2, GTIN-8 prefixes 0
        and 2) or a coupon or refund receipt (98, 99). Google refuses these as a product's
        GTIN ("Unsupported value due to restricted prefix"). A GTIN-14's indicator digit is
        not part of its prefix."""
        short = self.gtin8
        if short is not None:
            return short.startswith(RESTRICTED_GTIN8)
        return self.digits[1:].startswith(RESTRICTED_GTIN13)

    def __str__(self) -> str:
        return self.digits
