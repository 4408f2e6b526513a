"""The promise engine's rules, on the demo's three London nodes."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microindex.demo.scenario import NODES
from microindex.domain.node import Location
from microindex.domain.promise import plans
from microindex.domain.promise.candidates import Candidate
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import SHOPIFY_CHAINS, CannotPromise, decide

SHOP, LOCKER, VAN = (
    NODES  # shopfront (Mon-Sat 10-18, Sun 11-17), locker (always), van (Tue-Sat 9-19)
)
HACKNEY = Location(51.5400, -0.0600)  # near the shopfront and the van's base
CAMDEN = Location(51.5390, -0.1426)  # near the locker, 6 km from the shop
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TUESDAY_23 = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)


def order(
    method: Method,
    *lines: tuple[str, int],
    customer: Location | None = HACKNEY,
    at: datetime = TUESDAY_10,
    **kw: object,
) -> OrderRequest:
    return OrderRequest(tuple(OrderLine(s, q) for s, q in lines), method, at, customer, **kw)  # type: ignore[arg-type]


def cands(shop: dict[str, int], locker: dict[str, int], van: dict[str, int]) -> list[Candidate]:
    return [Candidate(SHOP, shop), Candidate(LOCKER, locker), Candidate(VAN, van)]


def test_a_single_node_that_holds_everything_gets_the_whole_order() -> None:
    decision = decide(
        order(Method.LOCAL_DELIVERY, ("MUG", 2), ("BOWL", 1)),
        cands({"MUG": 5, "BOWL": 1}, {}, {"MUG": 1}),
    )
    assert decision.plan.nodes == ("shopfront",)
    assert decision.plan.units() == {"MUG": 2, "BOWL": 1}
    assert "not van: holds online only 1 of 2 MUG, 0 of 1 BOWL" in decision.why
    assert "not locker: does not deliver locally" in decision.why


def test_an_order_is_split_only_when_no_single_node_can_fulfil_it() -> None:
    decision = decide(
        order(Method.LOCAL_DELIVERY, ("MUG", 3), ("BOWL", 1)),
        cands({"MUG": 2}, {}, {"MUG": 1, "BOWL": 1}),
    )
    assert sorted(decision.plan.nodes) == ["shopfront", "van"]
    assert decision.plan.units() == {"MUG": 3, "BOWL": 1}


def test_pickup_goes_to_the_node_the_shopper_chose() -> None:
    decision = decide(
        order(Method.PICKUP, ("MUG", 1), customer=None, pickup_node="locker"),
        cands({"MUG": 5}, {"MUG": 1}, {"MUG": 5}),
    )
    assert decision.plan.nodes == ("locker",)
    assert "not van: does not offer pickup" in decision.why


def test_local_delivery_is_refused_beyond_the_radius() -> None:
    with pytest.raises(CannotPromise, match="beyond its 5 km"):
        decide(
            order(Method.LOCAL_DELIVERY, ("MUG", 1), customer=Location(51.60, -0.30)),
            cands({"MUG": 5}, {}, {}),
        )


def test_a_node_closed_at_night_is_ready_the_next_morning() -> None:
    decision = decide(
        order(Method.PICKUP, ("MUG", 1), at=TUESDAY_23, customer=None, pickup_node="shopfront"),
        cands({"MUG": 1}, {}, {}),
    )
    assert decision.plan.ready_by == datetime(2026, 11, 25, 10, 20, tzinfo=UTC)


def test_the_always_open_locker_beats_a_closed_shop_at_night() -> None:
    decision = decide(
        order(Method.PICKUP, ("MUG", 1), at=TUESDAY_23, customer=HACKNEY, pickup_km=10),
        cands({"MUG": 1}, {"MUG": 1}, {}),
    )
    assert decision.plan.nodes == ("locker",)
    assert any(line.startswith("not shopfront: lost on fastest") for line in decision.why)


def test_a_parcel_ready_after_the_carrier_cutoff_ships_the_next_working_day() -> None:
    before = decide(
        order(Method.SHIP, ("MUG", 1), at=datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        cands({"MUG": 1}, {}, {}),
    )
    after = decide(
        order(Method.SHIP, ("MUG", 1), at=datetime(2026, 11, 24, 16, 0, tzinfo=UTC)),
        cands({"MUG": 1}, {}, {}),
    )
    assert before.plan.promised_by.date() == date(2026, 11, 25)
    assert after.plan.promised_by.date() == date(2026, 11, 26)
    friday_late = decide(
        order(Method.SHIP, ("MUG", 1), at=datetime(2026, 11, 27, 16, 0, tzinfo=UTC)),
        cands({"MUG": 1}, {}, {}),
    )
    assert friday_late.plan.promised_by.date() == date(2026, 12, 1)  # Mon collection, Tue


def test_a_deadline_no_plan_meets_is_refused_with_the_reason() -> None:
    with pytest.raises(CannotPromise, match="nothing arrives by"):
        decide(
            order(Method.SHIP, ("MUG", 1), deadline=TUESDAY_10.replace(hour=12)),
            cands({"MUG": 1}, {}, {}),
        )


def test_a_van_out_on_its_round_delivers_from_where_it_is() -> None:
    far = Candidate(VAN, {"MUG": 1}, position=Location(51.5600, -0.0300))
    near = Candidate(VAN, {"MUG": 1}, position=Location(51.5401, -0.0601))
    slow = decide(order(Method.LOCAL_DELIVERY, ("MUG", 1)), [far]).plan.promised_by
    fast = decide(order(Method.LOCAL_DELIVERY, ("MUG", 1)), [near]).plan.promised_by
    assert fast < slow


def test_a_locker_without_a_free_compartment_is_not_sent_the_order() -> None:
    full = Candidate(LOCKER, {"MUG": 3}, fits=False)
    with pytest.raises(CannotPromise, match="no free compartment"):
        decide(order(Method.PICKUP, ("MUG", 1), customer=None, pickup_node="locker"), [full])


def test_shopify_rules_are_rule_chains() -> None:
    shop = Candidate(replace(SHOP, priority=2), {"MUG": 1})
    locker = Candidate(replace(LOCKER, priority=1), {"MUG": 1})
    camden = order(Method.SHIP, ("MUG", 1), customer=CAMDEN)
    assert decide(camden, [shop, locker], SHOPIFY_CHAINS["ship_from_closest"]).plan.nodes == (
        "shopfront",
    )  # the locker is closer but does not ship
    shipping_locker = replace(
        LOCKER,
        capabilities=replace(LOCKER.capabilities, ships=True, carrier_cutoff=time(15)),
        priority=2,
    )
    both = [
        Candidate(replace(SHOP, priority=3), {"MUG": 1}),
        Candidate(shipping_locker, {"MUG": 1}),
    ]
    assert decide(camden, both, SHOPIFY_CHAINS["ship_from_closest"]).plan.nodes == ("locker",)
    assert decide(camden, both, SHOPIFY_CHAINS["location_priority"]).plan.nodes == ("locker",)
    both[0] = Candidate(replace(SHOP, priority=1), {"MUG": 1})  # the seller ranks it first
    assert decide(camden, both, SHOPIFY_CHAINS["location_priority"]).plan.nodes == ("shopfront",)


def test_a_popup_closing_soon_is_drained_first_when_asked() -> None:
    popup = Candidate(VAN, {"MUG": 2}, closes_on=date(2026, 11, 29))
    shop = Candidate(SHOP, {"MUG": 2})
    chosen = decide(
        order(Method.LOCAL_DELIVERY, ("MUG", 1)), [shop, popup], ("drain_closing", "fastest")
    )
    assert chosen.plan.nodes == ("van",)


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown routing rules"):
        decide(order(Method.SHIP, ("MUG", 1)), cands({"MUG": 1}, {}, {}), ("cheapest",))


rights = st.dictionaries(st.sampled_from(["MUG", "BOWL", "VASE"]), st.integers(0, 4))


@settings(max_examples=150, deadline=None)
@given(
    shop=rights,
    locker=rights,
    van=rights,
    wanted=st.dictionaries(st.sampled_from(["MUG", "BOWL", "VASE"]), st.integers(1, 5), min_size=1),
    method=st.sampled_from(list(Method)),
    hour=st.integers(0, 23),
)
def test_no_plan_promises_more_than_the_rights_held_and_every_promise_has_a_time(
    shop: dict[str, int],
    locker: dict[str, int],
    van: dict[str, int],
    wanted: dict[str, int],
    method: Method,
    hour: int,
) -> None:
    request = order(method, *wanted.items(), at=TUESDAY_10.replace(hour=hour), pickup_km=10)
    candidates = cands(shop, locker, van)
    try:
        decision = decide(request, candidates)
    except CannotPromise:
        return
    held = {c.code: c.online for c in candidates}
    assert decision.plan.units() == wanted
    for leg in decision.plan.legs:
        for sku, quantity in leg.lines:
            assert 0 < quantity <= held[leg.node].get(sku, 0)
        assert request.placed_at <= leg.reach.ready <= leg.reach.arrives


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata"])
def test_the_reasons_show_times_as_strftime_would(zone: str) -> None:
    """`plans._when` writes `%a %d %b %H:%M %Z` by hand: the same text, any day and zone."""
    start = datetime(2026, 1, 1, 0, 7, tzinfo=ZoneInfo(zone))
    for hours in range(0, 24 * 400, 37):
        at = (start + timedelta(hours=hours)).astimezone(ZoneInfo(zone))
        assert plans._when(at) == f"{at:%a %d %b %H:%M %Z}"
    naive = datetime(2026, 3, 29, 1, 30)
    assert plans._when(naive) == f"{naive:%a %d %b %H:%M %Z}"
