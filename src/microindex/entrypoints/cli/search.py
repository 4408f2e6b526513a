"""`microindex search ...`: find products at a node or the hub, near a customer, and rebuild."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import typer
from rich.markup import escape
from rich.progress import Progress, TaskID

from microindex.adapters.search.files import load_synonyms, open_index
from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.errors import InvalidValue
from microindex.domain.money import parse_decimal
from microindex.domain.node import Location
from microindex.domain.search.request import Filters, SearchRequest, SortOrder
from microindex.entrypoints.cli.context import (
    console,
    domain_errors,
    node_database,
    print_json,
    workspace,
)
from microindex.service.indexing import Told, holding_every_commit, rebuild
from microindex.service.nodes import list_nodes
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.search import NearRequest, SearchResult, search, search_near

app = typer.Typer(help="Search products: typo-tolerant, faceted, in stock, near a customer.")

TEXT = typer.Argument("", help="What to look for (any text; a scanned SKU or GTIN works too).")
NODE = typer.Option(None, "--node", "-n", help="Search this node's index (default: the hub).")
IN_STOCK = typer.Option(False, "--in-stock", help="Only products on hand (at --node, or anywhere).")
PRICE_MIN = typer.Option(None, "--price-min", help="Lowest price.")
PRICE_MAX = typer.Option(None, "--price-max", help="Highest price.")
CATEGORY = typer.Option([], "--category", help="Only this category (repeatable).")
BRAND = typer.Option([], "--brand", help="Only this brand (repeatable).")
ATTR = typer.Option([], "--attr", help="Attribute filter NAME=VALUE (repeatable).")
SORT = typer.Option(
    SortOrder.RELEVANCE, "--sort", help="relevance, price-asc, price-desc, ready-by."
)
OFFSET = typer.Option(0, "--offset", min=0, help="Skip this many hits (paging).")
LIMIT = typer.Option(10, "--limit", min=1, max=100, help="Hits per page.")
JSON = typer.Option(False, "--json", help="Print JSON.")


def _filters(
    in_stock: bool,
    low: str | None,
    high: str | None,
    categories: list[str],
    brands: list[str],
    attrs: list[str],
) -> Filters:
    pairs = []
    for attr in attrs:
        name, sep, value = attr.partition("=")
        if not sep or not name.strip():
            raise InvalidValue("attr", attr, "use NAME=VALUE, e.g. colour=navy")
        pairs.append((name, value))
    return Filters(
        in_stock, _price(low), _price(high), tuple(categories), tuple(brands), tuple(pairs)
    )


def _price(text: str | None) -> Decimal | None:
    return None if text is None else parse_decimal("price", text)


def _index(ctx: typer.Context, node: str | None) -> tuple[TantivyIndex, UnitOfWorkFactory]:
    ws = workspace(ctx)
    database = node_database(ctx, node) if node else ws.hub
    index = open_index(ws.settings.workspace, node)
    ctx.call_on_close(index.close)
    holding_every_commit(index, database, node)
    return index, database


@app.command("find")
def find(
    ctx: typer.Context,
    text: str = TEXT,
    node: str | None = NODE,
    in_stock: bool = IN_STOCK,
    price_min: str | None = PRICE_MIN,
    price_max: str | None = PRICE_MAX,
    category: list[str] = CATEGORY,
    brand: list[str] = BRAND,
    attr: list[str] = ATTR,
    sort: SortOrder = SORT,
    offset: int = OFFSET,
    limit: int = LIMIT,
    as_json: bool = JSON,
) -> None:
    """Search a node's index or the hub's. Example: microindex search find "blue mug" --node
    shopfront --in-stock --json"""
    with domain_errors():
        filters = _filters(in_stock, price_min, price_max, category, brand, attr)
        request = SearchRequest(text, filters, sort, offset, limit, facets=as_json)
        index, _ = _index(ctx, node)
        result = search(index, request, node, load_synonyms(workspace(ctx).settings.workspace))
    _show(result, as_json)


@app.command("near")
def near(
    ctx: typer.Context,
    text: str = TEXT,
    lat: float = typer.Option(..., "--lat", help="Customer latitude."),
    lon: float = typer.Option(..., "--lon", help="Customer longitude."),
    pickup_km: float = typer.Option(5.0, "--pickup-km", help="How far they would go."),
    within: int | None = typer.Option(None, "--within", help="Ready within N minutes."),
    price_min: str | None = PRICE_MIN,
    price_max: str | None = PRICE_MAX,
    category: list[str] = CATEGORY,
    brand: list[str] = BRAND,
    attr: list[str] = ATTR,
    sort: SortOrder = SORT,
    offset: int = OFFSET,
    limit: int = LIMIT,
    as_json: bool = JSON,
) -> None:
    """What a customer can get soon: in stock at nodes that serve them, with where and by when.
    Example: microindex search near --lat 51.52 --lon -0.10 "mug" --within 120"""
    with domain_errors():
        filters = _filters(True, price_min, price_max, category, brand, attr)
        wanted = SearchRequest(text, filters, sort, offset, limit, facets=as_json)
        ws = workspace(ctx)
        request = NearRequest(wanted, Location(lat, lon), ws.clock(), pickup_km, within)
        index, _ = _index(ctx, None)
        result = search_near(
            index, request, list_nodes(ws.hub), load_synonyms(ws.settings.workspace)
        )
    _show(result, as_json)


@app.command("rebuild")
def rebuild_command(
    ctx: typer.Context,
    node: str | None = typer.Option(None, "--node", "-n", help="Rebuild one node's index only."),
) -> None:
    """Rebuild search indexes from the catalog and ledgers (they are derived data).
    Example: microindex search rebuild"""
    with domain_errors():
        ws = workspace(ctx)
        codes = [node] if node else [None, *(n.code.value for n in list_nodes(ws.hub))]
        for code in codes:
            database = node_database(ctx, code) if code else ws.hub
            index = open_index(ws.settings.workspace, code)
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(f"indexing {code or 'hub'}", total=None)
                count = rebuild(index, database, code, _shown(bar, task))
            index.close()
            console.print(f"{code or 'hub'}: {count} products indexed")


def _shown(bar: Progress, task: TaskID) -> Told:
    return lambda done, total: bar.update(task, completed=done, total=total)


def _show(result: SearchResult, as_json: bool) -> None:
    if as_json:
        print_json(_record(result))
        return
    if result.reason:
        console.print(f"0 found: {result.reason}", highlight=False)
        return
    console.print(
        f"{result.total} found"
        + (f" (ignoring {result.dropped_terms} word(s))" if result.dropped_terms else "")
    )
    for hit in result.hits:
        title = "".join(
            f"[bold]{escape(part)}[/bold]" if hit_word else escape(part)
            for part, hit_word in hit.title_marked.spans
        )
        where = ", ".join(
            f"{r.node} {r.method.value} by {r.ready_by:%a %H:%M %Z}" for r in hit.reach
        )
        stock = ", ".join(f"{n}:{q}" for n, q in sorted(hit.stock.items()))
        console.print(
            f"{hit.sku:<14} {title}  {hit.price} {hit.currency}  [dim]{where or stock}[/dim]",
            highlight=False,
        )


def _record(result: SearchResult) -> dict[str, Any]:
    facets = result.facets
    return {
        "total": result.total,
        "dropped_terms": result.dropped_terms,
        "reason": result.reason,
        "hits": [
            {
                "sku": h.sku,
                "title": h.title,
                "brand": h.brand,
                "category": h.category,
                "price": str(h.price),
                "currency": h.currency,
                "score": round(h.score, 4),
                "stock": dict(h.stock),
                "title_marked": h.title_marked.marked(),
                "snippet": h.snippet.marked(),
                "reach": [
                    {
                        "node": r.node,
                        "method": r.method.value,
                        "distance_km": r.distance_km,
                        "ready_by": r.ready_by.isoformat(),  # on the node's clock
                        "minutes": r.minutes,
                    }
                    for r in h.reach
                ],
            }
            for h in result.hits
        ],
        "facets": None
        if facets is None
        else {
            "category": {v.value: v.count for v in facets.categories},
            "brand": {v.value: v.count for v in facets.brands},
            "attributes": {
                k: {v.value: v.count for v in vs} for k, vs in facets.attributes.items()
            },
            "price": {band.label: count for band, count in facets.prices},
        },
    }
