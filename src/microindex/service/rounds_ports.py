"""Ports for vans' rounds and service areas and pop-ups' dates, kept at the hub."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from microindex.domain.popup import PopUp
from microindex.domain.round import Round, ServiceArea
from microindex.service.ports import Transaction


class RoundStore(Protocol):
    def set_round(self, day: date, round_: Round) -> None:
        """Replace the node's round for `day`."""
        ...

    def round(self, node: str, day: date) -> Round | None: ...
    def set_area(self, node: str, area: ServiceArea) -> None: ...
    def area(self, node: str) -> ServiceArea | None: ...


class PopUpStore(Protocol):
    def save(self, popup: PopUp) -> None: ...
    def get(self, node: str) -> PopUp | None: ...
    def listed(self) -> list[PopUp]: ...


class PopUpsUnitOfWork(Transaction, Protocol):
    @property
    def popups(self) -> PopUpStore: ...


class PopUpsFactory(Protocol):
    """The hub's rounds, or a node's own database (its own dates, learned by sync)."""

    def __call__(self) -> PopUpsUnitOfWork: ...


class RoundsUnitOfWork(Transaction, Protocol):
    @property
    def rounds(self) -> RoundStore: ...
    @property
    def popups(self) -> PopUpStore: ...


class RoundsFactory(Protocol):
    def __call__(self) -> RoundsUnitOfWork: ...
