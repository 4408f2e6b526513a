"""Ports of capture and proofing: asset records, the blob store, and the media tools."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from microindex.domain.capture.asset import (
    Asset,
    CaptureFacts,
    PrivateFacts,
    ProofState,
    RenditionName,
)
from microindex.domain.capture.formats import MediaFormat
from microindex.domain.capture.limits import CaptureLimits
from microindex.domain.capture.provenance import CaptureClaim, Verdict
from microindex.domain.capture.template import CaptureTemplate
from microindex.service.ports import Outbox, Transaction


@dataclass(frozen=True, slots=True)
class Probed:
    """An upload fully decoded and measured; the private facts stay with the original."""

    facts: CaptureFacts
    private: PrivateFacts


@dataclass(frozen=True, slots=True)
class Made:
    """A published rendition before signing: stripped of location and serials."""

    name: RenditionName
    data: bytes
    media_type: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Parent:
    """What a rendition was made from: its manifest names this as its parent ingredient."""

    title: str
    data: bytes
    media_type: str


class AssetRepository(Protocol):
    def add(self, asset: Asset) -> None: ...
    def save(self, asset: Asset) -> None: ...
    def get(self, asset_id: str) -> Asset | None: ...
    def find(
        self, sku: str | None = None, state: ProofState | None = None, node: str | None = None
    ) -> list[Asset]: ...


class TemplateRepository(Protocol):
    def get(self, node: str) -> CaptureTemplate | None: ...
    def put(self, template: CaptureTemplate) -> None: ...


class CaptureUnitOfWork(Transaction, Protocol):
    @property
    def assets(self) -> AssetRepository: ...
    @property
    def templates(self) -> TemplateRepository: ...
    @property
    def outbox(self) -> Outbox: ...


class CaptureUnitOfWorkFactory(Protocol):
    def __call__(self) -> CaptureUnitOfWork: ...


class BlobStore(Protocol):
    """Content-addressed bytes: a blob's name is the SHA-256 of its bytes (the workspace
    folder beside an embedded hub, the hub's database when it is PostgreSQL)."""

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store `data`; its SHA-256 and whether it was new (False: already there)."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`; KeyError if there are none."""
        ...

    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...


class MediaProbe(Protocol):
    def probe(self, name: str, data: bytes, fmt: MediaFormat, limits: CaptureLimits) -> Probed:
        """Decode and measure, or raise FileRefused (bomb, truncated, too long, unreadable)."""
        ...


class RenditionMaker(Protocol):
    def make(self, data: bytes, fmt: MediaFormat) -> list[Made]: ...


class Provenance(Protocol):
    def sign(self, made: Made, claim: CaptureClaim, parent: Parent) -> bytes: ...
    def verify(self, data: bytes, media_type: str) -> Verdict: ...
