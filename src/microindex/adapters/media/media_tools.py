"""The media tools behind capture's probe and rendition ports, chosen by the file's kind."""

from __future__ import annotations

from microindex.adapters.media.image_probe import ImageProbe, open_image
from microindex.adapters.media.image_renditions import jpeg_renditions
from microindex.domain.capture.formats import AssetKind, MediaFormat
from microindex.domain.capture.limits import CaptureLimits
from microindex.service.capture_ports import Made, Probed


class MediaTools:
    """Probe and make renditions for photos (Pillow, pillow-heif) and clips (PyAV, imported
    with the first clip: a command that never meets one does not load it)."""

    def __init__(self) -> None:
        self._images = ImageProbe()

    def probe(self, name: str, data: bytes, fmt: MediaFormat, limits: CaptureLimits) -> Probed:
        if fmt.kind is AssetKind.CLIP:
            from microindex.adapters.media.clip import ClipProbe

            return ClipProbe().probe(name, data, limits)
        return self._images.probe(name, data, limits)

    def make(self, data: bytes, fmt: MediaFormat) -> list[Made]:
        if fmt.kind is AssetKind.CLIP:
            from microindex.adapters.media.clip import ClipRenditions

            return ClipRenditions().make(data)
        with open_image("rendition", data, CaptureLimits(max_pixels=2**62)) as image:
            return jpeg_renditions(image)
