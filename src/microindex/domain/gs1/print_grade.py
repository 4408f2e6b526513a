"""How big a GS1 symbol must be printed for where it is scanned (GS1 General Specifications,
section 5.12.3, the symbol specification tables).

Each use (a trade item at the till, a shelf or bin scanned by staff, a parcel in the carrier's
network) fixes for each symbology a range of X-dimensions (the narrowest module), a least bar
height and the quiet zones either side, in modules. A label is drawn at the largest X up to
the target that fits its box, never below the minimum: `fit` says what size to draw, or why the
box is too small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from microindex.domain.errors import DomainError


class Use(StrEnum):
    RETAIL = "retail"  # a trade item scanned at the point of sale (table 1)
    GENERAL = "general"  # shelves, bins, lockers: scanned by staff, not at the till (table 2)
    LOGISTICS = "logistics"  # a parcel's SSCC in the carrier's network (table 3)


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """Sizes in millimetres; `height_per_x` is the least bar height over X (linear symbols:
    EAN/UPC scale their height with X), `height_min` a floor in mm (0 when none)."""

    x_min: float
    x_target: float
    x_max: float
    quiet_left: int  # modules
    quiet_right: int
    height_per_x: float = 0.0
    height_min: float = 0.0

    def height(self, x: float) -> float:
        return max(self.height_per_x * x, self.height_min)


# EAN/UPC: 0.264-0.660 mm (80-200% of 0.330), bars 22.85 mm at 0.330 (69.24 X). 2D symbols at
# the till: 0.396-0.990 mm (1.5 times the linear X). GS1-128 on a logistics label: 0.495-1.016
# mm, bars at least 31.75 mm. Quiet zones: EAN-13 11X/7X, EAN-8 7X/7X, UPC-A 9X/9X, ITF-14 10X
# (with a bearer), GS1-128 10X, QR 4X, DataMatrix 1X.
_EAN_HEIGHT = 22.85 / 0.330
_EAN8_HEIGHT = 18.23 / 0.330
SPECS: dict[tuple[Use, str], SymbolSpec] = {
    (Use.RETAIL, "ean13"): SymbolSpec(0.264, 0.330, 0.660, 11, 7, _EAN_HEIGHT),
    (Use.RETAIL, "upca"): SymbolSpec(0.264, 0.330, 0.660, 9, 9, _EAN_HEIGHT),
    (Use.RETAIL, "ean8"): SymbolSpec(0.264, 0.330, 0.660, 7, 7, _EAN8_HEIGHT),
    (Use.RETAIL, "qr"): SymbolSpec(0.396, 0.495, 0.990, 4, 4),
    (Use.RETAIL, "gs1-datamatrix"): SymbolSpec(0.396, 0.495, 0.990, 1, 1),
    (Use.GENERAL, "qr"): SymbolSpec(0.396, 0.495, 0.990, 4, 4),
    (Use.GENERAL, "gs1-datamatrix"): SymbolSpec(0.396, 0.495, 0.990, 1, 1),
    (Use.GENERAL, "itf14"): SymbolSpec(0.495, 0.495, 1.016, 10, 10, height_min=31.75),
    (Use.GENERAL, "gs1-128"): SymbolSpec(0.495, 0.495, 1.016, 10, 10, height_min=31.75),
    (Use.LOGISTICS, "gs1-128"): SymbolSpec(0.495, 0.495, 0.940, 10, 10, height_min=31.75),
    (Use.LOGISTICS, "qr"): SymbolSpec(0.396, 0.495, 0.990, 4, 4),
}


@dataclass(eq=False)
class SymbolDoesNotFit(DomainError):
    symbology: str
    use: Use
    need_w: float
    need_h: float
    have_w: float
    have_h: float
    advice: str = ""  # which stock would hold it, when the caller knows
    code = "symbol_does_not_fit"

    def __str__(self) -> str:
        return (
            f"a {self.symbology} for {self.use.value} scanning needs at least"
            f" {self.need_w:.1f} x {self.need_h:.1f} mm with its quiet zones; the label leaves"
            f" {self.have_w:.1f} x {self.have_h:.1f} mm"
            + (self.advice or ": use larger stock or fewer fields")
        )


@dataclass(frozen=True, slots=True)
class Placement:
    """What to draw: the X-dimension, the bar (or symbol) height and the quiet zones, in mm."""

    x: float
    height: float
    quiet_left: float
    quiet_right: float

    def width(self, modules: int) -> float:
        return self.quiet_left + modules * self.x + self.quiet_right


def spec(symbology: str, use: Use) -> SymbolSpec:
    found = SPECS.get((use, symbology))
    if found is None:
        raise KeyError(f"no GS1 symbol specification for {symbology} in {use.value} use")
    return found


def fit(
    symbology: str,
    use: Use,
    modules_wide: int,
    modules_high: int | None,
    box_w: float,
    box_h: float,
    dot: float | None = None,
) -> Placement:
    """The largest X from the minimum up to the target at which the symbol (quiet zones
    included) fits `box_w` x `box_h` mm; `modules_high` is None for a linear symbol.

    With `dot` (the printer's dot pitch in mm, 25.4/dpi) X is a whole number of dots, so
    every module prints the same width.
    """
    found = spec(symbology, use)
    quiet = found.quiet_left + found.quiet_right
    square = modules_high is not None

    def height(x: float) -> float:
        return modules_high * x if modules_high is not None else found.height(x)

    def need_h(x: float) -> float:
        return height(x) + (quiet * x if square else 0)

    x = min(found.x_target, box_w / (modules_wide + quiet))
    if square:
        x = min(x, box_h / ((modules_high or 0) + quiet))
    elif found.height_per_x:
        x = min(x, box_h / found.height_per_x)
    if dot is not None:
        x = max(math.floor(x / dot + 1e-9), _dots_at_least(found.x_min, dot)) * dot
    if x < found.x_min - 1e-9 or (modules_wide + quiet) * x > box_w + 1e-9 or need_h(x) > box_h:
        least = _dots_at_least(found.x_min, dot) * dot if dot else found.x_min
        raise SymbolDoesNotFit(
            symbology, use, (modules_wide + quiet) * least, need_h(least), box_w, box_h
        )
    return Placement(x, height(x), found.quiet_left * x, found.quiet_right * x)


def _dots_at_least(x: float, dot: float | None) -> float:
    """The fewest whole dots at least `x` mm wide (`x` itself with no dot pitch)."""
    return x if dot is None else math.ceil(x / dot - 1e-9)
