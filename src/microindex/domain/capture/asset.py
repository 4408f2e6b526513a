"""A captured asset: the private original, its published renditions, and its proofing decision."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from microindex.domain.capture.errors import NotLinked, ProofingClosed
from microindex.domain.capture.formats import AssetKind
from microindex.domain.errors import InvalidValue

ID_LENGTH = 16


def asset_id_for(sha256: str) -> str:
    """An asset is named by its original's content: the same file gives the same id."""
    return sha256[:ID_LENGTH]


class ProofState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise InvalidValue("location", f"{self.lat},{self.lon}", "not a place on Earth")


@dataclass(frozen=True, slots=True)
class CaptureFacts:
    """What the file says about itself, safe to show: size, orientation, time, device model."""

    width: int
    height: int
    orientation: int = 1  # EXIF 1-8; 1 is upright
    captured_at: datetime | None = None
    device: str = ""
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class PrivateFacts:
    """Kept only with the private original: never in a published rendition or a manifest."""

    location: Location | None = None
    device_serial: str = ""


class RenditionName(StrEnum):
    ORIGINAL = "original"  # private: as uploaded, metadata and all
    WEB = "web"
    THUMB = "thumb"
    POSTER = "poster"
    CLIP = "clip"


@dataclass(frozen=True, slots=True)
class Rendition:
    name: RenditionName
    sha256: str
    media_type: str
    width: int
    height: int
    byte_size: int
    signed: bool

    @property
    def public(self) -> bool:
        return self.name is not RenditionName.ORIGINAL


@dataclass(frozen=True, slots=True)
class Proof:
    state: ProofState = ProofState.PENDING
    by: str = ""
    at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Asset:
    id: str
    kind: AssetKind
    original_name: str
    node: str
    author: str
    ingested_at: datetime
    facts: CaptureFacts
    renditions: tuple[Rendition, ...]
    sku: str | None = None
    shot: str = ""
    private: PrivateFacts = PrivateFacts()
    proof: Proof = Proof()
    parent_id: str | None = None

    @property
    def state(self) -> ProofState:
        return self.proof.state

    @property
    def original(self) -> Rendition:
        return self.rendition(RenditionName.ORIGINAL)

    @property
    def image(self) -> Rendition:
        """The picture the channels get: the web size of a photo, the poster of a clip."""
        return self.rendition(
            RenditionName.WEB if self.kind is AssetKind.PHOTO else RenditionName.POSTER
        )

    def rendition(self, name: RenditionName) -> Rendition:
        for rendition in self.renditions:
            if rendition.name is name:
                return rendition
        raise KeyError(name)

    def link(self, sku: str, shot: str = "") -> Asset:
        if self.state is not ProofState.PENDING:
            raise ProofingClosed(self.id, self.state.value)
        return replace(self, sku=sku, shot=shot or self.shot)

    def approve(self, by: str, at: datetime) -> Asset:
        self._must_be_pending()
        if self.sku is None:
            raise NotLinked(self.id)
        return replace(self, proof=Proof(ProofState.APPROVED, by, at))

    def reject(self, reason: str, by: str, at: datetime) -> Asset:
        self._must_be_pending()
        if not reason.strip():
            raise InvalidValue("reason", reason, "say why the asset is rejected")
        return replace(self, proof=Proof(ProofState.REJECTED, by, at, reason.strip()))

    def _must_be_pending(self) -> None:
        if self.state is not ProofState.PENDING:
            raise ProofingClosed(self.id, self.state.value)
