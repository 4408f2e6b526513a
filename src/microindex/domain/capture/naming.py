"""File names: refuse path tricks, and read the SKU (or a scanned GTIN) and shot from a name.

The rule: a name starts with a SKU or a GTIN, optionally followed by a separator
(`_`, space, `@`, `+`, `.` or `-`) and the shot, e.g. `MUG-TIDE-250_side.jpg` or
`05069412000017 front.heic`. The longest known SKU wins, so `MUG-TIDE-250` beats `MUG-TIDE`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from microindex.domain.capture.errors import FileRefused, Refusal
from microindex.domain.errors import InvalidValue
from microindex.domain.gtin import Gtin

MAX_NAME = 255
SEPARATORS = "_ @+.-"
_GTIN_HEAD = re.compile(r"^(\d{8,14})(?=$|[_ @+.\-])")
_SHOT = re.compile(r"^[a-z0-9][a-z0-9\-]{0,31}$")


def safe_name(name: str) -> str:
    """The name as given, if it is a plain file name: no folders, no `..`, no control characters."""
    reason = _unsafe(name)
    if reason:
        raise FileRefused(name[:80], Refusal.UNSAFE_NAME, reason)
    return name


def _unsafe(name: str) -> str:
    if not name or not name.strip():
        return "the file has no name"
    if len(name) > MAX_NAME:
        return f"names are at most {MAX_NAME} characters"
    if any(unicodedata.category(c).startswith("C") for c in name):
        return "control characters in the name"
    if "/" in name or "\\" in name or ":" in name:
        return "a path, not a file name"
    if name.startswith(".") or ".." in name:
        return "hidden or parent-folder name"
    return ""


def normal_shot(text: str) -> str:
    shot = text.strip().lower().replace(" ", "-")
    if not _SHOT.match(shot):
        raise InvalidValue("shot", text, "use 1-32 lowercase letters, digits or '-'")
    return shot


@dataclass(frozen=True, slots=True)
class NameMatch:
    """What a file name says: the SKU, the shot (empty if none), and which rule found it."""

    sku: str
    shot: str
    rule: str  # "sku" or "gtin"


def match_filename(
    name: str, skus: Mapping[str, str], gtins: Mapping[str, str]
) -> NameMatch | None:
    """Read a SKU from a name. `skus` maps lowercased SKUs to SKUs; `gtins` 14 digits to SKUs."""
    stem = name[: name.rfind(".")] if "." in name else name
    by_gtin = _gtin_match(stem, gtins)
    if by_gtin is not None:
        return by_gtin
    lowered = stem.lower()
    cuts = [i for i, c in enumerate(lowered) if c in SEPARATORS] + [len(lowered)]
    for cut in reversed(cuts):
        sku = skus.get(lowered[:cut])
        if sku is not None:
            return NameMatch(sku, _shot_from(stem[cut + 1 :]), "sku")
    return None


def _gtin_match(stem: str, gtins: Mapping[str, str]) -> NameMatch | None:
    found = _GTIN_HEAD.match(stem)
    if found is None:
        return None
    try:
        gtin = Gtin.parse(found.group(1))
    except InvalidValue:
        return None
    sku = gtins.get(gtin.digits)
    return None if sku is None else NameMatch(sku, _shot_from(stem[found.end() + 1 :]), "gtin")


def _shot_from(rest: str) -> str:
    try:
        return normal_shot(rest) if rest else ""
    except InvalidValue:
        return ""
