"""A shopper's phone in Chromium: it reads the QR of the demo's shelf label, sees the stock
nearby, sorts it by distance from where it is, holds one, and shows staff the hold's QR."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

with suppress(ImportError):  # the `browser` fixture says why: a skip, or in CI a failure
    from playwright.sync_api import expect

from microindex.adapters.labels.templates import shelf_label
from microindex.adapters.symbols.render import image
from microindex.demo.nodes_real import SHELF_BIN, SHELF_GLN
from microindex.domain.gs1.keys import Gln
from microindex.entrypoints.http import create_app
from tests.browser.conftest import new_context, served
from tests.demo import open_copy
from tests.packaging.decoding import decode_all

pytestmark = pytest.mark.slow

KINGS_CROSS = {"latitude": 51.5310, "longitude": -0.1235}  # beside the locker


@pytest.fixture(scope="module")
def shop(
    pristine_demo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The demo served with its clock at the demo day's noon (the shopfront open): (URL, shelf's SKU)."""
    workspace = open_copy(pristine_demo, tmp_path_factory.mktemp("scan") / "shop")
    with workspace.node_ops()() as uow:
        found = uow.shelves.find(SHELF_GLN, SHELF_BIN)
    assert found is not None, "the demo labels a shelf at the shopfront"
    with served(create_app(workspace)) as url:
        yield url, found[1]
    workspace.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = new_context(
        browser,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation=KINGS_CROSS,
        permissions=["geolocation"],
    )
    opened = context.new_page()
    yield opened
    context.close()


def _scanned(picture: Image.Image) -> str:
    (found,) = decode_all(picture)
    return str(found.text)


def test_a_shopper_scans_a_shelf_label_sees_the_stock_nearby_and_holds_one(
    phone: Any, shop: tuple[str, str], save_screenshot: Any, tmp_path: Path
) -> None:
    url, sku = shop
    label = shelf_label(Gln(SHELF_GLN), SHELF_BIN, "Hackney shopfront", url)
    address = _scanned(image(label.symbols[0]))  # what the phone's camera reads off the label
    assert address == f"{url}/414/{SHELF_GLN}/254/{SHELF_BIN}"

    phone.goto(address)
    nodes = phone.locator("#stock > li")
    expect(nodes.first).to_have_attribute("data-node", "shopfront")
    assert nodes.count() >= 2  # the demo's shelf SKU is held elsewhere too
    expect(nodes.first).to_contain_text("you are here")
    expect(nodes.first.locator(".stock")).to_contain_text("in stock")
    expect(nodes.first.locator(".as-of")).to_contain_text("as of")
    expect(phone.locator("#product h1")).not_to_be_empty()
    product = json.loads(phone.locator("script[type='application/ld+json']").text_content())
    assert product["sku"] == sku and len(product["offers"]) == nodes.count()
    assert phone.locator("#product img").evaluate("img => img.naturalWidth") > 0
    save_screenshot(phone, "scan.png", full_page=True)

    phone.click("#locate")  # the browser says the phone is at King's Cross
    phone.wait_for_url("**lat=51.531*")
    expect(phone.locator("#order-note")).to_contain_text("Nearest to you first")
    km = [float(t.split()[0]) for t in phone.locator("#stock .distance").all_inner_texts()]
    assert km and km == sorted(km)

    form = phone.locator("#stock > li[data-node=shopfront] form.hold")
    form.locator("input[name=quantity]").fill("1")
    form.locator("button").click()
    expect(phone.locator("#held h1")).to_have_text("Held for you")
    expect(phone.locator("#held-node")).to_contain_text("Hackney shopfront")
    expect(phone.locator("#held-until")).to_contain_text("today 12:50")
    reference = phone.inner_text("#held-reference")
    assert reference.startswith("hold-")
    shot = phone.locator(".hold-qr").screenshot()
    assert _scanned(Image.open(io.BytesIO(shot))) == reference  # staff scan it at the counter
    save_screenshot(phone, "scan-held.png", full_page=True)
