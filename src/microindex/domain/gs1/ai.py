"""GS1 Application Identifiers: what each AI holds, its length, charset and checks.

Formats follow the GS1 Barcode Syntax Dictionary's notation, one component per word:
`N14,csum` (14 digits ending in a check digit), `X..20` (1-20 characters of set 82),
`N6,yymmd0` (a date, day 00 allowed), `[N6,yymmdd]` (an optional component).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from microindex.domain.gs1.errors import Gs1Problem, InvalidGs1
from microindex.domain.gtin import gs1_check_digit

CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
CSET39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

# AIs whose first two digits are here have a length fixed by the standard: no FNC1 after them.
PREDEFINED_LENGTH = frozenset(
    {"00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}
    | {"31", "32", "33", "34", "35", "36", "41"}
)


class Charset(StrEnum):
    NUMERIC = "N"
    CSET82 = "X"
    CSET39 = "Y"


@dataclass(frozen=True, slots=True)
class Component:
    charset: Charset
    min_length: int
    max_length: int
    check_digit: bool = False
    date: str = ""  # "yymmdd", or "yymmd0" where day 00 means the month's last day
    optional: bool = False

    def check(self, ai: str, text: str) -> None:
        field = f"({ai})"
        allowed = {Charset.NUMERIC: "0123456789", Charset.CSET82: CSET82, Charset.CSET39: CSET39}
        bad = [c for c in text if c not in allowed[self.charset]]
        if bad:
            raise InvalidGs1(
                field, text, f"character {bad[0]!r} is not allowed here", Gs1Problem.CHARSET
            )
        if not self.min_length <= len(text) <= self.max_length:
            span = (
                str(self.max_length)
                if self.min_length == self.max_length
                else f"{self.min_length}-{self.max_length}"
            )
            raise InvalidGs1(
                field, text, f"needs {span} characters, got {len(text)}", Gs1Problem.LENGTH
            )
        if self.check_digit and int(text[-1]) != gs1_check_digit(text[:-1]):
            expected = gs1_check_digit(text[:-1])
            raise InvalidGs1(
                field,
                text,
                f"check digit is {text[-1]}, expected {expected}",
                Gs1Problem.CHECK_DIGIT,
            )
        if self.date:
            check_date(field, text, zero_day=self.date == "yymmd0")


@dataclass(frozen=True, slots=True)
class AiSpec:
    ai: str
    title: str
    components: tuple[Component, ...]

    @property
    def min_length(self) -> int:
        return sum(c.min_length for c in self.components if not c.optional)

    @property
    def max_length(self) -> int:
        return sum(c.max_length for c in self.components)

    @property
    def separator_required(self) -> bool:
        """Variable-length AIs (all but the predefined ones) end with FNC1 unless last."""
        return self.ai[:2] not in PREDEFINED_LENGTH

    def check(self, value: str) -> None:
        """Refuse `value` unless it is valid data for this AI, with the reason."""
        if not value:
            raise InvalidGs1(f"({self.ai})", value, "has no data", Gs1Problem.EMPTY)
        rest = value
        for component in self.components:
            if not rest and component.optional:
                break
            variable = component.min_length != component.max_length
            piece = rest if variable else rest[: component.max_length]
            component.check(self.ai, piece)
            rest = rest[len(piece) :]
        if rest:
            raise InvalidGs1(
                f"({self.ai})",
                value,
                f"has at most {self.max_length} characters",
                Gs1Problem.LENGTH,
            )


def check_date(field: str, text: str, zero_day: bool) -> None:
    month, day = int(text[2:4]), int(text[4:6])
    if not 1 <= month <= 12:
        raise InvalidGs1(field, text, "month is 01-12 (YYMMDD)", Gs1Problem.DATE)
    last = calendar.monthrange(2000 + int(text[:2]), month)[1]
    if not (0 if zero_day else 1) <= day <= last:
        raise InvalidGs1(field, text, "day is not in that month (YYMMDD)", Gs1Problem.DATE)


def gs1_date(text: str, today: date) -> date:
    """A YYMMDD date in the century GS1's sliding window gives it (General Specifications 7.12).

    Day 00 means the last day of the month.
    """
    check_date("date", text, zero_day=True)
    yy, month, day = int(text[:2]), int(text[2:4]), int(text[4:6])
    difference = yy - today.year % 100
    century = today.year - today.year % 100
    if 51 <= difference <= 99:
        century -= 100
    elif -99 <= difference <= -50:
        century += 100
    year = century + yy
    return date(year, month, day or calendar.monthrange(year, month)[1])


_COMPONENT = re.compile(r"^(\[)?([NXY])(\.\.)?(\d+)(?:,(csum|yymmdd|yymmd0))?(\])?$")


def _component(text: str) -> Component:
    found = _COMPONENT.match(text)
    if found is None:
        raise ValueError(f"bad AI format component {text!r}")
    optional, charset, dots, length, extra, _ = found.groups()
    size = int(length)
    return Component(
        Charset(charset),
        1 if dots else size,
        size,
        check_digit=extra == "csum",
        date=extra if extra in ("yymmdd", "yymmd0") else "",
        optional=bool(optional),
    )


def _spec(ai: str, title: str, fmt: str) -> AiSpec:
    return AiSpec(ai, title, tuple(_component(part) for part in fmt.split()))


_TABLE: list[tuple[str, str, str]] = [
    ("00", "SSCC", "N18,csum"),
    ("01", "GTIN", "N14,csum"),
    ("02", "CONTENT", "N14,csum"),
    ("10", "BATCH/LOT", "X..20"),
    ("11", "PROD DATE", "N6,yymmd0"),
    ("13", "PACK DATE", "N6,yymmd0"),
    ("15", "BEST BEFORE or BEST BY", "N6,yymmd0"),
    ("16", "SELL BY", "N6,yymmd0"),
    ("17", "USE BY or EXPIRY", "N6,yymmd0"),
    ("20", "VARIANT", "N2"),
    ("21", "SERIAL", "X..20"),
    ("22", "CPV", "X..20"),
    ("235", "TPX", "X..28"),
    ("240", "ADDITIONAL ID", "X..30"),
    ("241", "CUST. PART No.", "X..30"),
    ("242", "MTO VARIANT", "N..6"),
    ("250", "SECONDARY SERIAL", "X..30"),
    ("251", "REF. TO SOURCE", "X..30"),
    ("253", "GDTI", "N13,csum [X..17]"),
    ("254", "GLN EXTENSION COMPONENT", "X..20"),
    ("255", "GCN", "N13,csum [N..12]"),
    ("30", "VAR. COUNT", "N..8"),
    ("37", "COUNT", "N..8"),
    ("400", "ORDER NUMBER", "X..30"),
    ("401", "GINC", "X..30"),
    ("402", "GSIN", "N17,csum"),
    ("403", "ROUTE", "X..30"),
    ("410", "SHIP TO LOC", "N13,csum"),
    ("411", "BILL TO", "N13,csum"),
    ("412", "PURCHASE FROM", "N13,csum"),
    ("413", "SHIP FOR LOC", "N13,csum"),
    ("414", "LOC No.", "N13,csum"),
    ("415", "PAY TO", "N13,csum"),
    ("416", "PROD/SERV LOC", "N13,csum"),
    ("417", "PARTY", "N13,csum"),
    ("420", "SHIP TO POST", "X..20"),
    ("421", "SHIP TO POST", "N3 X..9"),
    ("422", "ORIGIN", "N3"),
    ("7003", "EXPIRY TIME", "N6,yymmdd N4"),
    ("7007", "HARVEST DATE", "N6,yymmdd [N6,yymmdd]"),
    ("7040", "UIC+EXT", "N1 X1 X1 X1"),
    ("8001", "DIMENSIONS", "N14"),
    ("8003", "GRAI", "N1 N13,csum [X..16]"),
    ("8004", "GIAI", "X..30"),
    ("8006", "ITIP", "N14,csum N2 N2"),
    ("8010", "CPID", "Y..30"),
    ("8011", "CPID SERIAL", "N..12"),
    ("8013", "GMN", "X..25"),
    ("8017", "GSRN - PROVIDER", "N18,csum"),
    ("8018", "GSRN - RECIPIENT", "N18,csum"),
    ("8019", "SRIN", "N..10"),
    ("8020", "REF No.", "X..25"),
    ("8111", "POINTS", "N4"),
    ("90", "INTERNAL", "X..30"),
    *((f"{n}", "INTERNAL", "X..90") for n in range(91, 100)),
    *((f"723{n}", "CERT # {n}", "X2 X..28") for n in range(10)),
    *((f"{p}{n}", "MEASURE", "N6") for p in (*range(310, 317), *range(320, 370)) for n in range(6)),
    *(
        (f"39{k}{n}", "AMOUNT", fmt)
        for k, fmt in (("0", "N..15"), ("1", "N3 N..15"), ("2", "N..15"), ("3", "N3 N..15"))
        for n in range(10)
    ),
]

AIS: dict[str, AiSpec] = {ai: _spec(ai, title, fmt) for ai, title, fmt in _TABLE}


def spec(ai: str) -> AiSpec:
    """The AI's specification, or InvalidGs1(UNKNOWN_AI)."""
    found = AIS.get(ai)
    if found is None:
        raise InvalidGs1(
            "ai", ai, "not a GS1 Application Identifier we know", Gs1Problem.UNKNOWN_AI
        )
    return found


def ai_prefix(text: str) -> AiSpec:
    """The AI at the start of `text` (AIs are prefix-free: 2, 3 or 4 digits)."""
    for size in (2, 3, 4):
        found = AIS.get(text[:size])
        if found is not None and text[:size].isdigit():
            return found
    raise InvalidGs1(
        "ai",
        text[:4],
        "does not start with a GS1 Application Identifier we know",
        Gs1Problem.UNKNOWN_AI,
    )
