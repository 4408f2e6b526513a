"""Every page fits its screen, from a 360 px phone to a wide desktop, with a busy shop: a
transfer on its way, web-shop orders with long ids, a long title. No element sticks out of
the box it sits in (a table may scroll sideways inside its own scroller), no chart's words
overlap, and the page logs no error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from microindex.demo.scenario import sync_all
from microindex.domain.codes import Sku
from microindex.domain.node import Location
from microindex.domain.product import MAX_TITLE
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.entrypoints.http import create_app
from microindex.service import promise, transfers
from microindex.service import stock as stock_service
from microindex.service.catalog import ParsedCatalog, import_products, pull_catalog
from microindex.service.dashboard import catalog_by_sku
from microindex.service.nodes import list_nodes
from tests.browser.conftest import new_context, served
from tests.demo import open_copy
from tests.http.conftest import issue_secrets

pytestmark = pytest.mark.slow

WIDTHS = (360, 390, 768, 1440)
LONG_ID = "webshop-" + "7" * 56  # 64 characters, the longest order id the API takes
TRANSFER = "t-restock-before-the-weekend-" + "x" * 30
LONG_SKU = "Platter-" + "W" * 56  # 64 characters, the longest SKU
HOSTILE = '=HYPERLINK("x") <!-- \x07Speckled stoneware serving platter, extra large, ' + "w" * 60
EAST = Location(51.545, 0.04)  # beyond the shopfront's radius: only the van delivers

# Elements sticking out of their parent (outside any sideways scroller), and SVG words that
# overlap: each as a short description.
OVERFLOW = """() => {
  const bad = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) bad.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '');
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  for (const el of document.querySelectorAll('body > * *')) {
    if (!el.getClientRects().length || el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    let inScroller = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (scrolls(p)) { inScroller = true; break; }
    }
    if (inScroller) continue;
    const r = el.getBoundingClientRect(), pr = el.parentElement.getBoundingClientRect();
    if (r.right > pr.right + 1 || r.left < pr.left - 1) {
      bad.push(`${name(el)} ${Math.round(r.left)}-${Math.round(r.right)} in ` +
        `${name(el.parentElement)} ${Math.round(pr.left)}-${Math.round(pr.right)}`);
    }
  }
  for (const svg of document.querySelectorAll('main svg')) {
    const words = [...svg.querySelectorAll('text')].map((t) => [t, t.getBoundingClientRect()]);
    for (let i = 0; i < words.length; i++) for (let j = i + 1; j < words.length; j++) {
      const [a, ra] = words[i], [b, rb] = words[j];
      if (ra.width && rb.width && ra.left < rb.right - 1 && rb.left < ra.right - 1 &&
          ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1) {
        bad.push(`in ${name(svg.closest('section') || svg)}: "${a.textContent}" over "${b.textContent}"`);
      }
    }
  }
  if (doc.clientWidth >= 768) {  // room enough: no table needs to scroll
    for (const el of document.querySelectorAll('.scroll')) {
      if (el.scrollWidth > el.clientWidth + 1) bad.push(`${name(el.parentElement)} scrolls sideways`);
    }
  }
  return bad;
}"""


@dataclass
class Busy:
    url: str
    secrets: dict[str, str]
    scan: str


@pytest.fixture(scope="module")
def busy(pristine_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Busy]:
    ws = open_copy(pristine_demo, tmp_path_factory.mktemp("busy") / "shop")
    now = ws.clock()
    model = next(p for p in catalog_by_sku(ws.hub).values() if p.size and p.weight_g)
    platter = replace(model, sku=Sku(LONG_SKU), title=HOSTILE[:MAX_TITLE], gtin=None, handle="")
    import_products(ws.hub, ParsedCatalog([platter]), now)
    pull_catalog(ws.hub, ws.node("van"))
    stock_service.receive(ws.node("van"), "van", LONG_SKU, 5, now, "delivery", "ana")
    sync_all(ws)  # the hub's mirror has the platter at the van
    held = {line.sku: line.on_hand for line in stock_service.stock_lines({"van": ws.node("van")})}
    skus = [sku for sku, units in sorted(held.items()) if units > 2 and sku != LONG_SKU][:4]
    nodes = list_nodes(ws.hub)
    for i, sku in enumerate(skus):
        request = OrderRequest((OrderLine(sku, 1),), Method.LOCAL_DELIVERY, now, EAST)
        key = LONG_ID if i == 0 else f"webshop-{uuid.UUID(int=i).hex}{uuid.UUID(int=i).hex}"[:64]
        promise.place_order(ws.hub, key, request, nodes, states=ws.candidate_states())
    ops, front = ws.node_ops(), ws.node("shopfront")
    stock_service.receive(front, "shopfront", skus[0], 4, now, "delivery", "ana")  # its own
    transfers.request(ops, TRANSFER, "shopfront", "locker", {skus[0]: 2}, now)
    transfers.pack(ops, TRANSFER, now + timedelta(minutes=5), "ana")
    transfers.ship(ops, front, TRANSFER, now + timedelta(minutes=10), "ana")
    catalog = catalog_by_sku(ws.hub)
    gtin = next(p.gtin.digits for sku, p in sorted(catalog.items()) if p.gtin and sku in held)
    secrets = issue_secrets(ws)
    with served(create_app(ws)) as url:
        yield Busy(url, secrets, f"{url}/01/{gtin}")
    ws.close()


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def screen(request: pytest.FixtureRequest, browser: Any, busy: Busy) -> Iterator[Any]:
    width = request.param
    phone = width < 700
    context = new_context(
        browser,
        viewport={"width": width, "height": 900},
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
    )
    opened = context.new_page()
    opened.problems = []
    opened.on("console", lambda m: m.type == "error" and opened.problems.append(m.text))
    opened.on("pageerror", lambda e: opened.problems.append(str(e)))
    yield opened
    context.close()


def _fits(page: Any) -> None:
    assert page.evaluate(OVERFLOW) == []
    assert page.problems == []


def test_the_dashboard_fits_the_screen(screen: Any, busy: Busy, save_screenshot: Any) -> None:
    screen.goto(f"{busy.url}/login")
    screen.fill("#token", busy.secrets["admin"])
    screen.click("button[type=submit]")
    screen.wait_for_url(f"{busy.url}/")
    assert TRANSFER in screen.inner_text("#today-transfers")
    assert LONG_ID in screen.inner_text("#orders")
    screen.goto(f"{busy.url}/?q={LONG_SKU}")
    assert HOSTILE[:MAX_TITLE].replace("\x07", "") in screen.inner_text("#stock").replace(
        "\x07", ""
    )
    _fits(screen)
    save_screenshot(screen, f"dashboard-{screen.viewport_size['width']}.png", full_page=True)


def test_the_staff_page_fits_the_screen(screen: Any, busy: Busy, save_screenshot: Any) -> None:
    screen.goto(f"{busy.url}/staff/van")
    screen.fill("#token", busy.secrets["staff_van"])
    screen.click("#sign-in-form button")
    screen.locator(f"#picks > li[data-order='{LONG_ID}']").wait_for()
    assert "GMT" in screen.inner_text("#picks")  # by when, on the van's clock with its zone
    screen.fill("#code", LONG_SKU.lower())
    screen.press("#code", "Enter")
    screen.wait_for_selector("#item:not([hidden])")
    _fits(screen)
    save_screenshot(screen, f"staff-{screen.viewport_size['width']}.png", full_page=True)


def test_the_shoppers_page_fits_the_screen(screen: Any, busy: Busy, save_screenshot: Any) -> None:
    screen.goto(busy.scan)
    screen.wait_for_selector("#stock li.node")
    _fits(screen)
    save_screenshot(screen, f"shopper-{screen.viewport_size['width']}.png", full_page=True)
