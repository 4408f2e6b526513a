"""Vans and market stalls on their rounds: set a day's stops, where the van is, where a
customer meets it, and the van's state for place_order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from microindex.domain.node import Location, Node, NodeKind
from microindex.domain.promise.candidates import Candidate
from microindex.domain.round import (
    Handover,
    NoStopLeft,
    Round,
    ServiceArea,
    Stop,
    handover,
    van_state,
)
from microindex.service.nodes import get_node
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.rounds_ports import RoundsFactory


def set_round(rounds: RoundsFactory, node: str, day: date, stops: Sequence[Stop]) -> Round:
    made = Round.of(node, stops)
    with rounds() as uow:
        uow.rounds.set_round(day, made)
        uow.commit()
    return made


def set_area(
    hub: UnitOfWorkFactory, rounds: RoundsFactory, node: str, area: ServiceArea
) -> ServiceArea:
    """Where a registered node (a van) serves."""
    get_node(hub, node)
    with rounds() as uow:
        uow.rounds.set_area(node, area)
        uow.commit()
    return area


def area(hub: UnitOfWorkFactory, rounds: RoundsFactory, node: str) -> ServiceArea | None:
    get_node(hub, node)
    with rounds() as uow:
        return uow.rounds.area(node)


def round_for(rounds: RoundsFactory, node: str, day: date) -> Round | None:
    with rounds() as uow:
        return uow.rounds.round(node, day)


def van_states(rounds: RoundsFactory, nodes: Sequence[Node], at: datetime) -> dict[str, Candidate]:
    """`states` for place_order: every van with a round today (its day on its own clock),
    where the round has it now."""
    found: dict[str, Candidate] = {}
    for node in nodes:
        if node.kind is not NodeKind.VAN:
            continue
        today = round_for(rounds, node.code.value, node.local(at).date())
        if today is not None:
            found[node.code.value] = van_state(node, today, at)
    return found


def meet(
    rounds: RoundsFactory, node: str, customer: Location, after: datetime, zone: tzinfo
) -> Handover:
    """The stop still ahead today (the van's day: on the clock of `zone`, its own) where the
    customer would best meet the van."""
    with rounds() as uow:
        today = uow.rounds.round(node, after.astimezone(zone).date())
        area = uow.rounds.area(node)
    if today is None:
        raise NoStopLeft(node, after.isoformat())
    return handover(today, customer, after, area)
