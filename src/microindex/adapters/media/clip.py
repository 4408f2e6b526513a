"""Clips through PyAV: measured from the container, every packet read, the first frame decoded.

The published clip is the same streams remuxed into a fresh MP4 with no container metadata (no
location, no device), keeping the display rotation; a poster and a thumbnail come from frame one.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import av
from av.container import InputContainer
from av.video.stream import VideoStream
from PIL import Image

from microindex.adapters.media.image_renditions import jpeg_renditions
from microindex.domain.capture.asset import CaptureFacts, Location, PrivateFacts, RenditionName
from microindex.domain.capture.errors import FileRefused, Refusal
from microindex.domain.capture.limits import CaptureLimits
from microindex.service.capture_ports import Made, Probed

MP4 = "video/mp4"
POSTER_SIZES = ((RenditionName.POSTER, 1200, 85), (RenditionName.THUMB, 320, 80))
_LOCATION_KEYS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")
_ROTATION_TO_ORIENTATION = {0: 1, 90: 8, -90: 6, 270: 6, 180: 3, -180: 3}


def _open(name: str, data: bytes) -> InputContainer:
    try:
        return av.open(io.BytesIO(data), mode="r")
    except av.FFmpegError as error:  # its words, without FFmpeg's error number and file
        detail = f"not a readable clip (cut short, or not a clip at all): {_said(error)}"
        raise FileRefused(name, Refusal.UNREADABLE, detail) from None


def _said(error: av.FFmpegError) -> str:
    return str(error.strerror or "").strip() or "FFmpeg could not open it"


def _video(name: str, container: InputContainer) -> VideoStream:
    if not container.streams.video:
        raise FileRefused(name, Refusal.UNREADABLE, "the file has no video stream")
    return container.streams.video[0]


class ClipProbe:
    def probe(self, name: str, data: bytes, limits: CaptureLimits) -> Probed:
        with _open(name, data) as container:
            video = _video(name, container)
            width, height = video.codec_context.width, video.codec_context.height
            if width * height > limits.max_pixels:
                raise FileRefused(name, Refusal.BOMB, f"{width}x{height} px frames")
            duration = _duration(container, video)
            if duration > limits.max_clip_seconds:
                detail = f"{duration:.1f} s, clips are at most {limits.max_clip_seconds:g} s"
                raise FileRefused(name, Refusal.TOO_LONG, detail)
            _read_every_packet(name, container, video)
            rotation = _first_frame(name, data)[1]
            meta = {k.lower(): v for k, v in container.metadata.items()}
        orientation = _ROTATION_TO_ORIENTATION.get(rotation, 1)
        if orientation in (6, 8):
            width, height = height, width
        facts = CaptureFacts(width, height, orientation, _created(meta), _device(meta), duration)
        serial = next((v for k, v in meta.items() if "serial" in k), "")
        return Probed(facts, PrivateFacts(_location(meta), serial))


class ClipRenditions:
    def make(self, data: bytes) -> list[Made]:
        frame, rotation = _first_frame("clip", data)
        poster = frame.rotate(rotation, expand=True) if rotation else frame
        clip = remux_without_metadata(data, rotation)
        with av.open(io.BytesIO(clip), mode="r") as container:
            video = container.streams.video[0]
            size = (video.codec_context.width, video.codec_context.height)
        width, height = size if rotation % 180 == 0 else size[::-1]
        return [
            *jpeg_renditions(poster, POSTER_SIZES),
            Made(RenditionName.CLIP, clip, MP4, width, height),
        ]


def remux_without_metadata(data: bytes, rotation: int) -> bytes:
    out = io.BytesIO()
    with av.open(io.BytesIO(data), mode="r") as source, av.open(out, "w", format="mp4") as target:
        kept = [s for s in source.streams if s.type in ("video", "audio")]
        streams = {s.index: target.add_stream_from_template(s) for s in kept}
        for stream in streams.values():
            stream.metadata.clear()
        video = source.streams.video[0]
        published = streams[video.index]
        if rotation and isinstance(published, VideoStream):
            published.set_display_rotation(rotation)
        for packet in source.demux(*kept):
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            target.mux(packet)
    return out.getvalue()


def _duration(container: InputContainer, video: VideoStream) -> float:
    if container.duration:
        return container.duration / av.time_base
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return 0.0


def _read_every_packet(name: str, container: InputContainer, video: VideoStream) -> None:
    """Reading every packet finds a clip cut short without decoding it all."""
    packets = 0
    try:
        for packet in container.demux(video):
            packets += packet.size > 0
    except av.FFmpegError as error:
        raise FileRefused(name, Refusal.TRUNCATED, _said(error)) from None
    if packets == 0 or (video.frames and packets < video.frames):
        detail = f"{packets} of {video.frames or '?'} frames present"
        raise FileRefused(name, Refusal.TRUNCATED, detail)


def _first_frame(name: str, data: bytes) -> tuple[Image.Image, int]:
    with _open(name, data) as container:
        try:
            frame = next(container.decode(video=0))
        except StopIteration:
            raise FileRefused(name, Refusal.TRUNCATED, "no frame decodes") from None
        except av.FFmpegError as error:
            detail = f"no frame decodes: {_said(error)}"
            raise FileRefused(name, Refusal.TRUNCATED, detail) from None
        return frame.to_image(), round(frame.rotation or 0)  # type: ignore[no-untyped-call]


def _created(meta: dict[str, str]) -> datetime | None:
    text = meta.get("com.apple.quicktime.creationdate") or meta.get("creation_time")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _device(meta: dict[str, str]) -> str:
    make = meta.get("com.apple.quicktime.make") or meta.get("make", "")
    model = meta.get("com.apple.quicktime.model") or meta.get("model", "")
    return f"{make} {model}".strip()


def _location(meta: dict[str, str]) -> Location | None:
    """ISO 6709 as phones write it: `+51.5363-000.0618/` (an altitude may follow)."""
    for key in _LOCATION_KEYS:
        found = re.match(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)", meta.get(key, ""))
        if found:
            try:
                return Location(float(found.group(1)), float(found.group(2)))
            except ValueError:
                return None
    return None
