"""Search over HTTP: the hub's index or a node's, and what a customer can get soon nearby.

Every role may search the catalog. Hits carry on-hand per node, so a token sees only the stock
it may read: a staff token searching the hub sees its own node's figures, and may search a
node's own index (`node=`, with `in_stock` meaning at that node) only for its own node. One
index per workspace directory stays open for the process (`kept_index.KeptIndex`): each query
reads an index holding every commit made before it arrived, waiting for the background catch-up
that includes them when needed; `index_warming` (503) while the first build runs or when that
catch-up is not done within the ceiling.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from microindex.adapters.search.files import index_path, load_synonyms, open_index
from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.access import AccessToken, Action, may, require
from microindex.domain.errors import InvalidValue
from microindex.domain.node import Location
from microindex.domain.search.request import (
    MAX_LIMIT,
    MAX_OFFSET,
    Filters,
    SearchRequest,
    SortOrder,
)
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.context import Hub
from microindex.entrypoints.http.kept_index import KeptIndex
from microindex.entrypoints.http.schemas import NODE_PATTERN
from microindex.service.nodes import list_nodes
from microindex.service.search import Hit, NearRequest, SearchResult, search, search_near

api = router("search")

Text = Annotated[str, Query(max_length=500, description="What to look for (SKU or GTIN too).")]
Price = Annotated[Decimal | None, Query(gt=0, le=1_000_000_000)]
Many = Annotated[list[str], Query(max_length=20)]
Attr = Annotated[list[str], Query(max_length=20, description="NAME=VALUE, repeatable.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class ReachOut(BaseModel):
    node: str
    method: str
    distance_km: float
    ready_by: str
    minutes: int


class HitOut(BaseModel):
    sku: str
    title: str
    brand: str
    category: str
    price: str
    currency: str
    score: float
    stock: dict[str, int]
    title_marked: str
    snippet: str
    reach: list[ReachOut]


class SearchOut(BaseModel):
    total: int
    dropped_terms: int
    hits: list[HitOut]
    facets: dict[str, dict[str, int]]
    reason: str | None = None  # why nothing was searched (a query with no searchable word)


_indexes: dict[FilePath, KeptIndex] = {}
_opening = threading.Lock()


def warm(hub: Hub, node: str | None) -> None:
    """Bring the index up to date in the background: at start-up (a first build) and after a
    commit that changes much of it (a catalog import), so no request waits for that work."""
    _kept(hub, node).start()


def _kept(hub: Hub, node: str | None) -> KeptIndex:
    database = hub.node(node) if node else hub.hub  # an unknown node is refused here
    root = hub.workspace.settings.workspace
    with _opening:
        kept = _indexes.get(index_path(root, node))
        if kept is None:
            kept = _indexes[index_path(root, node)] = KeptIndex(
                open_index(root, node), database, node
            )
        kept.database = database  # this app's (a workspace opened again has new connections)
    hub.workspace.before_close(kept.settle)  # its catch-up ends before the databases close
    return kept


@contextmanager
def caught_up(hub: Hub, node: str | None) -> Iterator[TantivyIndex]:
    """The process's index for the hub (None) or a node, holding every commit made before
    the call (`KeptIndex.current`); `IndexWarming` while it is built or catching up too long."""
    yield _kept(hub, node).current()


@api.get("/search", response_model=SearchOut, summary="Search products (typo-tolerant, faceted)")
def find(
    hub: HubDep,
    token: TokenDep,
    q: Text = "",
    node: Annotated[str | None, Query(pattern=NODE_PATTERN, description="A node's index.")] = None,
    in_stock: bool = False,
    price_min: Price = None,
    price_max: Price = None,
    category: Many = [],  # noqa: B006 - FastAPI copies query defaults
    brand: Many = [],  # noqa: B006
    attr: Attr = [],  # noqa: B006
    sort: SortOrder = SortOrder.RELEVANCE,
    offset: Offset = 0,
    limit: Limit = 10,
    facets: Annotated[bool, Query(description="Count facets (false: skip the work).")] = True,
) -> SearchOut:
    require(token.grant, Action.READ_CATALOG)
    if node is not None:
        require(token.grant, Action.READ_STOCK, node)
    filters = _filters(in_stock, price_min, price_max, category, brand, attr)
    request = SearchRequest(q, filters, sort, offset, limit, facets)
    synonyms = load_synonyms(hub.workspace.settings.workspace)
    with caught_up(hub, node) as index:
        result = search(index, request, node, synonyms)
    return to_search_out(result, token)


@api.get(
    "/search/near",
    response_model=SearchOut,
    summary="What a customer can get soon: in stock at nodes that serve them, with when",
)
def near(
    hub: HubDep,
    token: TokenDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    q: Text = "",
    pickup_km: Annotated[float, Query(ge=0, le=1000)] = 5.0,
    within: Annotated[int | None, Query(ge=1, le=100_000, description="Minutes.")] = None,
    sort: SortOrder = SortOrder.RELEVANCE,
    offset: Offset = 0,
    limit: Limit = 10,
    facets: Annotated[bool, Query(description="Count facets (false: skip the work).")] = True,
) -> SearchOut:
    require(token.grant, Action.READ_CATALOG)
    wanted = SearchRequest(q, Filters(True), sort, offset, limit, facets)
    request = NearRequest(wanted, Location(lat, lon), hub.now(), pickup_km, within)
    synonyms = load_synonyms(hub.workspace.settings.workspace)
    nodes = list_nodes(hub.hub)
    with caught_up(hub, None) as index:
        result = search_near(index, request, nodes, synonyms)
    return to_search_out(result, token)


def _filters(
    in_stock: bool,
    low: Decimal | None,
    high: Decimal | None,
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
    return Filters(in_stock, low, high, tuple(categories), tuple(brands), tuple(pairs))


def to_search_out(result: SearchResult, token: AccessToken | None) -> SearchOut:
    """The result as the API shows it; a token sees only the stock it may read."""
    facets = result.facets
    shown: dict[str, dict[str, int]] = {}
    if facets is not None:
        shown["category"] = {v.value: v.count for v in facets.categories}
        shown["brand"] = {v.value: v.count for v in facets.brands}
        shown["price"] = {band.label: count for band, count in facets.prices}
        for name, values in facets.attributes.items():
            shown[f"attr:{name}"] = {v.value: v.count for v in values}
    return SearchOut(
        total=result.total,
        dropped_terms=result.dropped_terms,
        hits=[_hit(h, token) for h in result.hits],
        facets=shown,
        reason=result.reason,
    )


def _hit(hit: Hit, token: AccessToken | None) -> HitOut:
    readable = {
        n: q
        for n, q in hit.stock.items()
        if token is None or may(token.grant, Action.READ_STOCK, n)
    }
    return HitOut(
        sku=hit.sku,
        title=hit.title,
        brand=hit.brand,
        category=hit.category,
        price=str(hit.price),
        currency=hit.currency,
        score=round(hit.score, 4),
        stock=readable,
        title_marked=hit.title_marked.marked(),
        snippet=hit.snippet.marked(),
        reach=[
            ReachOut(
                node=r.node,
                method=r.method.value,
                distance_km=r.distance_km,
                ready_by=r.ready_by.isoformat(),  # on the node's clock, with its offset
                minutes=r.minutes,
            )
            for r in hit.reach
        ],
    )
