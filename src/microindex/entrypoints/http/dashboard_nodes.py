"""The dashboard's "Nodes today" card: lockers, van rounds, transfers on the way and pop-ups.

Read from the node services over the workspace's node-operations and rounds stores (a few
small queries: one per node for compartments and rounds, one per open transfer state, one for
parcels waiting and one for pop-ups); nothing is decided here but the wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from microindex.domain.locker import Assignment
from microindex.domain.node import Location, Node
from microindex.domain.popup import PopUp
from microindex.domain.round import Round, Stop
from microindex.domain.transfer import Transfer, TransferState
from microindex.entrypoints.http.context import Hub
from microindex.entrypoints.http.templating import ago, local
from microindex.service import lockers, popups, rounds, transfers
from microindex.service.node_ops_ports import NodeOpsFactory

ON_THE_WAY = (TransferState.REQUESTED, TransferState.PACKED, TransferState.IN_TRANSIT)


@dataclass(frozen=True, slots=True)
class Locker:
    node: str
    busy: int
    free: int
    parcels: list[Assignment]  # waiting, soonest deadline first


@dataclass(frozen=True, slots=True)
class RoundToday:
    node: str
    stops: tuple[Stop, ...]
    now: str  # where the van is, in words
    position: Location  # where the round has it now (lat, lon)
    here: Stop | None  # the stop it stands at
    coming: Stop | None  # the next stop it has not reached


@dataclass(frozen=True, slots=True)
class OnTheWay:
    transfer: Transfer
    state: str
    age: str  # since it was requested


@dataclass(frozen=True, slots=True)
class PopUpSoon:
    popup: PopUp
    open_now: bool


@dataclass(frozen=True, slots=True)
class NodesToday:
    lockers: list[Locker]
    rounds: list[RoundToday]
    transfers: list[OnTheWay]
    popups: list[PopUpSoon]


def read(hub: Hub, registered: Sequence[Node], now: datetime, zone: tzinfo) -> NodesToday:
    ops, stores = hub.workspace.node_ops(), hub.workspace.rounds()
    codes = [n.code.value for n in registered]
    today = now.astimezone(zone).date()  # the shop's day
    found = [rounds.round_for(stores, code, today) for code in codes]
    on_the_way = [t for state in ON_THE_WAY for t in transfers.listed(ops, state)]
    on_the_way.sort(key=lambda t: t.events[0].at)
    return NodesToday(
        lockers=_lockers(ops, codes),
        rounds=[round_today(r, now, zone) for r in found if r is not None],
        transfers=[
            OnTheWay(t, t.state.value.replace("_", " "), ago(now - t.events[0].at))
            for t in on_the_way
        ],
        popups=[PopUpSoon(p, p.is_open(today)) for p in popups.upcoming(stores, today)],
    )


def _lockers(ops: NodeOpsFactory, codes: Sequence[str]) -> list[Locker]:
    """Every node with compartments: how many are busy, and the parcels waiting there."""
    waiting = lockers.waiting(ops)
    found = []
    for code in codes:
        compartments = lockers.compartments(ops, code)
        if not compartments:
            continue
        busy = sum(order is not None for _, order in compartments)
        parcels = [a for a in waiting if a.node == code]
        found.append(Locker(code, busy, len(compartments) - busy, parcels))
    return found


def round_today(round_: Round, now: datetime, zone: tzinfo = UTC) -> RoundToday:
    """The round as the card words it, on the shop's clock (`zone`): where the van is now,
    and its next stop."""
    here = round_.stop_at(now)
    ahead = [s for s in round_.ahead(now) if s is not here]
    coming = ahead[0] if ahead else None
    first, last = round_.stops[0], round_.stops[-1]
    if here is not None:
        words = f"At {here.label or 'a stop'} until {local(here.leaves, zone)}"
    elif now < first.arrives:
        words = "Not out yet"
    elif now > last.leaves:
        words = f"Round done at {local(last.leaves, zone)}"
    else:
        words = "On the road"
    return RoundToday(round_.node, round_.stops, words, round_.position(now), here, coming)
