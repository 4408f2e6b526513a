from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from microindex.adapters.memory import MemoryDatabase
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.gs1.errors import InvalidGs1
from microindex.service import stock
from microindex.service.resolver import (
    Action,
    Role,
    Subject,
    UnknownGtin,
    resolve_scan,
)

from .samples import GLN, STEM, gtin, product

TODAY = date(2025, 6, 2)
AT = datetime(2025, 6, 1, 9, tzinfo=UTC)


@pytest.fixture
def hub() -> MemoryDatabase:
    database = MemoryDatabase()
    with database() as uow:
        uow.catalog.upsert([product(1), product(2)])
        uow.commit()
    stock.receive(database, "shopfront", "MUG-1", 4, AT)
    stock.receive(database, "van", "MUG-1", 2, AT)
    return database


def _link(n: int, **parts: object) -> str:
    return DigitalLink.product(gtin(n), **parts).uri(STEM)  # type: ignore[arg-type]


def test_staff_scanning_stocked_product_at_a_node_are_asked_to_pick(hub: MemoryDatabase) -> None:
    found = resolve_scan(hub, _link(1, lot="L1"), Role.STAFF, TODAY, node="shopfront")
    assert found.subject is Subject.PRODUCT
    assert found.product is not None and found.product.sku.value == "MUG-1"
    assert found.action is Action.PICK
    assert found.actions == (Action.PICK, Action.RECEIVE, Action.COUNT, Action.RETURN)
    assert {(line.node, line.on_hand) for line in found.stock} == {("shopfront", 4), ("van", 2)}
    assert found.lot == "L1"


def test_staff_at_a_node_without_the_product_are_asked_to_receive(hub: MemoryDatabase) -> None:
    found = resolve_scan(hub, _link(2), Role.STAFF, TODAY, node="shopfront")
    assert found.action is Action.RECEIVE


def test_the_task_in_hand_wins_when_it_applies(hub: MemoryDatabase) -> None:
    found = resolve_scan(hub, _link(1), Role.STAFF, TODAY, "shopfront", task=Action.COUNT)
    assert found.action is Action.COUNT
    assert found.actions[0] is Action.COUNT


def test_an_expired_lot_is_sent_back_not_picked(hub: MemoryDatabase) -> None:
    found = resolve_scan(hub, _link(1, expiry=date(2025, 5, 31)), Role.STAFF, TODAY, "shopfront")
    assert found.expired and found.expiry == date(2025, 5, 31)
    assert found.action is Action.RETURN
    assert Action.PICK not in found.actions


def test_shoppers_get_the_product_page_with_local_availability(hub: MemoryDatabase) -> None:
    found = resolve_scan(hub, "]E0" + gtin(1).digits[1:], Role.SHOPPER, TODAY)
    assert found.action is Action.PRODUCT_PAGE
    assert {line.node for line in found.stock} == {"shopfront", "van"}


@pytest.mark.parametrize(
    "scanned",
    [
        lambda: f"]d201{gtin(1).digits}10L1",
        lambda: f"(01){gtin(1).digits}(10)L1",
        lambda: gtin(1).digits[1:],
    ],
)
def test_raw_element_strings_and_eans_resolve_like_links(
    hub: MemoryDatabase, scanned: object
) -> None:
    text = scanned()  # type: ignore[operator]
    found = resolve_scan(hub, text, Role.STAFF, TODAY, "van")
    assert found.product is not None and found.product.sku.value == "MUG-1"


def test_a_shelf_scan_asks_staff_to_count(hub: MemoryDatabase) -> None:
    found = resolve_scan(hub, f"{STEM}/414/{GLN}/254/A-3", Role.STAFF, TODAY)
    assert found.subject is Subject.LOCATION and found.action is Action.COUNT
    assert found.link.get("254") == "A-3"


def test_a_parcel_scan_asks_staff_to_receive_it(hub: MemoryDatabase) -> None:
    found = resolve_scan(hub, "]C100006141411234567890", Role.STAFF, TODAY)
    assert found.subject is Subject.PARCEL and found.action is Action.RECEIVE


def test_an_unknown_gtin_is_refused(hub: MemoryDatabase) -> None:
    with pytest.raises(UnknownGtin):
        resolve_scan(hub, _link(99), Role.STAFF, TODAY)


def test_a_malformed_scan_is_refused_with_the_reason(hub: MemoryDatabase) -> None:
    with pytest.raises(InvalidGs1, match="check digit"):
        resolve_scan(hub, f"{STEM}/01/09520123456789", Role.STAFF, TODAY)
