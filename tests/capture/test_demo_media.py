"""The demo shop's products each get an approved, signed picture through real capture."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from microindex.bootstrap import bootstrap
from microindex.demo.catalog import demo_products
from microindex.demo.media import NODE, add_demo_media
from microindex.demo.scenario import NODES
from microindex.domain.capture.provenance import ProvenanceStatus
from microindex.service import catalog as catalog_service
from microindex.service import nodes as node_service
from microindex.service.capture_views import published_image, verify_asset
from microindex.settings import Settings

AT = datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_every_demo_product_has_an_approved_image_for_google(tmp_path: Path) -> None:
    workspace = bootstrap(Settings(tmp_path / "demo"))
    try:
        products = demo_products(7)
        node_service.add_node(workspace.hub, next(n for n in NODES if n.code.value == NODE))
        catalog_service.import_products(
            workspace.hub, catalog_service.ParsedCatalog(products, [], len(products)), AT
        )
        tools = add_demo_media(workspace, products, AT)  # its time: bench, not a test
        images = {p.sku.value: published_image(tools, p.sku.value, "google") for p in products}
        assert all(images.values()), [sku for sku, image in images.items() if image is None]
        first = images[products[0].sku.value]
        assert first is not None and first.width >= 800 and first.height >= 800
        assert verify_asset(tools, first.asset_id).status is ProvenanceStatus.VALID
        assert len({i.sha256 for i in images.values() if i}) == len(products)
    finally:
        workspace.close()
