"""Capture templates per node, and the checklist of shots each SKU still lacks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from microindex.domain.capture.asset import Asset, ProofState
from microindex.domain.capture.naming import normal_shot
from microindex.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class CaptureTemplate:
    """How a node photographs products: the background, the angle, and the shots every SKU needs."""

    node: str
    background: str = "plain white"
    angle: str = "three-quarter view, camera at product height"
    shots: tuple[str, ...] = ("front",)

    def __post_init__(self) -> None:
        if not self.shots:
            raise InvalidValue("shots", "", "a template requires at least one shot")
        normal = tuple(normal_shot(s) for s in self.shots)
        if len(set(normal)) != len(normal):
            raise InvalidValue("shots", ",".join(self.shots), "a shot is listed twice")
        object.__setattr__(self, "shots", normal)


@dataclass(frozen=True, slots=True)
class ChecklistLine:
    sku: str
    approved: tuple[str, ...]
    pending: tuple[str, ...]  # captured, waiting for proofing
    missing: tuple[str, ...]  # not captured at all (or only rejected)

    @property
    def complete(self) -> bool:
        return not self.pending and not self.missing


def checklist(
    template: CaptureTemplate, skus: Sequence[str], assets: Iterable[Asset]
) -> list[ChecklistLine]:
    """For each SKU, where each of the template's shots stands."""
    states: dict[tuple[str, str], set[ProofState]] = {}
    for asset in assets:
        if asset.sku is not None:
            states.setdefault((asset.sku, asset.shot), set()).add(asset.state)
    lines = []
    for sku in skus:
        approved, pending, missing = [], [], []
        for shot in template.shots:
            found = states.get((sku, shot), set())
            if ProofState.APPROVED in found:
                approved.append(shot)
            elif ProofState.PENDING in found:
                pending.append(shot)
            else:
                missing.append(shot)
        lines.append(ChecklistLine(sku, tuple(approved), tuple(pending), tuple(missing)))
    return lines
