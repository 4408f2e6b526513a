"""Arabic and Hebrew on a PDF label: one line made ready for a renderer that draws every
character left to right, as it is given (reportlab's `drawString`).

Two steps a text engine would take: Arabic letters become the presentation form their place
in the word takes (isolated, initial, medial, final; lam-alef as its ligature), read from
Unicode's own decompositions of those forms; then the line is put in visual order by a single
paragraph's share of the Unicode bidirectional algorithm (strong letters, numbers kept left to
right inside right-to-left text, neutrals between two runs of one direction taking it, mirrored
brackets). Lines are wrapped before this, in logical order.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_FORMS = ("<isolated>", "<final>", "<initial>", "<medial>")
_RTL = ("R", "AL")
_NUMBER = ("EN", "AN")
_MIRROR = {"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{", "«": "»", "»": "«"}


@cache
def _shapes() -> dict[str, dict[str, str]]:
    """Each Arabic letter (or lam-alef pair) that has presentation forms: form -> character."""
    table: dict[str, dict[str, str]] = {}
    for code in range(0xFE70, 0xFEFD):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) >= 2 and parts[0] in _FORMS:
            base = "".join(chr(int(p, 16)) for p in parts[1:])
            table.setdefault(base, {})[parts[0]] = chr(code)
    return table


def needed(text: str) -> bool:
    """Whether `text` holds a right-to-left character."""
    return any(unicodedata.bidirectional(c) in _RTL for c in text)


def visual(line: str) -> str:
    """`line` shaped and in the order it is seen, for a left-to-right renderer."""
    if not needed(line):
        return line
    return _reordered(_shaped(line))


def _joins_after(c: str) -> bool:
    """Whether `c` joins the letter that follows it (it has an initial form)."""
    return "<initial>" in _shapes().get(c, {})


def _shaped(text: str) -> str:
    letters = list(_ligated(text))
    out = []
    for i, c in enumerate(letters):
        forms = _shapes().get(c)
        if not forms:
            out.append(c)
            continue
        before = _neighbour(letters, i, -1)
        after = _neighbour(letters, i, 1)
        joined_before = before is not None and _joins_after(before) and "<final>" in forms
        joined_after = after is not None and _joins_after(c) and after in _shapes()
        form = {
            (False, False): "<isolated>",
            (True, False): "<final>",
            (False, True): "<initial>",
            (True, True): "<medial>",
        }[(joined_before, joined_after)]
        out.append(forms.get(form, forms.get("<isolated>", c)))
    return "".join(out)


def _ligated(text: str) -> list[str]:
    """Letters, a lam followed by an alef taken as one (their ligature is mandatory)."""
    letters: list[str] = []
    for c in text:
        if letters and letters[-1] == "\u0644" and "\u0644" + c in _shapes():
            letters[-1] += c
        else:
            letters.append(c)
    return letters


def _neighbour(letters: list[str], i: int, step: int) -> str | None:
    """The letter next to `letters[i]` in direction `step`, over marks (harakat)."""
    j = i + step
    while 0 <= j < len(letters) and unicodedata.category(letters[j][0]) == "Mn":
        j += step
    return letters[j] if 0 <= j < len(letters) else None


def _levels(text: str) -> list[int]:
    """Each character's embedding level in a paragraph whose direction its first strong
    character sets: 1 right to left, 0 or 2 left to right."""
    classes = [unicodedata.bidirectional(c) for c in text]
    base = next((1 if k in _RTL else 0 for k in classes if k in (*_RTL, "L")), 0)
    strong: list[int | None] = []  # 1: right to left, 0: left to right, None: neutral
    last = base
    for k in classes:
        if k == "NSM":  # a mark (haraka) goes with its letter
            strong.append(strong[-1] if strong else base)
        elif k in _RTL:
            last = 1
            strong.append(1)
        elif k == "L":
            last = 0
            strong.append(0)
        elif k in _NUMBER:
            strong.append(1 if last == 1 else 0)  # a number in Arabic text reads as it
        else:
            strong.append(None)
    levels = []
    for i, k in enumerate(classes):
        side = strong[i]
        if side is None:
            before = next((s for s in reversed(strong[:i]) if s is not None), base)
            after = next((s for s in strong[i + 1 :] if s is not None), base)
            side = before if before == after else base
        level = side if base == 0 else (1 if side == 1 else 2)
        if k in _NUMBER and side == 1:
            level = 2
        levels.append(level)
    return levels


def _reordered(text: str) -> str:
    levels = _levels(text)
    chars = [_MIRROR.get(c, c) if level % 2 else c for c, level in zip(text, levels, strict=True)]
    for level in range(max(levels), 0, -1):  # from the highest level, reverse each run
        i = 0
        while i < len(chars):
            if levels[i] < level:
                i += 1
                continue
            j = i
            while j < len(chars) and levels[j] >= level:
                j += 1
            chars[i:j] = chars[i:j][::-1]
            levels[i:j] = levels[i:j][::-1]
            i = j
    return "".join(chars)
