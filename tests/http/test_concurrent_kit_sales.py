"""Kit sales and single sales of a part they share, arriving at once at one node through the
hub API served by uvicorn: the part is never oversold, and each kit that sold took its other
part too."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from microindex.bootstrap import Workspace
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.entrypoints.http import create_app
from microindex.service import kits, stock
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import list_nodes
from tests.browser.conftest import served
from tests.http.conftest import bearer

pytestmark = pytest.mark.realclock  # sleeps on the wall clock: not under faketime

SHARED_LEFT = 6


def test_kits_and_single_sales_never_oversell_a_shared_part(
    workspace: Workspace, secrets: dict[str, str]
) -> None:
    headers = bearer(secrets["admin"])
    node_db = workspace.node("shopfront")
    with node_db() as uow:
        lines = sorted(uow.ledger.stock("shopfront"), key=lambda x: (-x.on_hand, x.sku))
    shared, other = lines[0].sku, lines[1].sku
    storage = workspace.storage
    ledgers = {n.code.value: workspace.node(n.code.value) for n in list_nodes(workspace.hub)}
    own = kits.OwnHoldings(ledgers, storage.reorder_points(), storage.purchase_orders())
    # a kit holds no stock of its own: a new product, with none anywhere, nor orders or points
    kit = "KIT-SHARED-1"
    made = Product(Sku(kit), "Shared-part set", Money.parse("30.00", "GBP"))
    import_products(workspace.hub, ParsedCatalog(products=[made]), workspace.clock())
    kits.set_kit(
        storage.kits(), workspace.hub, kit, [(shared, 1), (other, 1)], workspace.clock(), own
    )
    stock.count(node_db, "shopfront", shared, SHARED_LEFT, workspace.clock())
    other_before = lines[1].on_hand
    with served(create_app(workspace)) as url, httpx.Client(base_url=url, timeout=60) as client:

        def sell(i: int) -> tuple[str, int]:
            body: dict[str, str | int] = {"quantity": 1}
            if i % 2:
                path = f"/api/v1/nodes/shopfront/kits/{kit}/sell"
            else:
                path, body = "/api/v1/nodes/shopfront/sell", {"sku": shared, "quantity": 1}
            answer = client.post(path, json=body, headers=headers)
            return ("kit" if i % 2 else "single"), answer.status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(sell, range(24)))
        after = client.get("/api/v1/stock", params={"node": "shopfront"}, headers=headers).json()

    assert {status for _, status in answers} <= {200, 409}
    sold_kits = sum(1 for what, status in answers if what == "kit" and status == 200)
    sold_singles = sum(1 for what, status in answers if what == "single" and status == 200)
    left = {line["sku"]: line["on_hand"] for line in after}
    assert sold_kits + sold_singles == SHARED_LEFT  # all that was there sold, no more
    assert left[shared] == 0
    assert left[other] == other_before - sold_kits
