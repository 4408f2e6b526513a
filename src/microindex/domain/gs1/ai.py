"""GS1 Application Identifiers: what each AI holds, its length, charset and checks.

Formats follow the GS1 Barcode Syntax Dictionary's notation, one component per word:
`N14,csum` (14 digits ending in a check digit), `X..20` (1-20 characters of set 82),
`N6,yymmd0` (a date, day 00 allowed), `[N6,yymmdd]` (an optional component).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import resources

from microindex.domain.gs1.errors import Gs1Problem, InvalidGs1
from microindex.domain.gtin import gs1_check_digit

CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
CSET39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
CSET64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


class Charset(StrEnum):
    NUMERIC = "N"
    CSET82 = "X"
    CSET39 = "Y"
    CSET64 = "Z"  # base64url


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
        allowed = {
            Charset.NUMERIC: "0123456789",
            Charset.CSET82: CSET82,
            Charset.CSET39: CSET39,
            Charset.CSET64: CSET64,
        }
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
    predefined_length: bool = False  # the dictionary's `*`: never followed by FNC1
    link_attribute: bool = False  # the dictionary's `?`: may be a Digital Link query attribute

    @property
    def min_length(self) -> int:
        return sum(c.min_length for c in self.components if not c.optional)

    @property
    def max_length(self) -> int:
        return sum(c.max_length for c in self.components)

    @property
    def separator_required(self) -> bool:
        """Variable-length AIs (all but the predefined ones) end with FNC1 unless last."""
        return not self.predefined_length

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


# `N6,yymmdd`, `X..20`, an optional `[N6],yymmdd` (the dictionary's spelling) or `[N6,yymmdd]`.
def yymmdd(when: date, today: date) -> str:
    """`when` as a GS1 date, refused when GS1's window would read it in another century.

    A reader takes YYMMDD as the year within 49 years before and 50 after its own today
    (General Specifications 7.12), so only those years can be written.
    """
    text = when.strftime("%y%m%d")
    if gs1_date(text, today) != when:
        raise InvalidGs1(
            "date",
            when.isoformat(),
            f"a GS1 date (YYMMDD) is read within 50 years of today ({today.year - 49}"
            f"-{today.year + 50}); this one would be read as {gs1_date(text, today).year}",
            Gs1Problem.DATE,
        )
    return text


_COMPONENT = re.compile(r"^(\[)?([NXYZ])(\.\.)?(\d+)\]?((?:,[A-Za-z0-9]+)*)\]?$")
_FLAGS = frozenset("*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~")
DICTIONARY = "gs1-syntax-dictionary.txt"  # GS1 Barcode Syntax Dictionary (Apache-2.0), vendored


def _component(text: str) -> Component:
    found = _COMPONENT.match(text)
    if found is None:
        raise ValueError(f"bad AI format component {text!r}")
    optional, charset, dots, length, linters = found.groups()
    size = int(length)
    checks = linters.split(",")[1:]
    dates = [c for c in checks if c in ("yymmdd", "yymmd0")]
    return Component(
        Charset(charset),
        1 if dots else size,
        size,
        check_digit="csum" in checks,
        date=dates[0] if dates else "",
        optional=bool(optional),
    )


def _spec(ai: str, title: str, fmt: str, flags: str) -> AiSpec:
    components = tuple(_component(part) for part in fmt.split())
    return AiSpec(ai, title, components, "*" in flags, "?" in flags)


def _entries(text: str) -> Iterator[tuple[str, AiSpec, tuple[str, ...]]]:
    """Each dictionary line as (AI, its spec, its Digital Link attributes), ranges expanded.

    A line is `AIs [Flags] Specification [Attributes...] [# Title]`: `*` flags a
    predefined-length AI (no FNC1 after it); `dlpkey=22,10,21|235` names a primary key and
    its qualifier sequences.
    """
    for line in text.splitlines():
        body, _, title = line.partition("#")
        words = body.split()
        if not words:
            continue
        ais, *rest = words
        flags = rest.pop(0) if rest and set(rest[0]) <= _FLAGS else ""
        components = [w for w in rest if _COMPONENT.match(w)]
        attributes = tuple(w for w in rest if not _COMPONENT.match(w))
        first, _, last = ais.partition("-")
        for number in range(int(first), int(last or first) + 1):
            ai = str(number).zfill(len(first))
            yield ai, _spec(ai, title.strip(), " ".join(components), flags), attributes


def _load() -> tuple[dict[str, AiSpec], dict[str, tuple[tuple[str, ...], ...]]]:
    text = (resources.files(__package__) / DICTIONARY).read_text(encoding="utf-8")
    specs: dict[str, AiSpec] = {}
    keys: dict[str, tuple[tuple[str, ...], ...]] = {}
    for ai, found, attributes in _entries(text):
        specs[ai] = found
        for attribute in attributes:
            name, _, value = attribute.partition("=")
            if name == "dlpkey":
                keys[ai] = tuple(tuple(s.split(",")) for s in value.split("|")) if value else ()
    return specs, keys


AIS, PRIMARY_KEYS = _load()  # every AI; Digital Link primary keys and their qualifier sequences


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
