"""The staff page as staff and admins meet it: a SKU typed in any case, a count far from the
books asks first, and an admin from the dashboard needs no node secret."""

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


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = new_context(
        browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    opened = context.new_page()
    yield opened
    context.close()


def _sign_in(phone: Any, hub: Hub, node: str) -> None:
    phone.goto(f"{hub.url}/staff/{node}")
    phone.fill("#token", hub.secrets[f"staff_{node}"])
    phone.click("#sign-in-form button")
    phone.wait_for_selector("#scan:not([hidden])")


def _a_sku(phone: Any, hub: Hub, node: str) -> str:
    lines = phone.request.get(
        f"{hub.url}/api/v1/stock?node={node}",
        headers={"Authorization": f"Bearer {hub.secrets[f'staff_{node}']}"},
    ).json()
    return str(
        next(line["sku"] for line in sorted(lines, key=lambda x: x["sku"]) if line["on_hand"] > 0)
    )


def _look_up(phone: Any, code: str) -> int:
    phone.fill("#code", code)
    phone.press("#code", "Enter")
    phone.wait_for_selector("#item:not([hidden])")
    expect(phone.locator("#on-hand")).to_have_text(re.compile(r"^\d+$"))
    return int(phone.inner_text("#on-hand"))


def test_a_sku_typed_in_lower_case_is_found(phone: Any, hub: Hub) -> None:
    sku = _a_sku(phone, hub, "van")
    assert sku != sku.lower()
    _sign_in(phone, hub, "van")
    _look_up(phone, sku.lower())
    assert phone.inner_text("#item-sku") == sku
    assert "problem" not in (phone.get_attribute("#message", "class") or "")


def test_a_count_far_from_on_hand_asks_before_it_sets_the_stock(phone: Any, hub: Hub) -> None:
    sku = _a_sku(phone, hub, "locker")
    _sign_in(phone, hub, "locker")
    on_hand = _look_up(phone, sku)
    phone.fill("#quantity", str(on_hand + 10))
    phone.click("[data-action=count]")
    expect(phone.locator("#count-confirm")).to_be_visible()
    expect(phone.locator("#count-confirm-why")).to_contain_text(
        f"goes from {on_hand} to {on_hand + 10} (+10)"
    )
    phone.click("#count-cancel")
    assert phone.inner_text("#message") == "Not counted."
    assert _look_up(phone, sku) == on_hand  # nothing was written
    phone.fill("#quantity", str(on_hand + 10))
    phone.click("[data-action=count]")
    phone.click("#count-confirm-yes")
    expect(phone.locator("#on-hand")).to_have_text(str(on_hand + 10))
    phone.fill("#quantity", str(on_hand + 8))  # within a few units: no question
    phone.click("[data-action=count]")
    expect(phone.locator("#on-hand")).to_have_text(str(on_hand + 8))
    assert phone.locator("#count-confirm").is_hidden()


def test_an_admin_opens_a_nodes_staff_page_from_the_dashboard_without_its_secret(
    browser: Any, hub: Hub
) -> None:
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{hub.url}/login")
    page.fill("#token", hub.secrets["admin"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{hub.url}/")
    page.click("#nodes a[href='/staff/van']")
    page.wait_for_selector("#scan:not([hidden])")
    assert page.locator("#sign-in").is_hidden()
    expect(page.locator("#picks-card")).to_be_visible()
    _look_up(page, _a_sku(page, hub, "van"))
    context.close()


def test_without_a_dashboard_session_the_staff_page_asks_for_a_token(phone: Any, hub: Hub) -> None:
    phone.goto(f"{hub.url}/staff/van")
    expect(phone.locator("#sign-in")).to_be_visible()
    assert phone.locator("#app").get_attribute("data-session") is None


def test_a_kit_sells_from_the_staff_page_as_its_parts(phone: Any, hub: Hub) -> None:
    admin = {"Authorization": f"Bearer {hub.secrets['admin']}"}
    api = f"{hub.url}/api/v1"
    lines = phone.request.get(f"{api}/stock?node=van", headers=admin).json()
    held = {line["sku"]: line["on_hand"] for line in lines}
    parts = sorted(sku for sku, on_hand in held.items() if on_hand >= 2)[:2]
    kit = "KIT-PAGE-1"  # a new product: one holding stock of its own is not made a kit
    made = phone.request.post(
        f"{api}/catalog/import",
        data=f"sku,title,price,currency\n{kit},Breakfast set,30.00,GBP\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert made.ok, made.text()
    body = {"parts": [{"sku": parts[0], "quantity": 2}, {"sku": parts[1], "quantity": 1}]}
    assert phone.request.put(f"{api}/kits/{kit}", data=body, headers=admin).ok
    makes = min(held[parts[0]] // 2, held[parts[1]])
    _sign_in(phone, hub, "van")
    assert _look_up(phone, kit) == makes  # on hand: the kits its parts here make
    phone.click("[data-action=receive]")  # a kit holds no stock: receive its parts instead
    expect(phone.locator("#message")).to_contain_text("is a kit")
    phone.fill("#quantity", "1")
    phone.click("[data-action=sell]")
    expect(phone.locator("#message")).to_have_text(
        re.compile(rf"^Sold 1 × {kit} \(a kit: its parts\), sale van#\d+$")
    )
    seq = int(phone.inner_text("#message").rsplit("#", 1)[1])
    back = {"sold_at": "van", "sale": seq, "lines": [{"sku": kit, "quantity": 1}]}
    opened = phone.request.post(
        f"{api}/returns", data={**back, "reason": "changed-mind"}, headers=admin
    )
    assert opened.status == 201, opened.text()  # the kit comes back by the sale the page named
    expect(phone.locator("#on-hand")).to_have_text(
        str(min((held[parts[0]] - 2) // 2, held[parts[1]] - 1))
    )
    after = phone.request.get(f"{api}/stock?node=van", headers=admin).json()
    now = {line["sku"]: line["on_hand"] for line in after}
    assert (now[parts[0]], now[parts[1]]) == (held[parts[0]] - 2, held[parts[1]] - 1)
    phone.request.delete(f"{api}/kits/{kit}", headers=admin)


def test_a_quantity_over_the_cap_is_refused_in_the_staff_pages_words(phone: Any, hub: Hub) -> None:
    """Two million units to receive answered with the API's raw validation text."""
    sku = _a_sku(phone, hub, "van")
    _sign_in(phone, hub, "van")
    on_hand = _look_up(phone, sku)
    phone.fill("#quantity", "2000000")
    phone.click("[data-action=receive]")
    expect(phone.locator("#message")).to_have_text(
        "Enter a whole number of units, up to 1,000,000."
    )
    assert _look_up(phone, sku) == on_hand  # nothing was written


def test_a_sale_tapped_again_after_its_answer_was_lost_is_sold_once(phone: Any, hub: Hub) -> None:
    """The sale reaches the node but its answer never reaches the phone (a dropped connection):
    tapped again, the page sends the sale's key again and the node records it once."""
    staff = {"Authorization": f"Bearer {hub.secrets['staff_van']}"}
    lines = phone.request.get(f"{hub.url}/api/v1/stock?node=van", headers=staff).json()
    sku = min(line["sku"] for line in lines if line["on_hand"] >= 2)
    head = f"{hub.url}/api/v1/nodes/van/head"
    _sign_in(phone, hub, "van")
    on_hand = _look_up(phone, sku)
    before = phone.request.get(head, headers=staff).json()["head"]
    keys: list[str | None] = []

    def lose_the_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the node records the sale...
            route.abort("connectionreset")  # ...and the phone never hears
        else:
            route.continue_()

    phone.route("**/api/v1/nodes/van/sell", lose_the_first_answer)
    phone.fill("#quantity", "1")
    phone.click("[data-action=sell]")
    expect(phone.locator("#message")).to_contain_text("No answer from the server")
    phone.click("[data-action=sell]")
    expect(phone.locator("#message")).to_have_text(re.compile(rf"^Sold 1 × {sku}, sale van#\d+$"))
    expect(phone.locator("#on-hand")).to_have_text(str(on_hand - 1))
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    since = f"{hub.url}/api/v1/nodes/van/movements?after={before}"
    moved = phone.request.get(since, headers=staff).json()["items"]
    assert [m["quantity"] for m in moved if m["kind"] == "sell"] == [-1]  # one sale (and the
    # rights it asked of the hub, when the van's own were short)
    phone.click("[data-action=sell]")  # answered: the next tap is a new sale, a new key
    expect(phone.locator("#on-hand")).to_have_text(str(on_hand - 2))
    assert len(keys) == 3 and keys[2] != keys[0]


def test_a_sale_on_the_staff_page_names_the_sale_a_return_is_opened_against(
    phone: Any, hub: Hub
) -> None:
    """No reference typed: the page shows the sale as `stock sell` prints it, van#SEQ, and a
    return opened against that sale is taken."""
    sku = _a_sku(phone, hub, "van")
    _sign_in(phone, hub, "van")
    _look_up(phone, sku)
    phone.fill("#quantity", "1")
    phone.click("[data-action=sell]")
    expect(phone.locator("#message")).to_have_text(re.compile(rf"^Sold 1 × {sku}, sale van#\d+$"))
    seq = int(phone.inner_text("#message").rsplit("#", 1)[1])
    admin = {"Authorization": f"Bearer {hub.secrets['admin']}"}
    line = {"sku": sku, "quantity": 1}
    back = {"sold_at": "van", "sale": seq, "lines": [line], "reason": "changed-mind"}
    opened = phone.request.post(f"{hub.url}/api/v1/returns", data=back, headers=admin)
    assert opened.status == 201, opened.text()
    assert opened.json()["sale"] == seq
