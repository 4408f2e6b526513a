"""The catalog: list (filtered, paged), one product, a scanned code, CSV import and export."""

from __future__ import annotations

import io
from contextlib import ExitStack
from enum import StrEnum
from tempfile import SpooledTemporaryFile
from typing import Annotated, BinaryIO, cast

from fastapi import Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from microindex.adapters.csvio import read_plain, read_shopify, write_plain, write_shopify
from microindex.domain.access import AccessToken, Action, require
from microindex.domain.errors import UnknownSku
from microindex.entrypoints.http.api import search as search_api
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.context import Hub
from microindex.entrypoints.http.schemas import (
    SKU_PATTERN,
    ImportOut,
    KitPartOut,
    ProductOut,
    ProductPageOut,
    RowErrorOut,
)
from microindex.service import catalog as catalog_service
from microindex.service import stock as stock_service
from microindex.service.browse import find_products, product_by_code
from microindex.service.ports import ProductFilter
from microindex.service.records import product_record

api = router("catalog")
SPOOL_BYTES = 1024 * 1024  # an imported body past this waits in a temporary file, not memory
CSV = "text/csv"
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {CSV: {"schema": {"type": "string", "format": "binary"}}},
    }
}


class CsvFormat(StrEnum):
    PLAIN = "plain"
    SHOPIFY = "shopify"


def _product(record: dict[str, object]) -> ProductOut:
    return ProductOut.model_validate(record)


@api.get("/products", response_model=ProductPageOut, summary="List products, filtered and paged")
def list_products(
    request: Request,
    hub: HubDep,
    token: TokenDep,
    q: Annotated[str, Query(max_length=200, description="Part of the title or SKU.")] = "",
    category: Annotated[str, Query(max_length=200)] = "",
    brand: Annotated[str, Query(max_length=200)] = "",
    gtin: Annotated[
        str,
        Query(
            max_length=14,
            pattern=r"^\d*$",
            description="The GTIN as printed under its barcode (8, 12 or 13 digits) or in 14.",
        ),
    ] = "",
    cursor: Annotated[
        str, Query(max_length=200, description="The `next_cursor` of the page before.")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ProductPageOut:
    require(token.grant, Action.READ_CATALOG)
    stored = gtin.zfill(14) if gtin else ""  # the catalog keeps every GTIN in 14 digits
    page = find_products(hub.hub, ProductFilter(q, category, brand, stored), cursor, limit)
    after = page.next_cursor
    following = None if after is None else request.url.include_query_params(cursor=after)
    return ProductPageOut(
        items=[_product(product_record(p)) for p in page.items],
        total=page.total,
        limit=page.limit,
        next_cursor=after,
        next=None if following is None else f"{following.path}?{following.query}",
    )


@api.get("/products/{sku:path}", response_model=ProductOut, summary="One product by SKU")
def get_product(
    hub: HubDep, token: TokenDep, sku: Annotated[str, Path(pattern=SKU_PATTERN)]
) -> ProductOut:
    require(token.grant, Action.READ_CATALOG)
    found = catalog_service.products_by_sku(hub.hub, [sku])
    if sku not in found:
        raise UnknownSku(sku)
    return _product(product_record(found[sku]))


@api.get(
    "/codes/{code:path}",
    response_model=ProductOut,
    summary="The product a scanned or typed code names: SKU, GTIN or GS1 Digital Link",
)
def resolve_code(
    hub: HubDep, token: TokenDep, code: Annotated[str, Path(min_length=1, max_length=500)]
) -> ProductOut:
    require(token.grant, Action.READ_CATALOG)
    found = _product(product_record(product_by_code(hub.hub, code, hub.now().date())))
    kit = hub.workspace.storage.kits().kits().get(found.sku)
    if kit is not None:  # the staff page sells a kit as its parts
        found.kit = [KitPartOut(sku=p.sku, quantity=p.quantity) for p in kit.parts]
    return found


@api.post(
    "/catalog/import",
    response_model=ImportOut,
    summary="Import products from a CSV body (all rows, or none unless skip_bad_rows)",
    openapi_extra=CSV_BODY,
)
async def import_catalog(
    request: Request,
    hub: HubDep,
    token: TokenDep,
    format: CsvFormat = CsvFormat.PLAIN,
    skip_bad_rows: bool = False,
) -> ImportOut:
    require(token.grant, Action.WRITE_CATALOG)
    with SpooledTemporaryFile(SPOOL_BYTES) as body:
        async for chunk in request.stream():
            body.write(chunk)
        body.seek(0)
        report = await run_in_threadpool(_import, hub, cast(BinaryIO, body), format, skip_bad_rows)
    if report.created or report.updated:  # committed: index it now, not in the next search
        search_api.warm(hub, None)
    return ImportOut(
        created=report.created,
        updated=report.updated,
        skipped=[RowErrorOut.model_validate(e, from_attributes=True) for e in report.skipped],
    )


def _import(
    hub: Hub, body: BinaryIO, format: CsvFormat, skip_bad_rows: bool
) -> catalog_service.ImportReport:
    with ExitStack() as reading:
        if format is CsvFormat.SHOPIFY:
            parsed = reading.enter_context(read_shopify(body, hub.currency)).catalog
        else:
            parsed = reading.enter_context(read_plain(body, hub.currency))
        return catalog_service.import_products(hub.hub, parsed, hub.now(), skip_bad_rows)


@api.get(
    "/catalog/export",
    summary="The whole catalog as CSV (Shopify's export carries total stock)",
    response_class=Response,
    responses={200: {"content": {CSV: {"schema": {"type": "string"}}}}},
)
def export_catalog(hub: HubDep, token: TokenDep, format: CsvFormat = CsvFormat.PLAIN) -> Response:
    require(token.grant, Action.READ_CATALOG)
    products = catalog_service.list_products(hub.hub)
    stream = io.BytesIO()
    if format is CsvFormat.SHOPIFY:
        write_shopify(products, stream, _total_stock(hub, token))
    else:
        write_plain(products, stream)
    return Response(
        stream.getvalue(),
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="catalog-{format.value}.csv"'},
    )


def _total_stock(hub: Hub, token: AccessToken) -> dict[str, int]:
    require(token.grant, Action.READ_STOCK)
    total: dict[str, int] = {}
    for line in stock_service.stock_lines(hub.ledgers()):
        total[line.sku] = total.get(line.sku, 0) + line.on_hand
    return total
