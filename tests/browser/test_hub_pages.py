"""The dashboard and the staff page in Chromium, against the hub served over loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest

with suppress(ImportError):  # the `browser` fixture says why: a skip, or in CI a failure
    from playwright.sync_api import expect

from tests.browser.conftest import Hub, new_context

pytestmark = pytest.mark.slow

EAST = {"lat": 51.545, "lon": 0.04}  # beyond the shopfront's radius: only the van delivers


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = new_context(
        browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    opened = context.new_page()
    yield opened
    context.close()


def test_the_dashboard_opens_from_its_login_link_with_charts_of_real_data(
    page: Any, hub: Hub, save_screenshot: Any
) -> None:
    page.goto(hub.login_url)
    assert page.url == f"{hub.url}/"
    sales_bars = page.locator("#sales-chart svg rect.bar")
    assert sales_bars.count() >= 8 * 3
    heights = [
        float(h) for h in sales_bars.evaluate_all("bars => bars.map(b => b.getAttribute('height'))")
    ]
    assert sum(h > 0 for h in heights) > len(heights) // 2
    assert (
        page.locator("#value-chart svg rect.bar").count() == 4
    )  # shopfront, locker, van and the market-stall pop-up
    assert page.locator("#nodes tbody tr").count() == 4
    assert page.locator("#movements tbody tr").count() > 10
    today = page.locator("#nodes-today")
    expect(today.locator("#today-lockers")).to_contain_text(re.compile(r"locker: 1 busy, \d+ free"))
    assert today.locator("#today-lockers tbody tr").count() == 1  # the demo's locker pickup
    expect(today.locator("#today-rounds")).to_contain_text("van: 4 stops")
    assert today.locator("#today-rounds ol.stops li").count() == 4
    # The pop-up weekend's transfers were received, and the weekend is over.
    expect(today.locator("#today-transfers")).to_contain_text("No transfers on the way.")
    expect(today.locator("#today-popups")).to_contain_text("No pop-ups open or coming up.")
    save_screenshot(page, "dashboard.png", full_page=True)


def _sign_in(page: Any, hub: Hub) -> None:
    page.goto(f"{hub.url}/login")
    page.fill("#token", hub.secrets["admin"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{hub.url}/")


def test_the_dashboard_shows_the_governance_kpis_and_orders_by_step(page: Any, hub: Hub) -> None:
    _sign_in(page, hub)
    for card in ("fill", "order-fill", "fulfilment", "returns", "listings"):
        chart = page.locator(f"#{card}-chart")
        assert chart.locator("svg rect").count() + chart.locator(".not-measured").count() > 0
    # One bar per node that sold: shopfront, locker, van and the market stall's weekend.
    assert page.locator("#fill-chart svg rect").count() == 4
    assert page.locator("#fulfilment-chart table tbody tr").count() >= 1
    assert page.locator("#orders tbody tr").count() >= 1


def _search(page: Any, hub: Hub, text: str) -> list[str]:
    _sign_in(page, hub)
    page.fill("input[name=q]", text)
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"\?q="))
    return [str(t) for t in page.locator("#stock tbody tr td:nth-child(1)").all_inner_texts()]


def test_the_dashboard_search_box_finds_stock_by_title(page: Any, hub: Hub) -> None:
    _search(page, hub, "butter dish")
    titles = page.locator("#stock tbody tr td:nth-child(2)").all_inner_texts()
    assert titles and all("butter dish" in t.lower() for t in titles)
    assert re.match(r"\d+ SKUs? matching", page.inner_text("#stock-count"))


def test_an_exact_sku_search_puts_that_sku_first(page: Any, hub: Hub) -> None:
    sku = _a_van_sku(page, hub)
    assert _search(page, hub, sku)[0] == sku


def test_a_typo_still_finds_the_speckled_bowls(page: Any, hub: Hub) -> None:
    _search(page, hub, "speckld bowl")
    titles = page.locator("#stock tbody tr td:nth-child(2)").all_inner_texts()
    assert titles and all("speckled" in t.lower() and "bowl" in t.lower() for t in titles[:2])


def test_on_the_staff_page_an_item_is_received_then_sold_and_on_hand_follows(
    phone: Any, hub: Hub, save_screenshot: Any
) -> None:
    phone.goto(f"{hub.url}/staff/van")
    phone.fill("#token", hub.secrets["staff_van"])
    phone.click("#sign-in-form button")
    phone.wait_for_selector("#scan:not([hidden])")
    sku = _a_van_sku(phone, hub)
    phone.fill("#code", sku)
    phone.press("#code", "Enter")
    phone.wait_for_selector("#item:not([hidden])")
    on_hand = _on_hand(phone)
    phone.fill("#quantity", "3")
    phone.click("[data-action=receive]")
    expect(phone.locator("#on-hand")).to_have_text(str(on_hand + 3))
    phone.fill("#quantity", "1")
    phone.click("[data-action=sell]")
    expect(phone.locator("#on-hand")).to_have_text(str(on_hand + 2))
    assert re.fullmatch(rf"Sold 1 × {sku}, sale van#\d+", phone.inner_text("#message"))
    expect(phone.locator("#today")).to_contain_text(f"sell -1  {sku}")
    expect(phone.locator("#today")).to_contain_text(f"receive +3  {sku}")
    save_screenshot(phone, "staff.png", full_page=True)


def test_the_staff_page_refuses_another_nodes_token(phone: Any, hub: Hub) -> None:
    phone.goto(f"{hub.url}/staff/van")
    phone.fill("#token", hub.secrets["staff_locker"])
    phone.click("#sign-in-form button")
    phone.wait_for_selector("#message.problem")
    assert "may not read-ledger for node 'van'" in phone.inner_text("#message")
    assert phone.locator("#scan").is_hidden()


def _a_van_sku(page: Any, hub: Hub, online: bool = False) -> str:
    """A SKU the van holds (with `online`: one the hub may promise there)."""
    lines = page.request.get(
        f"{hub.url}/api/v1/stock?node=van",
        headers={"Authorization": f"Bearer {hub.secrets['staff_van']}"},
    ).json()
    return str(next(line["sku"] for line in lines if line["online" if online else "on_hand"] > 0))


def _on_hand(page: Any) -> int:
    expect(page.locator("#on-hand")).to_have_text(re.compile(r"^\d+$"))
    return int(page.inner_text("#on-hand"))


def test_an_order_placed_for_the_van_is_in_its_picks_until_picked(phone: Any, hub: Hub) -> None:
    sku = _a_van_sku(phone, hub, online=True)
    placed = phone.request.post(
        f"{hub.url}/api/v1/orders",
        headers={
            "Authorization": f"Bearer {hub.secrets['channel']}",
            "Idempotency-Key": "browser-pick-1",
        },
        data={"lines": [{"sku": sku, "quantity": 1}], "method": "local_delivery", "customer": EAST},
    )
    assert placed.status == 201, placed.text()
    assert [part["node"] for part in placed.json()["parts"]] == ["van"]
    phone.goto(f"{hub.url}/staff/van")
    phone.fill("#token", hub.secrets["staff_van"])
    phone.click("#sign-in-form button")
    pick = phone.locator("#picks > li[data-order='browser-pick-1']")
    expect(pick).to_contain_text(f"1 × {sku}")
    expect(pick).to_contain_text("by ")
    pick.get_by_role("button", name="Picked").click()
    expect(pick).to_have_count(0)
    assert phone.inner_text("#message") == "Picked browser-pick-1"
    order = phone.request.get(
        f"{hub.url}/api/v1/orders/browser-pick-1",
        headers={"Authorization": f"Bearer {hub.secrets['staff_van']}"},
    ).json()
    assert order["parts"][0]["step"] == "picked"


def test_a_picked_order_is_packed_on_the_phone_in_the_package_scanned(phone: Any, hub: Hub) -> None:
    admin = {"Authorization": f"Bearer {hub.secrets['admin']}"}
    box = {"length_mm": 600, "width_mm": 500, "height_mm": 400, "max_weight_g": 30000,
           "cost": "1.20", "padding_mm": 20, "name": "Crate box"}  # fmt: skip
    made = phone.request.put(
        f"{hub.url}/api/v1/nodes/van/packages/crate-1", headers=admin, data=box
    )
    assert made.status == 200, made.text()
    sku = _a_van_sku(phone, hub, online=True)
    placed = phone.request.post(
        f"{hub.url}/api/v1/orders",
        headers={**admin, "Idempotency-Key": "browser-pack-1"},
        data={"lines": [{"sku": sku, "quantity": 1}], "method": "local_delivery", "customer": EAST},
    )
    assert placed.status == 201, placed.text()
    phone.goto(f"{hub.url}/staff/van")
    phone.fill("#token", hub.secrets["staff_van"])
    phone.click("#sign-in-form button")
    phone.locator("#picks > li[data-order='browser-pack-1']").get_by_role(
        "button", name="Picked"
    ).click()
    packing = phone.locator("#to-pack > li[data-order='browser-pack-1']")
    expect(packing).to_contain_text(f"1 × {sku}")
    packing.get_by_label("Package for browser-pack-1").fill("crate-1")  # as the scanner types
    packing.get_by_role("button", name="Packed").click()
    expect(packing).to_have_count(0)
    assert phone.inner_text("#message") == "Packed browser-pack-1 in crate-1"
    used = phone.request.get(f"{hub.url}/api/v1/packages/used?node=van", headers=admin).json()
    assert [(u["order"], u["package"]) for u in used] == [("browser-pack-1", "crate-1")]
