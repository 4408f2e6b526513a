"""Photos through Pillow (HEIC through pillow-heif): measured from the header, then decoded.

The pixel count is checked before any pixel is decoded, so a decompression bomb costs nothing;
then the whole image is decoded, so a truncated file is found before anything is stored.
"""

from __future__ import annotations

import functools
import io
import re
import warnings
from datetime import UTC, datetime, timedelta, timezone

from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

from microindex.domain.capture.asset import CaptureFacts, Location, PrivateFacts
from microindex.domain.capture.errors import FileRefused, Refusal
from microindex.domain.capture.limits import CaptureLimits
from microindex.service.capture_ports import Probed

_XMP_DATE = re.compile(
    rb"(?:exif:DateTimeOriginal|xmp:CreateDate|photoshop:DateCreated)"
    rb"(?:=\"|>)([0-9T:+\-.Z ]{10,35})"
)
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError)


@functools.cache
def enable_heif() -> None:
    """Teach Pillow HEIC, once, on first use (never at import)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()


def open_image(name: str, data: bytes, limits: CaptureLimits) -> Image.Image:
    """Open and fully decode an image, refusing bombs and broken files. The pixel limit is
    the shop's (`limits`): Pillow's own alarm at 89 MP is silenced (a 108 MP phone photo is
    no attack when the shop allows it); past twice that, Pillow refuses to open it at all."""
    enable_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            most = 2 * (Image.MAX_IMAGE_PIXELS or 0)
            detail = f"over {most} pixels, more than any image capture can open"
            raise FileRefused(name, Refusal.BOMB, detail) from None
        except (UnidentifiedImageError, *_DECODE_ERRORS) as error:
            raise FileRefused(name, Refusal.UNREADABLE, str(error) or "not an image") from None
    width, height = image.size
    if width * height > limits.max_pixels:
        detail = f"{width}x{height} px is over the {limits.max_pixels}-pixel limit"
        raise FileRefused(name, Refusal.BOMB, detail)
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay off")
    try:
        image.load()
    except _DECODE_ERRORS as error:
        raise FileRefused(name, Refusal.TRUNCATED, str(error) or "incomplete image") from None
    return image


class ImageProbe:
    def probe(self, name: str, data: bytes, limits: CaptureLimits) -> Probed:
        with open_image(name, data, limits) as image:
            exif = image.getexif()
            details = exif.get_ifd(ExifTags.IFD.Exif)
            orientation = exif.get(ExifTags.Base.Orientation, 1)
            if not isinstance(orientation, int) or not 1 <= orientation <= 8:
                orientation = 1  # as Pillow's exif_transpose, which makes the renditions
            width, height = image.size
            if orientation in (5, 6, 7, 8):
                width, height = height, width
            xmp = image.info.get("xmp", b"")
        device = " ".join(
            str(exif.get(tag, "")).strip("\x00 ")
            for tag in (ExifTags.Base.Make, ExifTags.Base.Model)
        ).strip()
        facts = CaptureFacts(
            width,
            height,
            orientation,
            _exif_time(exif, details) or _xmp_time(xmp),
            device,
        )
        serial = details.get(ExifTags.Base.BodySerialNumber) or exif.get(
            ExifTags.Base.BodySerialNumber, ""
        )
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        return Probed(facts, PrivateFacts(_location(gps), str(serial).strip("\x00 ")))


def _exif_time(exif: Image.Exif, details: dict[int, object]) -> datetime | None:
    text = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    offset = details.get(ExifTags.Base.OffsetTimeOriginal) or details.get(ExifTags.Base.OffsetTime)
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=_zone(offset))


def _zone(offset: object) -> timezone:
    """EXIF's `+01:00`; a time without one, or with no real offset, is taken as UTC."""
    found = (
        re.fullmatch(r"([+-])([01]\d|2[0-3]):([0-5]\d)", offset.strip())
        if isinstance(offset, str)
        else None
    )
    if found is None:
        return UTC
    sign = -1 if found[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(found[2]), minutes=int(found[3])))


def _xmp_time(xmp: object) -> datetime | None:
    raw = xmp.encode() if isinstance(xmp, str) else xmp
    if not isinstance(raw, bytes):
        return None
    found = _XMP_DATE.search(raw)
    if found is None:
        return None
    try:
        moment = datetime.fromisoformat(found.group(1).decode().strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _location(gps: dict[int, object]) -> Location | None:
    try:
        lat = _degrees(gps[2], gps.get(1, "N"))
        lon = _degrees(gps[4], gps.get(3, "E"))
        return Location(lat, lon)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def _degrees(value: object, ref: object) -> float:
    d, m, s = (float(part) for part in value)  # type: ignore[attr-defined]
    sign = -1 if str(ref).strip("\x00 ").upper() in ("S", "W") else 1
    return round(sign * (d + m / 60 + s / 3600), 7)
