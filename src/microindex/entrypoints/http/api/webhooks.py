"""Webhook subscriptions, for admins: subscribe (the secret is in this one response), list,
unsubscribe, and the dead-letter list."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from microindex.domain.access import Action, require
from microindex.domain.channels.webhook import Delivery, DeliveryState, EventKind, Subscription
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.service import webhooks

api = router("webhooks")


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=2000, description="Where to POST each event.")
    events: list[EventKind] = Field(
        default_factory=lambda: list(EventKind), min_length=1, description="Default: all."
    )


class SubscriptionOut(BaseModel):
    id: str
    url: str
    events: list[str]
    created_at: str
    removed_at: str | None


class SubscribedOut(SubscriptionOut):
    secret: str = Field(description="Signatures are made with it; shown in this answer only.")


class DeliveryOut(BaseModel):
    subscription: str
    event: str
    type: str
    created_at: str
    attempts: int
    state: str
    last_status: int | None
    last_error: str


def _out(s: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=s.id,
        url=s.url,
        events=sorted(e.value for e in s.events),
        created_at=s.created_at.isoformat(),
        removed_at=s.removed_at.isoformat() if s.removed_at else None,
    )


def _delivery(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        subscription=d.subscription,
        event=d.event,
        type=d.kind.value,
        created_at=d.created_at.isoformat(),
        attempts=d.attempts,
        state=d.state.value,
        last_status=d.last_status,
        last_error=d.last_error,
    )


@api.post(
    "/webhooks",
    response_model=SubscribedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe a URL to events",
)
def subscribe(body: SubscriptionIn, hub: HubDep, token: TokenDep) -> SubscribedOut:
    """Events from now on: `stock.changed`, `stock.sold_out`, `order.stepped`, `order.at_risk`,
    `order.rerouted`. Each POST is signed (`X-Microindex-Signature: v1=` HMAC-SHA256 of
    `<X-Microindex-Timestamp>.<body>` with `secret`); `X-Microindex-Delivery` is the event's
    id, the same on every retry."""
    require(token.grant, Action.MANAGE_WEBHOOKS)
    made = webhooks.subscribe(hub.workspace.storage.webhooks(), body.url, body.events, hub.now())
    return SubscribedOut(**_out(made).model_dump(), secret=made.secret)


@api.get("/webhooks", response_model=list[SubscriptionOut], summary="The subscriptions")
def subscriptions(
    hub: HubDep, token: TokenDep, removed: Annotated[bool, Query()] = False
) -> list[SubscriptionOut]:
    require(token.grant, Action.MANAGE_WEBHOOKS)
    return [_out(s) for s in hub.workspace.storage.webhooks().subscriptions(removed)]


@api.delete(
    "/webhooks/{subscription}", response_model=SubscriptionOut, summary="Unsubscribe at once"
)
def unsubscribe(
    hub: HubDep,
    token: TokenDep,
    subscription: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")],
) -> SubscriptionOut:
    require(token.grant, Action.MANAGE_WEBHOOKS)
    store = hub.workspace.storage.webhooks()
    return _out(webhooks.unsubscribe(store, subscription, hub.now()))


@api.get(
    "/webhooks/dead",
    response_model=list[DeliveryOut],
    summary="The dead-letter list: deliveries given up, newest first",
)
def dead_letters(
    hub: HubDep, token: TokenDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[DeliveryOut]:
    require(token.grant, Action.MANAGE_WEBHOOKS)
    found = hub.workspace.storage.webhooks().deliveries(DeliveryState.DEAD, limit)
    return [_delivery(d) for d in found]
