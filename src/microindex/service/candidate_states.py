"""The candidate state place_order reads (service.promise_ports.CandidateStates), from the
hub's stores: each van where its round has it at the order's time, each locker with
compartments marked when none free takes the order's parcel, each pop-up with its last day
(the chain refuses a pop-up that closes before the order could be ready there).

Built once per workspace (bootstrap) and passed by every edge that places an order, so no
edge builds candidate state itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from microindex.domain.errors import UnknownSku
from microindex.domain.node import Node
from microindex.domain.packaging import MissingPackingData
from microindex.domain.promise.candidates import Candidate
from microindex.domain.promise.order import OrderRequest
from microindex.service import lockers, popups, rounds
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.promise_ports import PromiseUnitOfWorkFactory
from microindex.service.rounds_ports import RoundsFactory


@dataclass(frozen=True, slots=True)
class StoredStates:
    """CandidateStates read from the rounds store, the node-ops store and the catalog."""

    hub: PromiseUnitOfWorkFactory
    rounds: RoundsFactory
    ops: NodeOpsFactory

    def __call__(self, nodes: Sequence[Node], request: OrderRequest) -> dict[str, Candidate]:
        found = rounds.van_states(self.rounds, nodes, request.placed_at)
        for locker in self._lockers(nodes, request).values():
            _merge(found, locker.node, fits=locker.fits)
        by_code = {node.code.value: node for node in nodes}
        for popup in popups.listed(self.rounds):
            if popup.node in by_code:
                _merge(found, by_code[popup.node], closes_on=popup.closes_on)
        return found

    def _lockers(self, nodes: Sequence[Node], request: OrderRequest) -> dict[str, Candidate]:
        with self.ops() as uow:
            with_compartments = [n for n in nodes if uow.lockers.compartments(n.code.value)]
        if not with_compartments:
            return {}
        try:
            parcel = lockers.parcel_for(self.hub, request.wanted)
        except UnknownSku:
            return {}  # place_order answers for a SKU the catalog lacks
        except MissingPackingData:
            return {}  # no size or weight to judge by: `locker assign` says what is missing
        return lockers.locker_states(self.ops, with_compartments, parcel)


def _merge(found: dict[str, Candidate], node: Node, **changes: Any) -> None:
    code = node.code.value
    found[code] = replace(found.get(code) or Candidate(node, {}), **changes)
