"""Arabic and Hebrew on a PDF label: one line made ready for a renderer that draws every
character left to right, as it is given (reportlab's `drawString`).

Two steps a text engine would take, each done by a library made for it: Arabic letters take
the presentation form their place in the word gives them (arabic-reshaper), then the line is
put in visual order by the Unicode bidirectional algorithm, brackets mirrored (python-bidi).
Lines are wrapped before this, in logical order.
"""

from __future__ import annotations

import unicodedata

import arabic_reshaper
from bidi.algorithm import get_display

_RTL = ("R", "AL")


def needed(text: str) -> bool:
    """Whether `text` holds a right-to-left character."""
    return any(unicodedata.bidirectional(c) in _RTL for c in text)


def visual(line: str) -> str:
    """`line` shaped and in the order it is seen, for a left-to-right renderer."""
    if not needed(line):
        return line
    return str(get_display(arabic_reshaper.reshape(line)))
