"""GS1 identification keys beside the GTIN: SSCC for parcels, GLN for places. Mod-10 checked."""

from __future__ import annotations

from dataclasses import dataclass

from microindex.domain.gs1.errors import Gs1Problem, InvalidGs1
from microindex.domain.gtin import gs1_check_digit


def check_key(field: str, digits: str, length: int) -> None:
    """Refuse `digits` unless it is `length` digits ending in a correct GS1 check digit."""
    if not digits.isdigit() or not digits.isascii():
        raise InvalidGs1(field, digits, "digits only", Gs1Problem.CHARSET)
    if len(digits) != length:
        raise InvalidGs1(
            field, digits, f"has {length} digits, got {len(digits)}", Gs1Problem.LENGTH
        )
    expected = gs1_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        raise InvalidGs1(
            field,
            digits,
            f"check digit is {digits[-1]}, expected {expected}",
            Gs1Problem.CHECK_DIGIT,
        )


def with_check_digit(body: str) -> str:
    """`body` followed by its GS1 check digit."""
    return body + str(gs1_check_digit(body))


@dataclass(frozen=True, slots=True)
class Sscc:
    """Serial Shipping Container Code: 18 digits (extension, company prefix, serial, check)."""

    digits: str

    def __post_init__(self) -> None:
        check_key("sscc", self.digits, 18)

    @classmethod
    def build(cls, extension: int, company_prefix: str, serial: int) -> Sscc:
        """An SSCC from its parts: the serial fills what the company prefix leaves of 16 digits."""
        room = 16 - len(company_prefix)
        if not 0 <= extension <= 9:
            raise InvalidGs1("sscc", str(extension), "extension is one digit", Gs1Problem.LENGTH)
        if not company_prefix.isdigit() or not 6 <= len(company_prefix) <= 12:
            raise InvalidGs1(
                "company_prefix",
                company_prefix,
                "a GS1 company prefix has 6-12 digits",
                Gs1Problem.LENGTH,
            )
        if not 0 <= serial < 10**room:
            raise InvalidGs1(
                "sscc",
                str(serial),
                f"serial reference has at most {room} digits",
                Gs1Problem.LENGTH,
            )
        return cls(with_check_digit(f"{extension}{company_prefix}{serial:0{room}d}"))

    def __str__(self) -> str:
        return self.digits


@dataclass(frozen=True, slots=True)
class Gln:
    """Global Location Number: 13 digits naming a place (a node, a shelf's site)."""

    digits: str

    def __post_init__(self) -> None:
        check_key("gln", self.digits, 13)

    def __str__(self) -> str:
        return self.digits
