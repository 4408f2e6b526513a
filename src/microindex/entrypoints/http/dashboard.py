"""The hub dashboard at `/`: nodes and their health, what the nodes hold today (lockers, rounds,
transfers, pop-ups), charts, stock with a search box, movements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microindex.adapters.search.files import load_synonyms
from microindex.domain.channels.webhook import Delivery, DeliveryState
from microindex.domain.node import time_zone
from microindex.domain.product import Product
from microindex.domain.search.request import SearchRequest
from microindex.entrypoints.http import dashboard_kpis, dashboard_nodes
from microindex.entrypoints.http.api.search import caught_up
from microindex.entrypoints.http.charts import Bar, grouped_bars, horizontal_bars, node_colours
from microindex.entrypoints.http.context import Hub, hub_of
from microindex.entrypoints.http.session import admin_session
from microindex.entrypoints.http.templating import ago, page, zone_name
from microindex.service import dashboard as view
from microindex.service import purchasing
from microindex.service.browse import ProductFilter
from microindex.service.dashboard import StockRow
from microindex.service.nodes import list_nodes
from microindex.service.search import search
from microindex.service.sync_schedule import next_syncs

MAX_WEEKS = 12
STOCK_ROWS = 30
RECENT = 25
ORDERS_SHOWN = 10
ORDERS_LOOKBACK = timedelta(days=28)
DEAD_SHOWN = 10

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    token = admin_session(request)
    if token is None:
        return RedirectResponse("/login", status_code=303)
    hub = hub_of(request)
    now = hub.now()
    nodes = hub.ledgers()  # a node whose agent runs elsewhere: the hub's mirror of it
    catalog = view.catalog_by_sku(hub.hub)
    registered = list_nodes(hub.hub)
    activity = view.node_activity(registered, nodes)
    zone = time_zone(hub.workspace.settings.time_zone)
    weeks, sold = view.weekly_sales(nodes, now, zone, MAX_WEEKS)
    value = view.stock_value(nodes, catalog, hub.currency)
    rows, matching = _stock(hub, nodes, catalog, q.strip())
    kpis = dashboard_kpis.figures(hub)
    colours = node_colours([n.code.value for n in registered])
    return page(
        request,
        "dashboard.html",
        who=token.actor,
        now=now,
        zone=zone,
        zone_name=zone_name(zone, now),
        feed_warning=hub.workspace.settings.feed_warning,
        q=q,
        nodes=list(nodes),
        activity=[(a, a.health(now), ago(a.age(now))) for a in activity],
        syncs=next_syncs(hub.workspace.hub, [n.code.value for n in registered], now),
        today=dashboard_nodes.read(hub, registered, now, zone),
        sales_chart=_sales_chart(weeks, sold, colours),
        value_chart=_value_chart(value, hub.currency, colours),
        panels=dashboard_kpis.panels(kpis, colours),
        fulfilment=kpis.fulfilment or [],
        orders=view.order_board(hub.workspace.hub, now, ORDERS_SHOWN, ORDERS_LOOKBACK),
        rows=rows,
        matching=matching,
        movements=view.recent_movements(nodes, RECENT),
        titles={sku: p.title for sku, p in catalog.items()},
        hooks=_webhooks(hub),
        low=purchasing.low(hub.workspace.storage.reorder_points(), nodes),
    )


@dataclass(frozen=True)
class _Hooks:
    subscriptions: int
    pending: int
    dead: list[Delivery]
    dead_total: int


def _webhooks(hub: Hub) -> _Hooks:
    store = hub.workspace.storage.webhooks()
    dead = store.deliveries(DeliveryState.DEAD, DEAD_SHOWN)
    return _Hooks(
        len(store.subscriptions()),
        store.count(DeliveryState.PENDING),
        dead,
        store.count(DeliveryState.DEAD),
    )


def _stock(
    hub: Hub, nodes: view.Nodes, catalog: dict[str, Product], text: str
) -> tuple[list[StockRow], int]:
    """Every SKU in stock (by SKU) or, with a search, the hub index's hits, best first:
    typo-tolerant, an exact SKU on top, with where each is in stock."""
    if not text:
        return view.stock_grid(nodes, catalog, ProductFilter(), STOCK_ROWS)
    request = SearchRequest(text, limit=STOCK_ROWS, facets=False)
    synonyms = load_synonyms(hub.workspace.settings.workspace)
    with caught_up(hub, None) as index:
        result = search(index, request, None, synonyms)
    return view.search_rows(result.hits, catalog), result.total


def _sales_chart(weeks: list[date], sold: dict[str, list[int]], colours: dict[str, str]) -> str:
    if not weeks or not any(any(counts) for counts in sold.values()):
        return ""
    labels = [f"{start:%d %b}" for start in weeks]
    return grouped_bars("Units sold per node, by week (weeks start Monday)", labels, sold, colours)


def _value_chart(value: dict[str, Decimal], currency: str, colours: dict[str, str]) -> str:
    if not any(value.values()):
        return ""
    items = sorted(value.items(), key=lambda item: -item[1])
    return horizontal_bars(
        f"Stock value by node at selling price ({currency})",
        [Bar(node, float(amount), f"{amount:,.2f} {currency}") for node, amount in items],
        colours,
    )
