"""The hub dashboard at `/`: nodes and their health, charts, stock with a search box, movements."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microindex.entrypoints.http.charts import grouped_bars, horizontal_bars
from microindex.entrypoints.http.context import hub_of
from microindex.entrypoints.http.session import admin_session
from microindex.entrypoints.http.templating import page
from microindex.service import dashboard as view
from microindex.service.browse import ProductFilter
from microindex.service.nodes import list_nodes

MAX_WEEKS = 12
STOCK_ROWS = 30
RECENT = 25

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    token = admin_session(request)
    if token is None:
        return RedirectResponse("/login", status_code=303)
    hub = hub_of(request)
    now = hub.now()
    nodes = hub.nodes()
    catalog = view.catalog_by_sku(hub.hub)
    activity = view.node_activity(list_nodes(hub.hub), nodes)
    weeks, sold = view.weekly_sales(nodes, now.date(), MAX_WEEKS)
    value = view.stock_value(nodes, catalog, hub.currency)
    rows, matching = view.stock_grid(nodes, catalog, ProductFilter(text=q.strip()), STOCK_ROWS)
    return page(
        request,
        "dashboard.html",
        who=token.actor,
        now=now,
        q=q,
        nodes=list(nodes),
        activity=[(a, a.health(now), _age(a.age(now))) for a in activity],
        sales_chart=_sales_chart(weeks, sold),
        value_chart=_value_chart(value, hub.currency),
        rows=rows,
        matching=matching,
        movements=view.recent_movements(nodes, RECENT),
        titles={sku: p.title for sku, p in catalog.items()},
    )


def _sales_chart(weeks: list[date], sold: dict[str, list[int]]) -> str:
    if not weeks or not any(any(counts) for counts in sold.values()):
        return ""
    labels = [f"{start:%d %b}" for start in weeks]
    return grouped_bars("Units sold per node, by week (weeks start Monday)", labels, sold)


def _value_chart(value: dict[str, Decimal], currency: str) -> str:
    if not any(value.values()):
        return ""
    items = sorted(value.items(), key=lambda item: -item[1])
    return horizontal_bars(
        f"Stock value by node at selling price ({currency})",
        items,
        lambda amount: f"{amount:,.2f} {currency}",
    )


def _age(age: timedelta | None) -> str:
    if age is None:
        return "never"
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 90:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"
