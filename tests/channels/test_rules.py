"""Channel rules: availability words, staleness downgrades, prices, identifiers, signatures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from microindex.domain.channels.figures import (
    DAY_S,
    Availability,
    Confidence,
    FigureSource,
    StaleRule,
    State,
    exact,
    publish,
    trusted_for_s,
)
from microindex.domain.channels.items import identifiers
from microindex.domain.channels.mapping import (
    Spoken,
    google_availability,
    local_availability,
    meta_availability,
    voice_availability,
)
from microindex.domain.channels.newsletter import restocks, tag_uri
from microindex.domain.channels.price import amount_micros, feed_price, price_at, sale_window
from microindex.domain.channels.voice import question_terms
from microindex.domain.channels.webhook import (
    Outcome,
    RetryPolicy,
    after_attempt,
    sign,
    verify,
)
from microindex.domain.codes import Sku
from microindex.domain.errors import InvalidValue
from microindex.domain.money import Money
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.product import Product

from .conftest import gbp, products

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("quantity", "words"),
    [
        (0, "out_of_stock"),
        (1, "limited_availability"),
        (2, "limited_availability"),
        (3, "in_stock"),
        (40, "in_stock"),
    ],
)
def test_local_inventory_is_in_stock_at_three_limited_at_one_or_two_out_at_zero(
    quantity: int, words: str
) -> None:
    assert local_availability(exact("shop", "MUG", quantity)) == words


def test_prices_are_written_with_their_minor_units_and_currency() -> None:
    assert feed_price(gbp("12.5")) == "12.50 GBP"
    assert feed_price(gbp("20")) == "20.00 GBP"
    assert feed_price(Money(Decimal("1500"), "JPY")) == "1500 JPY"
    assert feed_price(Money(Decimal("1.250"), "KWD")) == "1.250 KWD"


def test_the_merchant_api_gets_prices_in_micros() -> None:
    assert amount_micros(gbp("12.50")) == 12_500_000


def test_a_sale_window_comes_from_the_product_and_bounds_the_sale_price() -> None:
    plate = products()[1]
    window = sale_window(plate)
    assert str(window) == "2026-03-01T00:00:00Z/2026-03-31T23:59:59Z"
    assert price_at(plate, datetime(2026, 3, 15, tzinfo=UTC)) == gbp("15.00")
    assert price_at(plate, datetime(2026, 4, 2, tzinfo=UTC)) == gbp("20")


def test_a_product_without_gtin_or_mpn_says_identifier_exists_no() -> None:
    plain = Product(Sku("X-1"), "Thing", gbp("1"), brand="Maker")
    assert identifiers(plain)["identifier_exists"] == "no"
    with_mpn = Product(Sku("X-2"), "Thing", gbp("1"), brand="Maker", attributes=(("mpn", "M-7"),))
    assert "identifier_exists" not in identifiers(with_mpn)
    assert identifiers(products()[0])["gtin"] == "5012345678900"


def test_preorder_and_backorder_carry_their_dates_and_meta_has_its_own_words() -> None:
    vase = products()[2]
    assert google_availability(vase, 0, date(2026, 3, 2)) == ("preorder", "2026-04-01")
    assert google_availability(vase, 0, date(2026, 4, 2)) == ("out_of_stock", "")  # no date
    dated = replace(vase, attributes=(("restock_date", "2026-05-01"),))
    assert google_availability(dated, 0, date(2026, 4, 2)) == ("backorder", "2026-05-01")
    assert google_availability(dated, 0, date(2026, 5, 1)) == ("out_of_stock", "")  # passed
    assert meta_availability(vase, 0, date(2026, 4, 2)) == "available for order"
    assert meta_availability(products()[0], 4, date(2026, 4, 2)) == "in stock"
    assert meta_availability(products()[0], 0, date(2026, 4, 2)) == "out of stock"


def figure(
    age: timedelta,
    quantity: int = 10,
    rate: float = 4.0,
    source: FigureSource = FigureSource.LEDGER,
) -> Availability:
    return Availability("shop", "MUG", quantity, NOW - age, source, rate)


def test_a_fresh_figure_is_shown_as_it_is() -> None:
    shown = publish(figure(timedelta(0)), NOW, StaleRule())
    assert (shown.quantity, shown.confidence) == (10, Confidence.EXACT)


def test_an_older_figure_is_shown_less_a_buffer_that_grows_with_its_age() -> None:
    rule = StaleRule(max_buffer=5)
    buffers = [publish(figure(timedelta(hours=h)), NOW, rule).buffer for h in (1, 3, 6, 9)]
    assert buffers == sorted(buffers) and buffers[-1] > buffers[0] > 0
    shown = publish(figure(timedelta(hours=3)), NOW, rule)
    assert shown.confidence is Confidence.BUFFERED and shown.quantity == 10 - shown.buffer


def test_past_the_largest_buffer_a_figure_is_limited_then_unknown_past_the_age_limit() -> None:
    old = figure(timedelta(days=1))
    limited = publish(old, NOW, StaleRule(max_buffer=2))
    assert (limited.quantity, limited.confidence, limited.state) == (
        1,
        Confidence.LIMITED,
        State.LIMITED,
    )
    assert limited.buffer == 0  # limited is staleness, not a safety buffer
    withheld = publish(old, NOW, StaleRule(max_buffer=2, withhold_after_s=DAY_S / 2))
    assert (withheld.quantity, withheld.state) == (0, State.UNKNOWN)
    assert local_availability(limited) == "limited_availability"
    assert voice_availability(limited) == Spoken(True, 0)  # yes, but no count it cannot back
    assert voice_availability(withheld).in_stock is None


def test_a_buffer_never_holds_back_more_than_the_figure_had() -> None:
    shown = publish(figure(timedelta(hours=6), quantity=2), NOW, StaleRule(max_buffer=5))
    assert shown.confidence is Confidence.BUFFERED and shown.buffer == 2
    assert (shown.quantity, shown.state) == (0, State.OUT_OF_STOCK)


def test_past_the_hard_age_limit_nothing_is_promised_and_escrow_stays_firm() -> None:
    rule = StaleRule(withhold_after_s=DAY_S)
    assert publish(figure(timedelta(days=2), rate=0), NOW, rule).confidence is Confidence.WITHHELD
    firm = publish(figure(timedelta(days=9), source=FigureSource.ESCROW), NOW, rule)
    assert (firm.quantity, firm.confidence) == (10, Confidence.EXACT)


def test_the_ttl_follows_sync_md_trust_horizons() -> None:
    rule = StaleRule(epsilon=0.01, withhold_after_s=1e12)
    # at one unit a day, B = 1 may be trusted for lambda*T <= 0.149 days, B = 3 for 0.823
    assert trusted_for_s(rule, 1.0, 1) / DAY_S == pytest.approx(0.149, abs=0.001)
    assert trusted_for_s(rule, 1.0, 3) / DAY_S == pytest.approx(0.823, abs=0.001)
    assert trusted_for_s(rule, 2.0, 5) / DAY_S == pytest.approx(1.785 / 2, abs=0.001)


def test_a_figure_refuses_a_naive_time_and_a_negative_quantity() -> None:
    with pytest.raises(InvalidValue):
        Availability("shop", "MUG", 1, datetime(2026, 1, 1), FigureSource.LEDGER)
    with pytest.raises(InvalidValue):
        Availability("shop", "MUG", -1, NOW, FigureSource.LEDGER)


def test_a_webhook_signature_verifies_and_refuses_tampering_and_old_timestamps() -> None:
    body, secret = b'{"sku":"MUG"}', b"s3cret"
    signature = sign(secret, 1_700_000_000, body)
    assert signature.startswith("v1=") and len(signature) == 67
    assert verify(secret, 1_700_000_000, body, signature, 1_700_000_100)
    assert not verify(secret, 1_700_000_000, body + b" ", signature, 1_700_000_100)
    assert not verify(b"other", 1_700_000_000, body, signature, 1_700_000_100)
    assert not verify(secret, 1_700_000_000, body, signature, 1_700_001_000)


def test_webhook_retries_back_off_honour_retry_after_and_give_up() -> None:
    policy = RetryPolicy(max_attempts=3, first_delay_s=10, factor=2)
    assert after_attempt(policy, 1, 200, NOW, 0.5).outcome is Outcome.DELIVERED
    assert after_attempt(policy, 1, 400, NOW, 0.5).outcome is Outcome.GIVE_UP
    first = after_attempt(policy, 1, 503, NOW, 0.0)
    second = after_attempt(policy, 2, None, NOW, 0.999)
    assert first.outcome is Outcome.RETRY and first.retry_at == NOW + timedelta(seconds=5)
    assert second.retry_at is not None and second.retry_at <= NOW + timedelta(seconds=20)
    later = after_attempt(policy, 1, 429, NOW, 0.0, retry_after_s=120)
    assert later.retry_at == NOW + timedelta(seconds=120)
    assert after_attempt(policy, 3, 500, NOW, 0.0).outcome is Outcome.GIVE_UP


def test_a_restock_is_a_movement_that_brings_a_sku_back_from_zero() -> None:
    def move(seq: int, quantity: int, kind: MovementKind) -> Movement:
        return Movement("van", seq, "MUG", quantity, kind, NOW + timedelta(minutes=seq))

    ledger = [
        move(1, 3, MovementKind.RECEIVE),
        move(2, -3, MovementKind.SELL),
        move(3, 2, MovementKind.TRANSFER_IN),
        move(4, 1, MovementKind.RECEIVE),
    ]
    found = list(restocks(ledger, {}))
    assert [(r.seq, r.quantity) for r in found] == [(1, 3), (3, 2)]
    assert (
        tag_uri("https://shop.example", NOW, "restock/van/3")
        == "tag:shop.example,2026-03-02:restock/van/3"
    )


def test_a_voice_question_keeps_only_the_words_that_name_the_product() -> None:
    assert question_terms("Is the blue mug in stock near me?") == "blue mug"
