from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from microindex.adapters.memory import MemoryDatabase
from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.codes import NodeCode
from microindex.domain.node import Capabilities, Location, Node, NodeKind, OpeningHours
from microindex.domain.search.ranking import near_score
from microindex.domain.search.reach import Method, reach, reachable
from microindex.domain.search.request import SearchRequest, SortOrder
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.indexing import catch_up
from microindex.service.nodes import add_node
from microindex.service.search import NearRequest, search_near
from microindex.service.stock import receive
from tests.search.conftest import CATALOG

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
HOME = Location(51.5200, -0.1000)
SHOP = Node(
    NodeCode("shopfront"),
    NodeKind.STORE,
    "Shop",
    Location(51.5230, -0.1000),
    OpeningHours.every_day(time(9), time(18)),
    Capabilities(pickup=True, preparation_minutes=15),
)
VAN = Node(
    NodeCode("van"),
    NodeKind.VAN,
    "Van",
    Location(51.5600, -0.1000),
    capabilities=Capabilities(
        local_delivery_radius_km=10, local_delivery_speed_kmh=20, preparation_minutes=10
    ),
)
FAR = Node(
    NodeCode("far"),
    NodeKind.STORE,
    "Far",
    Location(52.2, 0.12),
    capabilities=Capabilities(pickup=True, local_delivery_radius_km=5, local_delivery_speed_kmh=30),
)


def test_pickup_is_ready_after_preparation_when_open() -> None:
    option = reach(SHOP, HOME, NOW, pickup_km=5)
    assert option is not None and option.method is Method.PICKUP
    assert option.ready_by == NOW + timedelta(minutes=15) and option.minutes == 15


def test_a_closed_shop_prepares_from_opening_time() -> None:
    option = reach(SHOP, HOME, NOW.replace(hour=20), pickup_km=5)
    assert option is not None and option.ready_by == datetime(2026, 3, 3, 9, 15, tzinfo=UTC)


def test_delivery_adds_the_drive_at_the_vans_speed() -> None:
    option = reach(VAN, HOME, NOW, pickup_km=5)
    assert option is not None and option.method is Method.LOCAL_DELIVERY
    assert option.minutes == 24  # 10 minutes to prepare, 4.45 km at 20 km/h


def test_nodes_out_of_range_do_not_serve() -> None:
    assert set(reachable([SHOP, VAN, FAR], HOME, NOW)) == {"shopfront", "van"}
    assert set(reachable([SHOP, VAN, FAR], HOME, NOW, within_minutes=20)) == {"shopfront"}


def hub_with_stock() -> tuple[MemoryDatabase, TantivyIndex]:
    hub = MemoryDatabase()
    for node in (SHOP, VAN, FAR):
        add_node(hub, node)
    import_products(hub, ParsedCatalog(CATALOG), NOW)
    receive(hub, "shopfront", "MUG-1", 1, NOW)  # replicated ledgers at the hub
    receive(hub, "van", "MUG-2", 5, NOW)
    receive(hub, "far", "SOF-1", 2, NOW)
    index = TantivyIndex()
    catch_up(index, hub, None)
    return hub, index


def test_near_me_returns_only_what_nodes_serving_the_customer_hold() -> None:
    _, index = hub_with_stock()
    request = NearRequest(SearchRequest("", limit=50), HOME, NOW)
    result = search_near(index, request, [SHOP, VAN, FAR])
    assert {h.sku for h in result.hits} == {"MUG-1", "MUG-2"}
    for hit in result.hits:
        assert hit.reach and hit.reach[0].node in {"shopfront", "van"}
        assert hit.reach[0].ready_by > NOW


def test_the_sooner_of_equally_relevant_hits_ranks_first() -> None:
    assert near_score(2.0, 15) > near_score(2.0, 24)
    assert near_score(2.0, 120) == near_score(1.0, 0)


def test_near_me_sorted_by_ready_by_puts_the_soonest_first() -> None:
    _, index = hub_with_stock()
    by_time = NearRequest(SearchRequest("mug ", sort=SortOrder.READY_BY), HOME, NOW)
    hits = search_near(index, by_time, [SHOP, VAN, FAR]).hits
    assert [(h.sku, h.reach[0].node) for h in hits] == [("MUG-1", "shopfront"), ("MUG-2", "van")]
    assert hits[0].reach[0].method is Method.PICKUP


def test_near_me_facets_count_only_reachable_stock() -> None:
    _, index = hub_with_stock()
    result = search_near(index, NearRequest(SearchRequest(""), HOME, NOW), [SHOP, VAN, FAR])
    assert result.facets is not None
    assert {(v.value, v.count) for v in result.facets.categories} == {("Kitchen", 2)}


def test_nobody_serving_means_no_hits() -> None:
    _, index = hub_with_stock()
    nowhere = NearRequest(SearchRequest(""), Location(40.0, -3.7), NOW)
    assert search_near(index, nowhere, [SHOP, VAN, FAR]).hits == []
