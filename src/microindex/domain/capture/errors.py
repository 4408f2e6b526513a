"""What capture refuses, with the data to say why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from microindex.domain.errors import DomainError


class Refusal(StrEnum):
    """Why an uploaded file was turned away before anything was stored."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSAFE_NAME = "unsafe_name"
    UNSUPPORTED = "unsupported"
    MISMATCH = "mismatch"
    BOMB = "decompression_bomb"
    TRUNCATED = "truncated"
    UNREADABLE = "unreadable"
    TOO_LONG = "too_long"


@dataclass(eq=False)
class FileRefused(DomainError):
    """A hostile or broken upload: refused whole, nothing stored."""

    name: str
    reason: Refusal
    detail: str
    code = "file_refused"

    def __str__(self) -> str:
        return f"refused {self.name!r} ({self.reason.value}): {self.detail}; nothing was stored"


@dataclass(eq=False)
class UnknownAsset(DomainError):
    asset_id: str
    code = "unknown_asset"

    def __str__(self) -> str:
        return f"no media asset with id {self.asset_id!r}"


@dataclass(eq=False)
class ProofingClosed(DomainError):
    """Only a pending asset can be approved or rejected; a decision stands."""

    asset_id: str
    state: str
    code = "proofing_closed"

    def __str__(self) -> str:
        return f"asset {self.asset_id} is already {self.state}: capture it again to change that"


@dataclass(eq=False)
class NotLinked(DomainError):
    """An asset must belong to a SKU before it can be approved for the channels."""

    asset_id: str
    code = "not_linked"

    def __str__(self) -> str:
        return f"asset {self.asset_id} is not linked to a SKU: link it first"


@dataclass(eq=False)
class NoSigningIdentity(DomainError):
    """The workspace has no capture signing key yet (`microindex init` makes one)."""

    where: str
    code = "no_signing_identity"

    def __str__(self) -> str:
        return f"no capture signing identity in {self.where}: run `microindex init`"
