"""GS1 Digital Link URIs (GS1 Digital Link standard: URI syntax 1.4).

A Digital Link names a primary key in the path (`/01/{gtin}`), then its key qualifiers in the
order the standard fixes (`/10/{lot}/21/{serial}`), then data attributes in the query
(`?17=YYMMDD`). Any stem before the key (`https://shop.example/p/`) is the seller's own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, unquote

from microindex.domain.gs1.ai import AIS, PRIMARY_KEYS
from microindex.domain.gs1.element_string import Element, ElementString
from microindex.domain.gs1.errors import Gs1Problem, InvalidGs1
from microindex.domain.gtin import Gtin

# Primary keys and the key-qualifier sequences each may take, in path order (from the dictionary).
QUALIFIERS = PRIMARY_KEYS

_URI = re.compile(r"^(https?)://([^/?#]+)(/[^?#]*)?(?:\?([^#]*))?(?:#.*)?$")
_URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _invalid(value: str, reason: str, problem: Gs1Problem) -> InvalidGs1:
    return InvalidGs1("digital_link", value, reason, problem)


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A primary key, its qualifiers (path) and data attributes (query), checked together."""

    key: Element
    qualifiers: tuple[Element, ...] = ()
    attributes: tuple[Element, ...] = ()
    # What a scanned element string carried that no Digital Link URI may (AI 8200, say): kept
    # so a scan reads whole, never written into a URI.
    extras: tuple[Element, ...] = ()

    def __post_init__(self) -> None:
        if self.key.ai not in QUALIFIERS:
            raise _invalid(
                self.key.ai,
                f"AI {self.key.ai} is not a Digital Link primary key",
                Gs1Problem.NO_PRIMARY_KEY,
            )
        _check_qualifiers(self.key.ai, [q.ai for q in self.qualifiers])
        ElementString(self.elements)  # no AI twice with different data
        allowed = _qualifier_set(self.key.ai, [q.ai for q in self.qualifiers])
        for attribute in self.attributes:
            if not attribute.spec.link_attribute and attribute.ai not in allowed:
                raise _invalid(
                    attribute.ai,
                    f"AI {attribute.ai} ({attribute.spec.title}) cannot be a Digital Link"
                    " data attribute",
                    Gs1Problem.WRONG_PLACE,
                )
            if attribute.ai == self.key.ai or attribute.ai in allowed:
                raise _invalid(
                    attribute.ai,
                    f"AI {attribute.ai} belongs in the path, not the query",
                    Gs1Problem.WRONG_PLACE,
                )
        if len({a.ai for a in self.attributes}) != len(self.attributes):
            raise _invalid(
                ",".join(a.ai for a in self.attributes),
                "an attribute appears twice",
                Gs1Problem.DUPLICATE_AI,
            )

    @property
    def elements(self) -> tuple[Element, ...]:
        return (self.key, *self.qualifiers, *self.attributes, *self.extras)

    def element_string(self) -> ElementString:
        return ElementString(self.elements)

    def get(self, ai: str) -> str | None:
        return next((e.value for e in self.elements if e.ai == ai), None)

    def uri(self, stem: str) -> str:
        """The URI on `stem` (scheme, domain and optional path, e.g. `https://shop.example`)."""
        check_stem(stem)
        if self.extras:
            raise _invalid(
                ",".join(e.ai for e in self.extras),
                "cannot be carried by a Digital Link URI",
                Gs1Problem.WRONG_PLACE,
            )
        path = "".join(f"/{e.ai}/{_encode(e.value)}" for e in (self.key, *self.qualifiers))
        query = "&".join(f"{e.ai}={_encode(e.value)}" for e in self.attributes)
        return stem.rstrip("/") + path + (f"?{query}" if query else "")

    @classmethod
    def product(
        cls,
        gtin: Gtin,
        lot: str | None = None,
        serial: str | None = None,
        expiry: date | None = None,
    ) -> DigitalLink:
        qualifiers = [Element(ai, v) for ai, v in (("10", lot), ("21", serial)) if v]
        attributes = (Element("17", expiry.strftime("%y%m%d")),) if expiry else ()
        return cls(Element("01", gtin.digits), tuple(qualifiers), attributes)

    @classmethod
    def location(cls, gln: str, bin_: str | None = None) -> DigitalLink:
        """A place: `/414/{gln}`, with `/254/{bin}` for a shelf, bin or locker compartment."""
        return cls(Element("414", gln), (Element("254", bin_),) if bin_ else ())

    @classmethod
    def parcel(cls, sscc: str) -> DigitalLink:
        return cls(Element("00", sscc))

    @classmethod
    def from_elements(
        cls, elements: ElementString | Sequence[Element], scanned: bool = False
    ) -> DigitalLink:
        """Arrange an element string as a Digital Link: the first primary key leads.

        A `scanned` string keeps AIs no URI may carry as `extras`; otherwise they are refused.
        """
        items = list(elements.elements if isinstance(elements, ElementString) else elements)
        ElementString(tuple(items))
        unique = list(dict.fromkeys(items))
        key = next((e for e in unique if e.ai in QUALIFIERS), None)
        if key is None:
            raise _invalid(
                ElementString(tuple(items)).bracketed(),
                "no Digital Link primary key (such as 01, 00 or 414)",
                Gs1Problem.NO_PRIMARY_KEY,
            )
        present = {e.ai for e in unique}
        sequence = next(
            (
                s
                for s in QUALIFIERS[key.ai]
                if present & set(s)
                and not any(present & set(o) - set(s) for o in QUALIFIERS[key.ai])
            ),
            None,
        )
        if sequence is None and any(present & set(s) for s in QUALIFIERS[key.ai]):
            raise _invalid(
                ElementString(tuple(items)).bracketed(),
                "key qualifiers from different sequences",
                Gs1Problem.QUALIFIER_ORDER,
            )
        order = sequence or ()
        qualifiers = sorted((e for e in unique if e.ai in order), key=lambda e: order.index(e.ai))
        rest = [e for e in unique if e is not key and e.ai not in order]
        attributes = [e for e in rest if e.spec.link_attribute or not scanned]
        extras = [e for e in rest if e not in attributes]
        return cls(key, tuple(qualifiers), tuple(attributes), tuple(extras))


def check_stem(stem: str) -> None:
    """A stem is `http(s)://host[:port]` with an optional path of its own, ASCII as in a URI."""
    found = _URI.match(stem) if _URI_CHARS.match(stem) else None
    if found is None or "?" in stem or "#" in stem:
        host = stem.partition("://")[2].partition("/")[0]
        hint = ""
        if host and not host.isascii():
            try:
                hint = f"; write the host as {host.encode('idna').decode()}"
            except UnicodeError:
                hint = "; write the host in its IDNA (xn--) form"
        raise _invalid(
            stem,
            "a stem is http(s)://domain with an optional path, in URI characters" + hint,
            Gs1Problem.NOT_A_URI,
        )
    segments = (found.group(3) or "").strip("/").split("/")
    if any(s in QUALIFIERS and i + 1 < len(segments) for i, s in enumerate(segments)):
        raise _invalid(
            stem,
            "the stem already holds a GS1 key path (such as /01/...): give only the part before it",
            Gs1Problem.WRONG_PLACE,
        )


def _encode(value: str) -> str:
    return quote(value, safe="")


def _decode(text: str) -> str:
    if _BAD_PERCENT.search(text):
        raise _invalid(text, "a '%' must start a %XX escape", Gs1Problem.PERCENT_ENCODING)
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise _invalid(text, "escapes are not UTF-8", Gs1Problem.PERCENT_ENCODING) from None


def _qualifier_set(key: str, present: Sequence[str]) -> set[str]:
    """Qualifiers a URI with these path qualifiers could still have put in its path."""
    return {ai for s in QUALIFIERS[key] if set(present) <= set(s) for ai in s}


def _check_qualifiers(key: str, present: Sequence[str]) -> None:
    sequences = QUALIFIERS[key]
    if not present:
        return
    for ai in present:
        if not any(ai in s for s in sequences):
            problem = Gs1Problem.ATTRIBUTE_IN_PATH if ai in AIS else Gs1Problem.UNKNOWN_AI
            raise _invalid(
                ai,
                f"AI {ai} is not a key qualifier of ({key}); a data attribute goes in the query",
                problem,
            )
    for sequence in sequences:
        indexes = [sequence.index(ai) for ai in present if ai in sequence]
        if len(indexes) == len(present) and indexes == sorted(set(indexes)):
            return
    raise _invalid(
        "/".join(present),
        f"key qualifiers of ({key}) go in the order " + " or ".join("/".join(s) for s in sequences),
        Gs1Problem.QUALIFIER_ORDER,
    )


def parse_digital_link(uri: str) -> DigitalLink:
    """A Digital Link URI back into its elements, or InvalidGs1 with the reason."""
    found = _URI.match(uri) if _URI_CHARS.match(uri) else None
    if found is None or not found.group(3):
        reason = (
            "has characters a URI may not"
            if uri and not _URI_CHARS.match(uri)
            else ("is not an http:// or https:// URI with a path")
        )
        raise _invalid(uri, reason, Gs1Problem.NOT_A_URI)
    segments = found.group(3)[1:].split("/")
    pairs = segments[_key_position(segments, uri) :]
    if not all(pairs):
        raise _invalid(uri, "has an empty path segment", Gs1Problem.EMPTY)
    key, *qualifiers = (
        _path_element(ai, _decode(value)) for ai, value in zip(pairs[::2], pairs[1::2], strict=True)
    )
    _check_qualifiers(key.ai, [q.ai for q in qualifiers])
    return DigitalLink(key, tuple(qualifiers), tuple(_query_elements(found.group(4) or "")))


def _key_position(segments: Sequence[str], uri: str) -> int:
    """Where the GS1 part of the path starts: walking back pair by pair to a primary key."""
    position = len(segments) - 2
    while position >= 0 and segments[position].isdigit():
        if segments[position] in QUALIFIERS:
            return position
        position -= 2
    raise _invalid(
        uri,
        "no GS1 primary key (such as /01/, /00/ or /414/) in the path",
        Gs1Problem.NO_PRIMARY_KEY,
    )


def _path_element(ai: str, value: str) -> Element:
    if ai == "01" and value.isdigit() and len(value) in (8, 12, 13):
        value = value.zfill(14)  # a GTIN-8, -12 or -13 written short
    if ai not in AIS:
        raise _invalid(
            ai, f"AI {ai} is not a GS1 Application Identifier we know", Gs1Problem.UNKNOWN_AI
        )
    return Element(ai, value)


def _query_elements(query: str) -> list[Element]:
    elements: list[Element] = []
    for parameter in filter(None, query.split("&")):
        name, _, value = parameter.partition("=")
        if not name.isdigit():
            continue  # not a GS1 attribute: other query parameters are the seller's own
        if name not in AIS:
            raise _invalid(
                name,
                f"AI {name} is not a GS1 Application Identifier we know",
                Gs1Problem.UNKNOWN_AI,
            )
        elements.append(Element(name, _decode(value)))
    return elements
