"""A node's health, as the monthly audit judges it: is it syncing, counting, serving?"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HealthLimits:
    sync_lag: int = 500  # movements the hub has not seen
    variance_rate: float = 0.2  # share of counted lines that did not match
    fill_rate: float = 0.9
    stale_share: float = 0.5  # share of stocked SKUs not counted within `stale_days`
    stale_days: int = 90
    sync_age_hours: float = 48.0  # since the node's last complete sync with the hub
    overdrafts: int = 5  # walk-in sales beyond local rights in the period


@dataclass(frozen=True, slots=True)
class NodeHealth:
    node: str
    sync_lag: int | None  # None: no sync status known
    variance_rate: float | None  # None: nothing counted in the period
    fill_rate: float | None
    stale_share: float | None  # None: nothing in stock
    findings: tuple[str, ...]
    sync_age_hours: float | None = None  # None: never synced, or not known
    overdrafts: int = 0

    @property
    def healthy(self) -> bool:
        return not self.findings


def assess(
    node: str,
    sync_lag: int | None,
    variance_rate: float | None,
    fill_rate: float | None,
    stale_share: float | None,
    limits: HealthLimits,
    sync_age_hours: float | None = None,
    overdrafts: int = 0,
) -> NodeHealth:
    """The node's figures and what in them needs attention, in words."""
    found = []
    if sync_age_hours is not None and sync_age_hours > limits.sync_age_hours:
        found.append(f"last synced {sync_age_hours:.0f} hours ago")
    if overdrafts > limits.overdrafts:
        found.append(f"{overdrafts} walk-in sales beyond its stock rights")
    if sync_lag is None:
        found.append("sync status unknown")
    elif sync_lag > limits.sync_lag:
        found.append(f"{sync_lag} movements not yet at the hub")
    if variance_rate is None:
        found.append("no counts in the period")
    elif variance_rate > limits.variance_rate:
        found.append(f"{variance_rate:.0%} of counted lines off")
    if fill_rate is not None and fill_rate < limits.fill_rate:
        found.append(f"fill rate {fill_rate:.0%}")
    if stale_share is not None and stale_share > limits.stale_share:
        days = limits.stale_days
        found.append(f"{stale_share:.0%} of stocked SKUs not counted in {days} days")
    return NodeHealth(
        node, sync_lag, variance_rate, fill_rate, stale_share, tuple(found), sync_age_hours,
        overdrafts,
    )  # fmt: skip
