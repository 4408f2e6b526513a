"""A node's health, as the monthly audit judges it: is it syncing, counting, serving?"""

from __future__ import annotations

from dataclasses import dataclass

from microindex.domain.sync.messages import AgentReport

MB = 2**20


@dataclass(frozen=True, slots=True)
class HealthLimits:
    sync_lag: int = 500  # movements the hub has not seen
    variance_rate: float = 0.2  # share of counted lines that did not match
    fill_rate: float = 0.9
    stale_share: float = 0.5  # share of stocked SKUs not counted within `stale_days`
    stale_days: int = 90
    sync_age_hours: float = 48.0  # since the node's last complete sync with the hub
    overdrafts: int = 5  # walk-in sales beyond local rights in the period
    min_free_disk_mb: int = 1024  # free space on the node agent's disk (the hub's, for its own)


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
    agent: AgentReport | None = None  # None: not known (an agent elsewhere never reported)

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
    agent: AgentReport | None = None,
    hub_version: str | None = None,
) -> NodeHealth:
    """The node's figures and what in them needs attention, in words. With `hub_version`,
    the node's agent (`agent`, None when it never said) is checked: the version the hub
    runs, and free disk above the limit."""
    found = []
    if hub_version is not None:
        found += _agent_findings(agent, hub_version, limits)
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
        overdrafts, agent,
    )  # fmt: skip


def _agent_findings(agent: AgentReport | None, hub_version: str, limits: HealthLimits) -> list[str]:
    if agent is None:
        return ["its agent has not reported its version and free disk"]
    found = []
    if agent.version != hub_version:
        found.append(f"agent version {agent.version!r}, the hub runs {hub_version!r}")
    if agent.disk_free < limits.min_free_disk_mb * MB:
        found.append(f"{agent.disk_free // MB} MB free disk, below {limits.min_free_disk_mb} MB")
    return found
