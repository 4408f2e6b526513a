"""How much capture accepts in one upload."""

from __future__ import annotations

from dataclasses import dataclass

from microindex.domain.errors import InvalidValue

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_PIXELS = 60_000_000  # a 60-megapixel camera; Pillow's own alarm is at ~89 MP
DEFAULT_MAX_CLIP_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class CaptureLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_clip_seconds: float = DEFAULT_MAX_CLIP_SECONDS

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_pixels) <= 0 or self.max_clip_seconds <= 0:
            raise InvalidValue("limits", str(self), "every limit is a positive number")
