"""When each node is next expected to sync with the hub, and why (the hub's view).

A node's agent syncs at once on a grant, count, write-off, overdraft, pick or goods arriving
(a receipt, a transfer in, a restocked return), when a SKU
below its low-water mark moves, and otherwise at the demand-aware heartbeat the hub advised
at its last sync (`allocation.sync_interval`); the hub recomputes that interval from the sum
of rates it kept then (`Peer.rate_sum`), so what is shown is what the node was told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from microindex.domain.sync import allocation
from microindex.domain.sync.messages import AgentReport
from microindex.service.sync import SyncSettings
from microindex.service.sync_ports import SyncUnitOfWorkFactory

SOONER = (
    "sooner on a grant, count, write-off, overdraft, pick, goods arriving or a sale below low water"
)


@dataclass(frozen=True, slots=True)
class NextSync:
    node: str
    last: datetime | None  # the hub's clock at the node's last complete sync
    due: datetime | None  # the heartbeat: last + interval
    interval_s: float
    why: str
    agent: AgentReport | None = None  # what the node's own agent last said (None: hub-local)

    @property
    def overdue(self) -> bool:
        return self.why.startswith("overdue")


def next_syncs(
    hub_db: SyncUnitOfWorkFactory,
    nodes: list[str],
    now: datetime,
    settings: SyncSettings | None = None,
) -> dict[str, NextSync]:
    """Per node: its last sync, its next heartbeat and why it comes then."""
    bounds = (settings or SyncSettings()).bounds
    found: dict[str, NextSync] = {}
    with hub_db() as uow:
        agents = {node: report for node, (report, _) in uow.accounts.agent_reports().items()}
        for node in nodes:
            peer = uow.accounts.peer(node)
            if peer.last_sync_s < 0:
                found[node] = NextSync(node, None, None, 0.0, "waiting for its first sync")
                continue
            interval = allocation.sync_interval(peer.rate_sum, bounds)
            last = datetime.fromtimestamp(peer.last_sync_s, UTC)
            due = last + timedelta(seconds=interval)
            why = _why(now, due, interval)
            found[node] = NextSync(node, last, due, interval, why, agents.get(node))
    return found


def _why(now: datetime, due: datetime, interval_s: float) -> str:
    late = (now - due).total_seconds()
    if late > max(60.0, interval_s / 10):
        return f"overdue by {_span(late)}: out of reach?"
    return f"heartbeat every {_span(interval_s)} at its demand; {SOONER}"


def _span(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{max(1, minutes)} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
