"""Where webhook subscriptions and their deliveries are kept: the hub's database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from microindex.domain.channels.webhook import Delivery, DeliveryState, Subscription


class WebhookStore(Protocol):
    def add(self, subscription: Subscription) -> None: ...

    def remove(self, ident: str, at: datetime) -> Subscription | None:
        """Mark it removed (kept, for its deliveries' sake); None when there is none."""
        ...

    def subscriptions(self, removed: bool = False) -> list[Subscription]:
        """Oldest first; with `removed`, those removed too."""
        ...

    def outbox_head(self) -> int:
        """The hub outbox's last position: a new subscription hears of what comes after."""
        ...

    def mark(self) -> int:
        """How far through the hub's outbox events were fanned out."""
        ...

    def enqueue(self, deliveries: Sequence[Delivery], mark: int) -> int:
        """Add deliveries not already there (by subscription and event) and move the mark,
        in one transaction; returns how many were new."""
        ...

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose time has come, soonest first."""
        ...

    def update(self, delivery: Delivery) -> None:
        """Store an attempt's outcome: attempts, state, next time, last answer."""
        ...

    def deliveries(self, state: DeliveryState, limit: int = 100) -> list[Delivery]:
        """In `state`, newest event first (the dead-letter list is `DEAD`)."""
        ...

    def count(self, state: DeliveryState) -> int: ...
