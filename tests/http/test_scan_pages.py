"""A shopper's phone opens a shelf's or a product's QR at the hub: the stock at each node nearby,
and a hold for pickup from a public form. Each test works on its own copy of the demo, its clock
stopped at noon (every node that takes holds is open)."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from microindex.adapters.channels.page import read_jsonld
from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import sync_all
from microindex.domain.errors import InvalidValue
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.limits import Limit
from microindex.domain.product import Product
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.scan_pages import ready_time
from microindex.service import promise, shelf_holds, sync
from microindex.service import stock as stock_service
from microindex.settings import SETTINGS_FILE, Settings
from tests.clock import DEMO_NOW, Clock
from tests.http.conftest import app_of, bearer

GLN = "9520123456788"
KINGS_CROSS = {"lat": "51.5310", "lon": "-0.1235"}  # beside the locker
CLAPTON = {"lat": "51.5500", "lon": "-0.0540"}  # just north of the van's base


@pytest.fixture
def noon(workspace: Workspace) -> datetime:
    """Stop the workspace's clock at today's noon."""
    now = workspace.clock().replace(hour=12, minute=0, second=0, microsecond=0)
    workspace.clock = lambda: now
    return now


@pytest.fixture
def product(workspace: Workspace, noon: datetime) -> Product:
    """A product with a GTIN, stocked at the shopfront, the van and the locker, all synced (so
    the hub's figures are fresh and it holds rights at each), on shelf B7 at the shopfront."""
    with workspace.hub() as uow:
        found = next(p for p in uow.catalog.all() if p.gtin is not None)
    sku = found.sku.value
    for node, units in (("shopfront", 6), ("van", 3), ("locker", 4)):
        stock_service.receive(workspace.node(node), node, sku, units, noon, "test", "test")
    sync_all(workspace)
    shelf_holds.add_shelf(workspace.node_ops(), GLN, "B7", "shopfront", sku)
    return found


SHELF = f"/414/{GLN}/254/B7"


def _nodes(html: str) -> list[str]:
    return re.findall(r'<li class="node" data-node="([\w-]+)"', html)


def _forms(html: str) -> dict[str, dict[str, str]]:
    """Each hold form on the page by node: its fields."""
    found = {}
    for form in re.findall(
        r'<form method="post" action="/holds" class="hold">(.*?)</form>', html, re.S
    ):
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
        found[fields["node"]] = fields
    return found


def _held(workspace: Workspace, sku: str, node: str = "shopfront") -> int:
    with workspace.hub() as uow:
        return uow.accounts.held(sku).get(node, 0)


def _free(workspace: Workspace, sku: str, node: str = "shopfront") -> int:
    """Units at `node` anyone may buy: the hub's rights there and the node's own for walk-ins."""
    with workspace.node(node)() as uow:
        local = sync.load_side(uow, node).get(sku).local
    return _held(workspace, sku, node) + local


def _refused(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert words in response.text


def test_a_shelf_scan_lists_the_stock_by_node_the_shelfs_node_first(
    client: TestClient, product: Product
) -> None:
    page = client.get(SHELF)
    assert page.status_code == 200, page.text
    html = page.text
    assert product.title in html and "you are here" in html
    assert _nodes(html) == ["shopfront", "van", "locker"]  # the van 1.1 km away, the locker 4.4
    assert html.count("as of 12:00 (just now)") == 3 and "Ready for pickup today 12:20" in html
    assert list(_forms(html)) == ["shopfront"]  # the van has no counter, the locker compartments
    assert "no counter to collect from: order online for delivery" in html
    van = html[html.index('data-node="van"') : html.index('data-node="locker"')]
    assert "Ready for pickup" not in van  # it delivers; no pickup time to promise there
    (data,) = read_jsonld(html)
    assert data["@type"] == "Product" and data["sku"] == product.sku.value
    assert [o["availableAtOrFrom"]["@id"] for o in data["offers"]] == [
        "#store-shopfront",
        "#store-van",
        "#store-locker",
    ]
    assert data["image"][0].startswith("http://testserver/media/")
    picture = client.get(data["image"][0].removeprefix("http://testserver"))
    assert picture.headers["content-type"] == "image/jpeg" and picture.content[:2] == b"\xff\xd8"


def test_a_product_scan_with_the_shoppers_location_lists_the_nearest_first(
    client: TestClient, product: Product
) -> None:
    assert product.gtin is not None
    link = DigitalLink.product(product.gtin, lot="L42").uri("http://testserver")
    near_locker = client.get(link, params=KINGS_CROSS)
    assert near_locker.status_code == 200, near_locker.text
    assert _nodes(near_locker.text) == ["locker", "shopfront", "van"]
    assert "Nearest to you first." in near_locker.text and "you are here" not in near_locker.text
    assert _nodes(client.get(link, params=CLAPTON).text) == ["van", "shopfront", "locker"]
    nowhere = client.get(f"/01/{product.gtin.digits}")  # no shelf, no location: soonest first
    assert _nodes(nowhere.text) == ["shopfront", "van", "locker"]


def test_a_form_posted_twice_makes_one_hold_which_staff_collect(
    client: TestClient, workspace: Workspace, secrets: dict[str, str], product: Product
) -> None:
    sku = product.sku.value
    before = _held(workspace, sku)
    form = {**_forms(client.get(SHELF).text)["shopfront"], "quantity": "2"}
    first, again = client.post("/holds", data=form), client.post("/holds", data=form)
    assert (first.status_code, again.status_code) == (201, 200), first.text
    reference = form["key"]
    for answer in (first, again):
        assert f'id="held-reference">{reference}<' in answer.text
        assert "Held for you" in answer.text and "2 × " + product.title in answer.text
        assert "today 12:20" in answer.text and "today 12:50" in answer.text  # ready, held until
        assert 'src="data:image/png;base64,' in answer.text
    assert _held(workspace, sku) == before - 2
    assert [o.ident for o in promise.open_orders(workspace.hub) if o.ident == reference] == [
        reference
    ]
    staff = client.post(
        "/api/v1/tokens",
        json={"role": "staff", "node": "shopfront"},
        headers=bearer(secrets["admin"]),
    ).json()["secret"]
    collected = client.post(f"/api/v1/reservations/{reference}/collect", headers=bearer(staff))
    assert collected.json()["step"] == "handed_over", collected.text
    assert "Collected" in client.post("/holds", data=form).text


def test_a_client_places_only_so_many_holds_while_a_repeated_form_still_answers(
    client: TestClient, product: Product
) -> None:
    app_of(client).state.hold_limit = Limit(2, timedelta(minutes=30))
    forms = [_forms(client.get(SHELF).text)["shopfront"] for _ in range(3)]
    assert [client.post("/holds", data=f).status_code for f in forms[:2]] == [201, 201]
    _refused(client.post("/holds", data=forms[2]), 429, "Too many holds")
    assert client.post("/holds", data=forms[0]).status_code == 200  # the same hold, not a new one


def test_what_the_hub_cannot_place_or_refuses_is_a_page_never_a_5xx(
    client: TestClient, workspace: Workspace, product: Product
) -> None:
    for missing in (
        "/01/04006381333931",  # a good GTIN, not ours
        f"/414/{GLN}/254/Z9",  # no such shelf
        f"/414/{GLN}",  # a site, no shelf
        "/01/not-a-gtin",
        "/01/",
        "/01/05069412647741/99/x%zz",
        "/media/" + "0" * 64 + ".jpg",
    ):
        _refused(client.get(missing), 404, "We could not find this item")
    _refused(client.get(SHELF, params={"lat": "north"}), 422, "latitude and a longitude")
    _refused(client.get(SHELF, params={"lat": "95", "lon": "0"}), 422, "latitude is between")
    form = _forms(client.get(SHELF).text)["shopfront"]
    refusals = [
        ({"csrf": "x" * 32}, 403, "This form has expired"),
        ({"key": "../../etc"}, 400, "did not look right"),
        ({"quantity": "0"}, 422, "hold 1 to 5 units"),
        ({"quantity": "many"}, 422, "a whole number"),
        ({"quantity": "6"}, 422, "hold 1 to 5 units"),
        ({"node": "van"}, 409, "No pickup here"),
        ({"node": "nowhere"}, 404, "no node with code"),
        ({"scan": "https://x.example/01/04006381333931"}, 404, "no product with GTIN"),
    ]
    for change, status, words in refusals:
        _refused(client.post("/holds", data={**form, **change}), status, words)
    other = TestClient(client.app)  # another browser: no cookie from our page
    _refused(other.post("/holds", data=form), 403, "This form has expired")
    elsewhere = client.post("/holds", data=form, headers={"Origin": "https://evil.example"})
    _refused(elsewhere, 403, "This form has expired")
    from_a_site = client.post("/holds", data=form, headers={"Sec-Fetch-Site": "cross-site"})
    _refused(from_a_site, 403, "This form has expired")
    null_origin = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}  # our no-referrer pages
    assert client.post("/holds", data=form, headers=null_origin).status_code == 201


def test_a_node_with_too_few_rights_or_closed_refuses_with_its_reason(
    client: TestClient, workspace: Workspace, noon: datetime, product: Product
) -> None:
    sku = product.sku.value
    held = _held(workspace, sku)
    form = _forms(client.get(SHELF).text)["shopfront"]
    app_of(client).state.hold_limit = Limit(100, timedelta(minutes=30))
    while held > 5:  # leave fewer than five to hold
        taken = {**form, "key": f"{form['key']}-{held}", "quantity": "5"}
        assert client.post("/holds", data=taken).status_code == 201
        held -= 5
    _refused(client.post("/holds", data={**form, "quantity": "5"}), 409, "Not enough left")
    night = noon.replace(hour=21)
    workspace.clock = lambda: night
    page = client.get(SHELF).text
    assert "shopfront" not in _forms(page) and "closed for holds now" in page
    _refused(client.post("/holds", data={**form, "quantity": "1"}), 409, "Closed for holds")


def test_a_hold_not_collected_expires_and_its_stock_is_held_for_others_again(
    client: TestClient,
    workspace: Workspace,
    secrets: dict[str, str],
    noon: datetime,
    product: Product,
) -> None:
    sku = product.sku.value
    before, free = _held(workspace, sku), _free(workspace, sku)
    form = {**_forms(client.get(SHELF).text)["shopfront"], "quantity": "1"}
    assert client.post("/holds", data=form).status_code == 201
    assert _held(workspace, sku) == before - 1
    channel = bearer(secrets["channel"])
    later = noon + timedelta(minutes=49)  # ready at 12:20, held 30 minutes from then
    workspace.clock = lambda: later
    assert client.post("/api/v1/reservations/expire", headers=channel).json()["released"] == []
    lapsed = noon + timedelta(minutes=51)
    workspace.clock = lambda: lapsed
    released = client.post("/api/v1/reservations/expire", headers=channel).json()["released"]
    assert form["key"] in released
    sync_all(workspace)  # the shopfront hears of the release (and redraws its split)
    assert _free(workspace, sku) == free
    with workspace.node("shopfront")() as uow:
        assert sync.load_side(uow, "shopfront").get(sku).reserved == ()
    assert f'max="{min(5, before)}"' in client.get(SHELF).text
    assert "This hold has ended" in client.post("/holds", data=form).text


def test_a_shelf_scanned_by_a_shopper_far_from_it_is_not_where_they_are(
    client: TestClient, product: Product
) -> None:
    far = client.get(SHELF, params=KINGS_CROSS).text  # 4 km from the shopfront's shelf
    shopfront = far[
        far.index('data-node="shopfront"') : far.index("</li>", far.index('data-node="shopfront"'))
    ]
    assert "where you scanned" in shopfront and "you are here" not in far
    assert re.search(r"\d\.\d km", shopfront)


@pytest.mark.parametrize(
    ("ready", "said"),
    [("18:19:12.5", "18:20"), ("18:20:00", "18:20"), ("18:20:01", "18:25"), ("23:58", "00:00")],
)
def test_a_pickup_is_ready_on_the_next_five_minutes(ready: str, said: str) -> None:
    moment = datetime.fromisoformat(f"2026-11-26T{ready}+00:00")
    shown = ready_time(moment)
    assert shown is not None and f"{shown:%H:%M}" == said and shown >= moment


def test_the_shoppers_pages_carry_the_shops_name(pristine_demo: Path, tmp_path: Path) -> None:
    name = '=Hackney <!-- Clay & "Co." ' + "x" * 50
    with pytest.raises(InvalidValue):
        Settings(tmp_path, shop_name="Clay\x07Co")
    shutil.copytree(pristine_demo, tmp_path / "shop")
    settings = Settings(tmp_path / "shop", shop_name=name)
    assert Settings.load(tmp_path / "shop", environ={}).shop_name == "microindex"
    (tmp_path / "shop" / SETTINGS_FILE).write_text(settings.to_toml(), encoding="utf-8")
    assert Settings.load(tmp_path / "shop", environ={}).shop_name == name  # round-trips
    workspace = bootstrap(settings, clock=Clock(DEMO_NOW))
    with TestClient(create_app(workspace)) as client:
        html = client.get(f"/414/{GLN}/254/none").text
    workspace.close()
    assert f"<strong>{escape(name)}</strong>" in html
    assert re.search(rf"<title>[^<]* · {re.escape(escape(name))}</title>", html)
    assert "microindex" not in html.split("<main>")[0]
