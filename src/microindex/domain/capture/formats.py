"""The formats capture accepts, recognised by their first bytes and checked against the name."""

from __future__ import annotations

from enum import StrEnum

from microindex.domain.capture.errors import FileRefused, Refusal

SNIFF_BYTES = 32


class AssetKind(StrEnum):
    PHOTO = "photo"
    CLIP = "clip"


class MediaFormat(StrEnum):
    """Each accepted format, named by its media type."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"
    HEIC = "image/heic"
    MP4 = "video/mp4"
    MOV = "video/quicktime"

    @property
    def kind(self) -> AssetKind:
        return AssetKind.CLIP if self.value.startswith("video/") else AssetKind.PHOTO


EXTENSIONS: dict[str, MediaFormat] = {
    ".jpg": MediaFormat.JPEG,
    ".jpeg": MediaFormat.JPEG,
    ".jpe": MediaFormat.JPEG,
    ".png": MediaFormat.PNG,
    ".webp": MediaFormat.WEBP,
    ".heic": MediaFormat.HEIC,
    ".heif": MediaFormat.HEIC,
    ".mp4": MediaFormat.MP4,
    ".m4v": MediaFormat.MP4,
    ".mov": MediaFormat.MOV,
}

# One ISO base media file can carry either video label; phones write both.
_SAME_FAMILY = {MediaFormat.MP4: MediaFormat.MOV, MediaFormat.MOV: MediaFormat.MP4}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1"}
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V "}
_MOV_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip"}


def sniff(head: bytes) -> MediaFormat | None:
    """The format the first bytes announce, or None when they announce none we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return MediaFormat.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaFormat.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaFormat.WEBP
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return MediaFormat.HEIC
        if brand == b"qt  ":
            return MediaFormat.MOV
        if brand in _MP4_BRANDS:
            return MediaFormat.MP4
        return None
    if head[4:8] in _MOV_ATOMS:
        return MediaFormat.MOV
    return None


def extension_of(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def media_format(name: str, head: bytes) -> MediaFormat:
    """The file's real format, refused when unknown or not what its name says it is."""
    declared = EXTENSIONS.get(extension_of(name))
    if declared is None:
        accepted = ", ".join(sorted(EXTENSIONS))
        raise FileRefused(name, Refusal.UNSUPPORTED, f"accepted extensions: {accepted}")
    found = sniff(head[:SNIFF_BYTES])
    if found is None:
        raise FileRefused(name, Refusal.MISMATCH, f"content is not {declared.value}")
    if found not in (declared, _SAME_FAMILY.get(declared)):
        raise FileRefused(
            name, Refusal.MISMATCH, f"named as {declared.value} but the content is {found.value}"
        )
    return found
