"""The allocation maths: Poisson tails, the marginal split, low-water marks, TTLs, schedules."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.sync.allocation import (
    Freshness,
    SyncBounds,
    freshness,
    low_water,
    poisson_at_least,
    published,
    split,
    sync_interval,
    trust_horizon,
    ttl_s,
)


def _exact(k: int, mu: float) -> float:
    return 1 - sum(math.exp(-mu) * mu**i / math.factorial(i) for i in range(k))


@pytest.mark.parametrize(("k", "mu"), [(1, 0.008), (3, 0.008), (5, 2.0), (2, 5.0), (10, 3.0)])
def test_poisson_tails_match_the_closed_form(k: int, mu: float) -> None:
    assert poisson_at_least(k, mu) == pytest.approx(_exact(k, mu), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(("buffer", "mu_star"), [(1, 0.149), (3, 0.823), (5, 1.785)])
def test_the_trust_horizon_matches_the_table_in_sync_md(buffer: int, mu_star: float) -> None:
    assert trust_horizon(buffer, 0.01) == pytest.approx(mu_star, abs=0.0005)


def test_a_ttl_is_the_trust_horizon_over_the_demand_rate() -> None:
    assert ttl_s(3, 0.01, 1 / 3600) == pytest.approx(0.823 * 3600, rel=1e-3)
    assert ttl_s(3, 0.01, 0.0) == math.inf
    assert published(5, 3) == 2 and published(2, 3) == 0


def test_figures_past_their_ttl_are_limited_then_unknown() -> None:
    assert freshness(10, 60) is Freshness.FRESH
    assert freshness(100, 60) is Freshness.LIMITED
    assert freshness(121, 60) is Freshness.UNKNOWN


@given(st.integers(0, 60), st.floats(0, 30), st.floats(0, 30))
def test_a_split_gives_each_side_between_nothing_and_everything(
    total: int, mu_local: float, mu_hub: float
) -> None:
    assert 0 <= split(total, mu_local, mu_hub) <= total


@given(st.integers(1, 40), st.floats(0.01, 20), st.floats(0.01, 20), st.floats(1.01, 5))
def test_more_local_demand_never_means_fewer_local_rights(
    total: int, mu_local: float, mu_hub: float, factor: float
) -> None:
    assert split(total, mu_local * factor, mu_hub) >= split(total, mu_local, mu_hub)


def test_an_often_offline_van_keeps_more_rights_than_a_node_that_syncs_often() -> None:
    rate_local, rate_hub = 1 / 3600, 2 / 3600
    short, long = 600, 4 * 3600
    assert split(20, rate_local * long, rate_hub * long) > split(
        20, rate_local * short, rate_hub * short
    )
    assert split(20, rate_local * short, rate_hub * short) <= 3


def test_low_water_is_mu_plus_z_sqrt_mu() -> None:
    assert low_water(4.0, 1.645) == math.ceil(4 + 1.645 * 2)
    assert low_water(0.0) == 0


def test_busy_nodes_sync_more_often_within_the_bounds() -> None:
    bounds = SyncBounds(shortest_s=60, longest_s=3600, budget=30)
    busy, idle = sync_interval(10 / 3600, bounds), sync_interval(0.1 / 3600, bounds)
    assert 60 <= busy < idle <= 3600
    assert sync_interval(0.0, bounds) == 3600
    assert sync_interval(1e6, bounds) == 60
    assert sync_interval(4 / 3600, bounds) == pytest.approx(sync_interval(1 / 3600, bounds) / 2)


def _split_one_tail_at_a_time(total: int, mu_local: float, mu_hub: float, pool: float) -> int:
    """`split` as it was before ADR 0054: both sides' tails computed again for every unit."""
    local = hub = 0
    for _ in range(max(0, total)):
        want_local = poisson_at_least(local + 1, mu_local)
        if want_local < pool:
            break
        if want_local > poisson_at_least(hub + 1, mu_hub):
            local += 1
        else:
            hub += 1
    return local


@given(
    st.integers(-2, 150),
    st.one_of(st.floats(0, 200), st.sampled_from([0.0, 1.0, 5.0, 1e-9, 1e6])),
    st.one_of(st.floats(0, 200), st.sampled_from([0.0, 1.0, 5.0, 1e-9, 1e6])),
    st.sampled_from([0.0, 0.001, 0.01, 0.05, 0.5, 1.0]),
)
def test_a_split_that_keeps_each_sides_tail_gives_what_recomputing_both_gave(
    total: int, mu_local: float, mu_hub: float, pool: float
) -> None:
    assert split(total, mu_local, mu_hub, pool) == _split_one_tail_at_a_time(
        total, mu_local, mu_hub, pool
    )


@pytest.mark.parametrize("mu", [0.0, 0.011, 0.5, 1.0, 3.7, 12.0, 40.0])
def test_a_split_of_equal_demand_matches_recomputing_both_tails(mu: float) -> None:
    for total in range(60):
        assert split(total, mu, mu) == _split_one_tail_at_a_time(total, mu, mu, 0.01)
        assert split(total, mu, mu / 3) == _split_one_tail_at_a_time(total, mu, mu / 3, 0.01)


@pytest.fixture
def tails_taken(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rank of each whole Poisson tail `split` takes from here on."""
    from microindex.domain.sync import allocation

    calls: list[int] = []
    real = allocation.poisson_at_least

    def counted(k: int, mu: float) -> float:
        calls.append(k)
        return real(k, mu)

    monkeypatch.setattr(allocation, "poisson_at_least", counted)
    return calls


def test_a_split_whose_hub_wants_every_unit_left_takes_a_few_tails_not_one_a_unit(
    tails_taken: list[int],
) -> None:
    """A huge online demand (an order of a million units counts, refused or not) and a node
    holding many units: the split stays exact and does not take one tail per unit (each tail
    as long as the unit's rank), which stopped a sync for hours at 2,000,000 units."""
    assert split(5_000, 0.15, 7.5e18) == _split_one_tail_at_a_time(5_000, 0.15, 7.5e18, 0.01)
    tails_taken.clear()
    assert split(5_000, 0.15, 7.5e18) == 0
    assert len(tails_taken) < 10, len(tails_taken)


def _tail_in_decimal(k: int, mu: float) -> float:
    """P(Poisson(mu) >= k) summed in 60-digit decimals, where exp(-mu) does not underflow."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 60
        m = Decimal(mu)
        term, below = (-m).exp(), Decimal(0)
        for i in range(k):
            below += term
            term = term * m / (i + 1)
        return float(1 - below)


@pytest.mark.parametrize(
    ("k", "mu"), [(1000, 1000.0), (1001, 1000.0), (900, 1000.0), (1100, 1000.0), (760, 800.0)]
)
def test_poisson_tails_of_a_mean_past_745_are_right(k: int, mu: float) -> None:
    """exp(-mu) is 0.0 in floats past 745: the tails were 1.0 or 0.0 there, whatever k."""
    assert poisson_at_least(k, mu) == pytest.approx(_tail_in_decimal(k, mu), rel=1e-9, abs=1e-15)


def test_a_split_of_a_large_mean_gives_the_node_the_units_it_will_likely_need() -> None:
    """Equal means of 1,500 units over tau: the node keeps units while it is at least 1% likely
    to need them, about mu + 2.33 sqrt(mu); the tails steps agree with the tails summed."""
    local = split(5_000, 1500.0, 1500.0)
    assert local == _split_one_tail_at_a_time(5_000, 1500.0, 1500.0, 0.01)
    assert poisson_at_least(local, 1500.0) >= 0.01 > poisson_at_least(local + 1, 1500.0)


def test_a_split_of_busy_sides_takes_a_step_a_unit_not_a_tail(tails_taken: list[int]) -> None:
    """A node and a hub each expecting 10,000 units over tau, 200,000 units held (a bulk
    order of a million units counts in the online rate even when refused): each unit is one
    step of its side's tail, where a tail a unit took seconds to minutes and stopped a sync."""
    local = split(200_000, 1e4, 1e4)
    assert len(tails_taken) < 10, len(tails_taken)
    assert _tail_in_decimal(local, 1e4) >= 0.01 > _tail_in_decimal(local + 1, 1e4)
