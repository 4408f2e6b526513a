"""Quarterly pruning, acted on: the slow movers' suggestions, accepted by staff in one step.

A move becomes a requested transfer from the slow node to the node that sells the SKU fastest
(what the sender can release now: units promised online stay); a drop archives the SKU from the
node's range, so triage stops proposing it there and pruning stops listing it, and removes its
reorder point there, so it is not suggested for ordering again. A dry run says
what would happen and changes nothing. Each acceptance is recorded as a job run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from microindex.domain.transfer import Transfer
from microindex.domain.triage import PruneSuggestion
from microindex.service import rights, transfers, triage
from microindex.service.governance_ports import ArchivedSkus
from microindex.service.kpis import KpiSources
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.purchasing import ReorderStore
from microindex.service.sync_ports import SyncUnitOfWorkFactory
from microindex.service.weekly import PRUNING_WEEKS

NodeDatabase = Callable[[str], SyncUnitOfWorkFactory]


@dataclass(frozen=True, slots=True)
class PruningDone:
    dry_run: bool
    moves: list[Transfer] = field(default_factory=list)  # requested (or, dry, that would be)
    dropped: dict[str, list[str]] = field(default_factory=dict)  # node -> SKUs archived
    held_back: list[str] = field(default_factory=list)  # moves with nothing to send now

    def summary(self) -> str:
        dropped = sum(len(skus) for skus in self.dropped.values())
        verb = "would request" if self.dry_run else "requested"
        lines = sum(len(t.requested) for t in self.moves)
        text = f"{verb} {len(self.moves)} transfer(s) of {lines} SKU line(s); "
        text += f"{'would archive' if self.dry_run else 'archived'} {dropped} SKU(s)"
        if self.held_back:
            text += f"; nothing to send now for {', '.join(self.held_back[:10])}"
        return text


def suggestions(
    sources: KpiSources, at: datetime, weeks: int = PRUNING_WEEKS, slow_below: float = 0.25
) -> list[PruneSuggestion]:
    """The slow movers of the last `weeks`, SKUs already archived at their node left out."""
    found = triage.pruning(sources.nodes, at - timedelta(weeks=weeks), at, slow_below)
    archived = _archived(sources.archived, {s.node for s in found})
    return [s for s in found if s.sku not in archived.get(s.node, set())]


def accept(
    sources: KpiSources,
    hub: SyncUnitOfWorkFactory,
    ops: NodeOpsFactory,
    node_db: NodeDatabase,
    accepted: Sequence[PruneSuggestion],
    at: datetime,
    actor: str = "",
    dry_run: bool = False,
    reorder: ReorderStore | None = None,
) -> PruningDone:
    """Act on the accepted suggestions: transfers requested for moves (one per pair of nodes,
    named by the day: accepting again the same day requests nothing more), SKUs archived for
    drops and their reorder points there (in `reorder`) removed. `dry_run`: say what would be
    done, do nothing."""
    wanted: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    dropped: dict[str, list[str]] = defaultdict(list)
    for s in accepted:
        if s.action == "move" and s.to:
            wanted[(s.node, s.to)][s.sku] = s.on_hand
        else:
            dropped[s.node].append(s.sku)
    moves, held_back = [], []
    for (sender, receiver), lines in sorted(wanted.items()):
        spare = rights.releasable(node_db(sender), hub, sender, sorted(lines))
        sendable = {sku: min(n, spare.get(sku, 0)) for sku, n in lines.items()}
        held_back += [f"{sku}@{sender}" for sku, n in sorted(sendable.items()) if n <= 0]
        sendable = {sku: n for sku, n in sendable.items() if n > 0}
        if not sendable:
            continue
        ident = f"prune:{sender}:{receiver}:{at.date()}"  # as the API's paths take it
        if dry_run:
            moves.append(Transfer.request(ident, sender, receiver, sendable, at))
        else:
            moves.append(_request_once(ops, ident, sender, receiver, sendable, at))
    if not dry_run and sources.archived is not None:
        for node, skus in sorted(dropped.items()):
            sources.archived.archive(node, sorted(skus), at, actor)
    if not dry_run and reorder is not None:
        _unpoint(reorder, dropped)
    return PruningDone(dry_run, moves, {n: sorted(s) for n, s in dropped.items()}, held_back)


def _request_once(
    ops: NodeOpsFactory, ident: str, sender: str, receiver: str, lines: dict[str, int], at: datetime
) -> Transfer:
    try:
        return transfers.get(ops, ident)
    except transfers.UnknownTransfer:
        return transfers.request(ops, ident, sender, receiver, lines, at)


def _unpoint(reorder: ReorderStore, dropped: dict[str, list[str]]) -> None:
    """A dropped SKU's reorder point at its node removed: nobody orders what left the range."""
    for point in reorder.points():
        if point.sku in dropped.get(point.node, ()):
            reorder.remove(point.node, point.sku)


def _archived(store: ArchivedSkus | None, nodes: set[str]) -> dict[str, set[str]]:
    if store is None:
        return {}
    return {node: store.archived(node) for node in nodes}
