"""GS1 element strings: AIs with their data, as a scanner sends them or as printed (HRI).

Three spellings of the same thing:
- raw, as carried in a GS1 symbol: FNC1 first, then AI+data pairs, variable-length data ended by
  FNC1 (sent by scanners as GS, 0x1D) unless it is last; optionally behind a symbology
  identifier such as `]d2` (GS1 DataMatrix), `]C1` (GS1-128), `]Q3` (GS1 QR);
- bracketed (human-readable interpretation): `(01)09520123456788(10)ABC1`;
- caret, as GS1's test suites write raw data: `^0109520123456788^10ABC1`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from microindex.domain.gs1.ai import AiSpec, ai_prefix, spec
from microindex.domain.gs1.errors import Gs1Problem, InvalidGs1

GS = "\x1d"
GS1_SYMBOLOGY_IDS = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1"})
_BRACKETED = re.compile(r"\((\d{2,4})\)")


@dataclass(frozen=True, slots=True)
class Element:
    """One AI with its data, checked against the AI's format on construction."""

    ai: str
    value: str

    def __post_init__(self) -> None:
        spec(self.ai).check(self.value)

    @property
    def spec(self) -> AiSpec:
        return spec(self.ai)

    def __str__(self) -> str:
        return f"({self.ai}){self.value}"


@dataclass(frozen=True, slots=True)
class ElementString:
    elements: tuple[Element, ...]

    def __post_init__(self) -> None:
        if not self.elements:
            raise InvalidGs1("element_string", "", "has no elements", Gs1Problem.EMPTY)
        seen: dict[str, str] = {}
        for element in self.elements:
            if seen.setdefault(element.ai, element.value) != element.value:
                raise InvalidGs1(
                    f"({element.ai})",
                    element.value,
                    f"appears twice with different data ({seen[element.ai]!r})",
                    Gs1Problem.DUPLICATE_AI,
                )

    @classmethod
    def of(cls, *pairs: tuple[str, str]) -> ElementString:
        return cls(tuple(Element(ai, value) for ai, value in pairs))

    def get(self, ai: str) -> str | None:
        return next((e.value for e in self.elements if e.ai == ai), None)

    def bracketed(self) -> str:
        return "".join(str(e) for e in self.elements)

    def raw(self, separator: str = GS) -> str:
        """The data a GS1 symbol carries, FNC1 written as `separator`, without the leading FNC1."""
        parts: list[str] = []
        for index, element in enumerate(self.elements):
            parts.append(element.ai + element.value)
            last = index == len(self.elements) - 1
            if element.spec.separator_required and not last:
                parts.append(separator)
        return "".join(parts)

    def caret(self) -> str:
        return "^" + self.raw("^")


def parse_raw(data: str, separator: str = GS) -> ElementString:
    """Element string as sent by a scanner (`]d2...`, GS separators) or in caret form (`^...`)."""
    text = data
    if text[:3] in GS1_SYMBOLOGY_IDS:
        text = text[3:]
    elif text.startswith("^"):
        text, separator = text[1:], "^"
    elif text.startswith(separator):
        text = text[1:]
    else:
        raise InvalidGs1(
            "element_string",
            data,
            "GS1 data starts with FNC1 or a GS1 symbology identifier",
            Gs1Problem.EMPTY if not data else Gs1Problem.CHARSET,
        )
    if not text:
        raise InvalidGs1("element_string", data, "has no elements", Gs1Problem.EMPTY)
    return ElementString(tuple(_elements(text, separator)))


def _elements(text: str, separator: str) -> Iterable[Element]:
    position = 0
    while position < len(text):
        found = ai_prefix(text[position:])
        start = position + len(found.ai)
        if found.separator_required:
            end = text.find(separator, start)
            end = len(text) if end < 0 else end
        else:
            end = start + found.max_length
        yield Element(found.ai, text[start:end])
        position = end
        if text.startswith(separator, position):
            position += 1


def parse_bracketed(text: str) -> ElementString:
    """`(01)09520123456788(10)ABC1` into elements. Data may not itself contain `(NN)`."""
    pieces = _BRACKETED.split(text.strip())
    if pieces[0] or len(pieces) < 3:
        raise InvalidGs1(
            "element_string",
            text,
            "expected (AI)data pairs such as (01)09520123456788",
            Gs1Problem.EMPTY,
        )
    pairs = zip(pieces[1::2], pieces[2::2], strict=True)
    return ElementString(tuple(Element(ai, value) for ai, value in pairs))
