"""Real media files made in the tests: JPEG with EXIF GPS, HEIC, PNG, MP4, and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

import av
from PIL import ExifTags, Image

GPS_LAT = (51.0, 32.0, 10.68)  # 51.5363 N
GPS_LON = (0.0, 3.0, 42.48)  # 0.0618 W
SERIAL = "SN-4711-0042"


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS R6"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: "2024:05:01 10:30:00",
        ExifTags.Base.OffsetTimeOriginal: "+01:00",
        ExifTags.Base.BodySerialNumber: SERIAL,
    }
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: GPS_LAT, 3: "W", 4: GPS_LON}
    return exif


def picture(
    size: tuple[int, int] = (1600, 1200), colour: tuple[int, int, int] = (40, 90, 160)
) -> Image.Image:
    image = Image.new("RGB", size, colour)
    image.paste((230, 220, 200), (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4))
    return image


def jpeg_with_gps(size: tuple[int, int] = (1600, 1200), orientation: int = 1) -> bytes:
    out = io.BytesIO()
    picture(size).save(out, "JPEG", quality=85, exif=camera_exif(orientation))
    return out.getvalue()


def heic_with_exif(size: tuple[int, int] = (800, 600)) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    picture(size, (120, 60, 40)).save(out, "HEIF", quality=60, exif=camera_exif().tobytes())
    return out.getvalue()


def png(size: tuple[int, int] = (640, 640)) -> bytes:
    out = io.BytesIO()
    picture(size).save(out, "PNG")
    return out.getvalue()


def webp(size: tuple[int, int] = (700, 700)) -> bytes:
    out = io.BytesIO()
    picture(size).save(out, "WEBP", quality=70)
    return out.getvalue()


def mp4_clip(frames: int = 12, size: tuple[int, int] = (320, 240), rate: int = 12) -> bytes:
    """A short H.264 clip whose container says where and when it was filmed."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        container.metadata["creation_time"] = "2024-05-01T09:30:00.000000Z"
        container.metadata["location"] = "+51.5363-000.0618/"
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for index in range(frames):
            frame = av.VideoFrame.from_image(picture(size, (index * 20 % 255, 90, 160)))
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A real PNG of side x side black pixels: ~60 kB on disk, 400 megapixels decoded."""
    row = b"\x00" + bytes((side + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def jpeg_with_odd_exif(orientation: bytes, offset: bytes) -> bytes:
    """A JPEG whose EXIF no camera should write: Orientation as ASCII `orientation`, and
    DateTimeOriginal with OffsetTimeOriginal `offset` (both NUL-terminated ASCII)."""
    when = b"2024:05:01 10:30:00\x00"

    def ifd(entries: list[tuple[int, int, bytes]], start: int) -> bytes:
        """A little-endian IFD at `start` of ASCII (2) or LONG (4) entries, values after it."""
        table, values = struct.pack("<H", len(entries)), b""
        data_at = start + 2 + 12 * len(entries) + 4
        for tag, kind, value in entries:
            count = len(value) if kind == 2 else 1
            if len(value) <= 4:
                table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
            else:
                table += struct.pack("<HHII", tag, kind, count, data_at + len(values))
                values += value
        return table + b"\x00\x00\x00\x00" + values

    sub_at = 8 + len(ifd([(0x0112, 2, orientation), (0x8769, 4, b"")], 8))
    first = ifd([(0x0112, 2, orientation), (0x8769, 4, struct.pack("<I", sub_at))], 8)
    sub = ifd([(0x9003, 2, when), (0x9011, 2, offset)], sub_at)
    out = io.BytesIO()
    exif = b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + first + sub
    picture((900, 600)).save(out, "JPEG", exif=exif)
    return out.getvalue()
