"""Stock-rights use cases: walk-in sales and picks at a node, what the hub holds at each.

The hub promises an online order only from rights it holds at a node (the escrow test, in
`service/promise.place_order`, the one path that promises), so a node selling offline and the
hub selling online never together sell more than the node holds.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta

from microindex.domain.errors import OutOfStock
from microindex.domain.movement import Movement
from microindex.domain.sale import KeptSale, SaleKeyReused, sale_asked, sale_key
from microindex.domain.sync import allocation
from microindex.domain.sync.node import Override, PromisedOnline, reservations
from microindex.service.ports import LedgerStore
from microindex.service.sync import load_side, save_ledger
from microindex.service.sync_ports import HubUnreachable, SyncUnitOfWorkFactory

# --- at a node ---------------------------------------------------------------------------


def sell(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    sku: str,
    quantity: int,
    at: datetime,
    reference: str = "",
    actor: str = "",
    override: Override | None = None,
) -> Movement:
    """A walk-in sale from local rights (PromisedOnline beyond them, unless staff override
    it: then an OVERDRAFT with the override's actor and reason)."""
    return sell_lines(node_db, node, {sku: quantity}, at, reference, actor, override)[0]


def sell_lines(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    lines: Mapping[str, int],
    at: datetime,
    reference: str = "",
    actor: str = "",
    override: Override | None = None,
    key: str | None = None,
) -> list[Movement]:
    """`sell` of several SKUs in one transaction (a kit's parts): all of them, or none.

    Under a sale `key` (a till's, ADR 0058) a sale already recorded with it is answered
    again and nothing new is recorded; the same key with another sale is SaleKeyReused."""
    keyed = _keyed(key, lines, reference, override)
    return _sell(node_db, node, lines, at, reference, actor, override, keyed)


def _sell(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    lines: Mapping[str, int],
    at: datetime,
    reference: str,
    actor: str,
    override: Override | None,
    keyed: tuple[str, str] | None,
) -> list[Movement]:
    """`sell_lines`, `keyed` by the sale's key and what it asked (which names the override
    a walk-in sale may spend only after its first tries)."""
    with node_db() as uow:
        side = load_side(uow, node)
        ledger = uow.ledger.load(node, sorted(lines))  # the node's writer lock, then the key
        if keyed is not None and (kept := uow.ledger.kept_sale(node, keyed[0])) is not None:
            return _answered(uow.ledger, kept, keyed[1])
        made = [
            side.sell(ledger, sku, quantity, at, reference, actor, override)
            for sku, quantity in lines.items()
        ]
        save_ledger(uow, ledger, at)
        uow.rights.save(side)
        if keyed is not None:
            uow.ledger.keep_sale(KeptSale(node, *keyed, made[0].seq, made[-1].seq))
        uow.commit()
    return made


def _keyed(
    key: str | None, lines: Mapping[str, int], reference: str, override: Override | None
) -> tuple[str, str] | None:
    """The sale's key, checked (`sale_key`), and what the sale asked; None without a key."""
    return None if key is None else (sale_key(key), sale_asked(lines, reference, override))


def _answered(ledger: LedgerStore, kept: KeptSale, asked: str) -> list[Movement]:
    """The movements the sale under `kept.key` made, if it asked what `asked` says."""
    if kept.asked != asked:
        raise SaleKeyReused(kept.node, kept.key)
    return ledger.movements(kept.node, kept.first - 1, kept.last - kept.first + 1)


SALE_KEYS_KEPT = timedelta(days=30)
"""How long a till's sale key is answered (ADR 0058): a till retries a sale within minutes,
so a key a month old is forgotten, nightly (the hub's `prune-sale-keys` timer, a node
agent's first loop each day); the same key later is a new sale."""


def prune_sale_keys(
    node_db: SyncUnitOfWorkFactory, now: datetime, kept: timedelta = SALE_KEYS_KEPT
) -> int:
    """Forget the sale keys of sales made more than `kept` before `now`; how many."""
    with node_db() as uow:
        pruned = uow.ledger.prune_sale_keys(now - kept)
        uow.commit()
    return pruned


AskHub = Callable[[Mapping[str, int]], None]
"""Sync with the hub now, naming the local rights the node needs by SKU (an empty mapping:
a plain sync). Every line goes in one ask: asked one SKU at a time, each sync's rebalance
would hand back what the one before released."""


ASK_RETRIES = 4  # sales at one node at once may each take the rights another asked for


def sell_walk_in(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    sku: str,
    quantity: int,
    at: datetime,
    reference: str = "",
    ask: AskHub | None = None,
    actor: str = "",
    override: Override | None = None,
    key: str | None = None,
) -> Movement:
    """A walk-in sale of goods in hand, the one path every edge takes (CLI, hub API, node
    agent, staff pages).

    From local rights if they cover it; else, when the hub can be reached (`ask`), ask it for
    the missing rights and sell from them; else the units are the hub's, promised to online
    orders: PromisedOnline (naming the orders it would break, where the node knows them),
    unless staff `override` it, which records an explicit OVERDRAFT with their name and
    reason, that the hub sees and answers. Never silent. Selling more than is on hand is
    refused whatever the override (OutOfStock). Under a till's sale `key`, a retry of a sale
    already made answers it again and records nothing (`sell_lines`).
    """
    lines = {sku: quantity}
    return sell_lines_walk_in(node_db, node, lines, at, reference, ask, actor, override, key)[0]


def sell_lines_walk_in(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    lines: Mapping[str, int],
    at: datetime,
    reference: str = "",
    ask: AskHub | None = None,
    actor: str = "",
    override: Override | None = None,
    key: str | None = None,
) -> list[Movement]:
    """`sell_walk_in` of several SKUs at once (a kit's parts), all or none: one ask of the
    hub names every line."""
    keyed = _keyed(key, lines, reference, override)
    try:
        return _sell(node_db, node, lines, at, reference, actor, None, keyed)
    except PromisedOnline as short:
        _require_in_hand(node_db, node, lines)  # not in hand: refused here, not asked of the hub
        refused = short
    for _ in range(ASK_RETRIES):
        if ask is None:
            break
        try:
            ask(dict(lines))
            return _sell(node_db, node, lines, at, reference, actor, None, keyed)
        except PromisedOnline as still:
            refused = still  # the hub had none to spare, or a sale beside this took them
        except HubUnreachable:
            break
    if override is None:
        raise refused
    return _sell(node_db, node, lines, at, reference, actor, override, keyed)


def _require_in_hand(node_db: SyncUnitOfWorkFactory, node: str, lines: Mapping[str, int]) -> None:
    with node_db() as uow:
        ledger = uow.ledger.load(node, sorted(lines))
        for sku, quantity in lines.items():
            if quantity > ledger.available(sku):
                raise OutOfStock(sku, node, quantity, ledger.available(sku)) from None


def grant(
    node_db: SyncUnitOfWorkFactory, node: str, sku: str, quantity: int, at: datetime
) -> Movement:
    with node_db() as uow:
        side = load_side(uow, node)
        ledger = uow.ledger.load(node, [sku])
        movement = side.grant(ledger, sku, quantity, at)
        save_ledger(uow, ledger, at)
        uow.rights.save(side)
        uow.commit()
    return movement


def granted_here(node_db: SyncUnitOfWorkFactory, node: str) -> dict[str, int]:
    """What the node has granted the hub to promise online, by SKU, as the node last heard."""
    with node_db() as uow:
        return {sku: r.granted for sku, r in load_side(uow, node).rights.items()}


def set_aside(node_db: SyncUnitOfWorkFactory, node: str) -> dict[str, tuple[str, int]]:
    """Reservations set aside at the node, awaiting pick: id -> (sku, quantity)."""
    with node_db() as uow:
        return reservations(load_side(uow, node).rights)


def releasable(
    node_db: SyncUnitOfWorkFactory, hub_db: SyncUnitOfWorkFactory, node: str, skus: Collection[str]
) -> dict[str, int]:
    """What the node can send away now, by SKU (`Rights.releasable`): its local rights and
    what the hub holds there unpromised, which shipping asks back as a walk-in sale does. A
    node the hub has not heard from in its epoch gets nothing released, so only local counts."""
    with node_db() as uow:
        side = load_side(uow, node)
    with hub_db() as uow:
        heard = uow.accounts.peer_epochs().get(node) == uow.accounts.epoch()
        held = uow.accounts.held_many(skus) if heard else {}
    return {sku: side.get(sku).releasable(held.get(sku, {}).get(node, 0)) for sku in skus}


def held_online(hub_db: SyncUnitOfWorkFactory, skus: Collection[str]) -> dict[str, dict[str, int]]:
    """What the hub may promise online now, by SKU and node: the stock rights it holds there."""
    if not skus:
        return {}
    with hub_db() as uow:
        return uow.accounts.held_many(skus)


def fulfil(node_db: SyncUnitOfWorkFactory, node: str, ident: str, at: datetime) -> Movement | None:
    """Pick a set-aside reservation; None if it is not (or no longer) set aside here."""
    with node_db() as uow:
        side = load_side(uow, node)
        found = reservations(side.rights).get(ident)
        if found is None:
            return None
        ledger = uow.ledger.load(node, [found[0]])
        movement = side.fulfil(ledger, found[0], ident, at)
        save_ledger(uow, ledger, at)
        uow.rights.save(side)
        uow.commit()
    return movement


# --- at the hub --------------------------------------------------------------------------


def renew_epoch(hub_db: SyncUnitOfWorkFactory, epoch: str) -> None:
    """After a restore from backup: a new epoch makes every node re-send what the hub lacks."""
    with hub_db() as uow:
        uow.accounts.set_epoch(epoch)
        uow.commit()


def availability(
    hub_db: SyncUnitOfWorkFactory, sku: str, now: datetime, buffer: int = 1, epsilon: float = 0.01
) -> list[allocation.Availability]:
    """Per node: what the hub may promise (escrow, firm) and the node's own share, with its age;
    the node's share is published as max(0, L - buffer) and downgraded past its TTL."""
    with hub_db() as uow:
        held = uow.accounts.held(sku)
        figures: list[allocation.Availability] = []
        for node in sorted(held):
            peer = uow.accounts.peer(node)
            account = uow.accounts.load(node)
            age = now.timestamp() - peer.last_sync_s if peer.last_sync_s >= 0 else float("inf")
            rate = uow.accounts.walk_in_rates([node], [sku]).get(node, {}).get(sku, 0.0)
            ttl = allocation.ttl_s(buffer, epsilon, rate)
            figures.append(
                allocation.Availability(
                    node, sku, max(0, held[node]), age, allocation.Freshness.FRESH, escrow=True
                )
            )
            local = account.mirror[sku].local if sku in account.mirror else 0
            figures.append(
                allocation.Availability(
                    node,
                    sku,
                    allocation.published(local, buffer),
                    age,
                    allocation.freshness(age, ttl),
                    escrow=False,
                )
            )
        return figures
