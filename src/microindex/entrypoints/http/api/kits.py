"""Kits: define (admins), list, how many each node could sell, and a walk-in kit sale at a
node (its parts' ledgers move, all or none: staff tokens for their own node)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, Field

from microindex.domain.access import Action, require
from microindex.domain.kits import MAX_PARTS, MAX_PER_KIT, Kit
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import (
    NODE_PATTERN,
    SKU_PATTERN,
    KitPartOut,
    MovementOut,
    OverrideIn,
    Quantity,
    Reference,
    Request,
    SaleKey,
    SkuText,
)
from microindex.service import kits, popups
from microindex.service.records import movement_record

api = router("kits")
KitPath = Annotated[str, Path(pattern=SKU_PATTERN, description="The kit's SKU.")]
NodePath = Annotated[str, Path(pattern=NODE_PATTERN, description="Node code.")]


class KitPartIn(Request):
    sku: SkuText
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_PER_KIT)] = 1


class KitIn(Request):
    parts: Annotated[list[KitPartIn], Field(min_length=1, max_length=MAX_PARTS)]


class KitOut(BaseModel):
    sku: str
    parts: list[KitPartOut]


class KitStockOut(BaseModel):
    node: str
    on_hand: int = Field(description="Kits the parts in hand make (the scarcest part's).")
    online: int = Field(description="Kits the hub may promise from its online rights there.")


class KitSaleIn(Request):
    quantity: Quantity = 1
    reference: Reference = ""
    override: Annotated[
        OverrideIn | None,
        Field(description="Sell parts promised online anyway: recorded as an overdraft."),
    ] = None


def _out(kit: Kit) -> KitOut:
    return KitOut(**kits.kit_record(kit))


@api.put("/kits/{sku:path}", response_model=KitOut, summary="Make a catalog product a kit of parts")
def set_kit(sku: KitPath, body: KitIn, hub: HubDep, token: TokenDep) -> KitOut:
    """Each part is a catalog product, none a kit; setting a kit again replaces its parts.
    A kit holds no stock: it is sold, and promised online, as its parts. A product with stock
    on hand, open orders or reorder points of its own is refused (409 held_of_its_own)."""
    require(token.grant, Action.WRITE_CATALOG)
    parts = [(part.sku, part.quantity) for part in body.parts]
    storage = hub.workspace.storage
    own = kits.OwnHoldings(hub.ledgers(), storage.reorder_points(), storage.purchase_orders())
    return _out(kits.set_kit(storage.kits(), hub.hub, sku, parts, hub.now(), own))


@api.get("/kits", response_model=list[KitOut], summary="Every kit and its parts")
def list_kits(hub: HubDep, token: TokenDep) -> list[KitOut]:
    require(token.grant, Action.READ_CATALOG)
    return [_out(kit) for kit in hub.workspace.storage.kits().kits().values()]


@api.delete("/kits/{sku:path}", response_model=KitOut, summary="Stop selling a product as a kit")
def remove_kit(sku: KitPath, hub: HubDep, token: TokenDep) -> KitOut:
    require(token.grant, Action.WRITE_CATALOG)
    store = hub.workspace.storage.kits()
    kit = kits.get_kit(store, sku, hub.hub)
    kits.remove_kit(store, hub.hub, sku, hub.now())
    return _out(kit)


@api.get(
    "/kits/{sku:path}/stock",
    response_model=list[KitStockOut],
    summary="How many of a kit each node could sell: the minimum over its parts",
)
def kit_stock(
    sku: KitPath,
    hub: HubDep,
    token: TokenDep,
    node: Annotated[
        str | None, Query(pattern=NODE_PATTERN, description="Only this node (its staff may ask).")
    ] = None,
) -> list[KitStockOut]:
    require(token.grant, Action.READ_STOCK, node)
    ledgers = hub.ledgers() if node is None else {node: hub.ledger(node)}
    found = kits.availability(hub.workspace.storage.kits(), hub.workspace.hub, ledgers, sku)
    return [KitStockOut(node=a.node, on_hand=a.on_hand, online=a.online) for a in found]


@api.post(
    "/nodes/{node}/kits/{sku:path}/sell",
    response_model=list[MovementOut],
    summary="A walk-in kit sale at a node: one sale per part, all or none (409 as /sell)",
)
def sell_kit(
    node: NodePath,
    sku: KitPath,
    body: KitSaleIn,
    hub: HubDep,
    token: TokenDep,
    idempotency_key: SaleKey = None,
) -> list[MovementOut]:
    require(token.grant, Action.WRITE_STOCK, node)
    from microindex.domain.sync.node import Override

    db = hub.node_here(node, "sell")
    popups.refuse_closed(
        hub.workspace.rounds(), node, hub.now(), hub.workspace.settings.zone, popups.SELL
    )
    given = body.override
    override = None if given is None else Override(given.actor or token.actor, given.reason)
    made = kits.sell(
        hub.workspace.storage.kits(), db, node, sku, body.quantity, hub.now(), body.reference,
        hub.workspace.ask_hub(node), token.actor, override, idempotency_key,
    )  # fmt: skip
    return [MovementOut(**movement_record(m)) for m in made]
