"""Published image renditions: upright, flattened to RGB, resized, saved as JPEG without EXIF.

Nothing of the original's metadata is copied (Pillow writes EXIF or XMP only when asked), so
location, serials and the rest stay with the private original. The colour profile is kept.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from microindex.domain.capture.asset import RenditionName
from microindex.service.capture_ports import Made

JPEG = "image/jpeg"
SIZES: tuple[tuple[RenditionName, int, int], ...] = (
    (RenditionName.WEB, 1200, 85),  # longest side in px, JPEG quality
    (RenditionName.THUMB, 320, 80),
)


def upright_rgb(image: Image.Image) -> Image.Image:
    """The image as people should see it: EXIF orientation applied, transparency on white."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def jpeg_renditions(
    image: Image.Image, names: tuple[tuple[RenditionName, int, int], ...] = SIZES
) -> list[Made]:
    upright = upright_rgb(image)
    profile = image.info.get("icc_profile")
    made = []
    for name, longest, quality in names:
        copy = _within(upright, longest)
        out = io.BytesIO()
        options: dict[str, object] = {"quality": quality}
        if profile:
            options["icc_profile"] = profile
        copy.save(out, "JPEG", **options)
        made.append(Made(name, out.getvalue(), JPEG, copy.width, copy.height))
    return made


def _within(image: Image.Image, longest: int) -> Image.Image:
    """The image scaled down so its longest side is at most `longest` (never scaled up)."""
    scale = longest / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    factor = int(1 / scale)
    if factor >= 2:  # a fast box reduction first, then a smooth resize the rest of the way
        image = image.reduce(factor)
    return image.resize(size, Image.Resampling.BICUBIC)
