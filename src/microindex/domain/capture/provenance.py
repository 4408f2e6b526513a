"""What a provenance manifest says about a capture, and what verifying one found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class CaptureClaim:
    """Signed into every published rendition: which product, where, who, when."""

    asset_id: str
    sku: str
    node: str
    author: str
    captured_at: datetime
    action: str = "c2pa.resized"  # what made this rendition from its parent
    description: str = "resized for the web; location and device serial removed"

    def assertion(self) -> dict[str, str]:
        return {
            "asset_id": self.asset_id,
            "sku": self.sku,
            "node": self.node,
            "author": self.author,
            "captured_at": self.captured_at.isoformat(),
        }


class ProvenanceStatus(StrEnum):
    VALID = "valid"  # intact, signed by this workspace's capture key
    TAMPERED = "tampered"  # bytes or manifest changed after signing
    UNKNOWN_SIGNER = "unknown_signer"  # intact, but signed by a key this workspace does not trust
    UNSIGNED = "unsigned"  # no manifest at all


@dataclass(frozen=True, slots=True)
class Verdict:
    status: ProvenanceStatus
    claim: dict[str, str]
    signer: str = ""
    parents: tuple[str, ...] = ()  # titles of the ingredients the manifest names as its parent
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is ProvenanceStatus.VALID
