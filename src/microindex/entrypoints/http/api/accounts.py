"""VAT (admins set the mode, the standard rate and each product's rate; readers of the catalog
see prices with VAT out and in) and the accountant's CSV files (admins)."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated

from fastapi import Path, Query, Response
from pydantic import BaseModel, Field

from microindex.adapters.csvio.accounts import write_sales, write_stock_value
from microindex.domain.access import Action, require
from microindex.domain.node import time_zone
from microindex.domain.vat import PriceMode
from microindex.entrypoints.http.api.catalog import CSV
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import Request
from microindex.service import accounts, vat
from microindex.service.dashboard import catalog_by_sku
from microindex.service.returns import all_returns

api = router("accounts")
RateText = Annotated[str, Field(strict=True, max_length=8, examples=["20"])]
CSV_ANSWER: dict[int | str, dict[str, object]] = {
    200: {"content": {CSV: {"schema": {"type": "string"}}}}
}


class TaxSettingsIn(Request):
    mode: PriceMode
    standard_rate: RateText | None = None


class TaxSettingsOut(BaseModel):
    mode: PriceMode
    standard_rate: str


class VatRateIn(Request):
    rate: Annotated[RateText | None, Field(description="null: the standard rate again.")]


class VatRateOut(BaseModel):
    sku: str
    rate: str


class PriceOut(BaseModel):
    sku: str
    title: str
    rate: str
    net: str
    vat: str
    gross: str
    currency: str


@api.put("/vat", response_model=TaxSettingsOut, summary="Prices with VAT in or out; its rate")
def set_mode(body: TaxSettingsIn, hub: HubDep, token: TokenDep) -> TaxSettingsOut:
    require(token.grant, Action.WRITE_CATALOG)
    made = vat.set_mode(hub.workspace.storage.vat(), body.mode.value, body.standard_rate)
    return TaxSettingsOut(mode=made.mode, standard_rate=str(made.standard))


@api.put("/vat/rates/{sku:path}", response_model=VatRateOut, summary="A product's own VAT rate")
def set_rate(
    sku: Annotated[str, Path(max_length=64)], body: VatRateIn, hub: HubDep, token: TokenDep
) -> VatRateOut:
    require(token.grant, Action.WRITE_CATALOG)
    made = vat.set_rate(hub.workspace.storage.vat(), hub.hub, sku, body.rate)
    return VatRateOut(sku=sku, rate=str(made))


@api.get("/vat/prices", response_model=list[PriceOut], summary="Prices with VAT out and in")
def prices(hub: HubDep, token: TokenDep) -> list[PriceOut]:
    require(token.grant, Action.READ_CATALOG)
    found = vat.prices(hub.workspace.storage.vat(), catalog_by_sku(hub.hub))
    return [PriceOut(**vat.price_record(line)) for line in found]


def _csv(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@api.get(
    "/accounts/sales.csv",
    response_class=Response,
    responses=CSV_ANSWER,
    summary="Sales of a period (days in the shop's time zone, both included) as CSV",
)
def sales(
    hub: HubDep,
    token: TokenDep,
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
) -> Response:
    require(token.grant, Action.READ_ACCOUNTS)
    ws = hub.workspace
    start, end = accounts.period(first, last, time_zone(ws.settings.time_zone))
    returned = all_returns(ws.governance(hub.nodes(), reports=False).sources.nodes)
    catalog = catalog_by_sku(hub.hub)
    lines = accounts.sales(hub.ledgers(), catalog, ws.storage.vat(), returned, start, end)
    stream = io.BytesIO()
    write_sales(stream, lines)
    return _csv(stream.getvalue(), f"sales-{first}-{last}.csv")


@api.get(
    "/accounts/stock-value.csv",
    response_class=Response,
    responses=CSV_ANSWER,
    summary="On hand now at every node, at cost and at net price, as CSV",
)
def stock_value(hub: HubDep, token: TokenDep) -> Response:
    require(token.grant, Action.READ_ACCOUNTS)
    ws = hub.workspace
    lines = accounts.stock_value(
        hub.ledgers(), catalog_by_sku(hub.hub), ws.storage.vat(), ws.storage.purchase_orders()
    )
    stream = io.BytesIO()
    write_stock_value(stream, lines)
    return _csv(stream.getvalue(), "stock-value.csv")
