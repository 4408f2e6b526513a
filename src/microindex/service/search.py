"""Search use cases: find products at a node or the hub, and "near me" at the hub.

The engine sits behind the `SearchIndex` port; the rules (parsing, typo budgets, relaxation,
tie-breaks, reach and ready-by) are the domain's. Before answering, the index catches up with
what has been committed (see `indexing.catch_up`), so a search is never silently behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from microindex.domain.node import Location, Node
from microindex.domain.product import Product
from microindex.domain.search.facets import DEFAULT_BANDS, Facets, PriceBand
from microindex.domain.search.highlight import Highlighted, Matcher, highlight, snippet
from microindex.domain.search.query import ParsedQuery, Synonyms, must_match_steps, parse_query
from microindex.domain.search.ranking import near_score, tie_broken
from microindex.domain.search.reach import DEFAULT_PICKUP_KM, Reach, reachable
from microindex.domain.search.request import MAX_LIMIT, SearchRequest, SortOrder
from microindex.domain.search.searched import Searched, searched

NEAR_CANDIDATES = MAX_LIMIT  # the relevance window "near me" re-ranks by time to hand
BANDS = DEFAULT_BANDS


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the index holds about a product: its values (`searched`) and its on-hand per node
    (> 0 only). A build reads the values straight from the catalog's rows (ADR 0043)."""

    values: Searched
    stock: Mapping[str, int]

    @classmethod
    def of(cls, product: Product, stock: Mapping[str, int]) -> IndexEntry:
        return cls(searched(product), stock)


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """One engine query: parsed terms, filters, how many terms must match, the page."""

    query: ParsedQuery
    request: SearchRequest
    must_match: int
    # Only products in stock at one of these nodes; None with `in_stock`: at any node.
    stocked_at: frozenset[str] | None = None
    bands: tuple[PriceBand, ...] = ()


@dataclass(frozen=True, slots=True, init=False)
class EngineHit:
    sku: str
    score: float
    title: str
    brand: str
    category: str
    description: str
    price: Decimal
    currency: str
    stock: Mapping[str, int]
    attributes: tuple[tuple[str, str], ...] = ()

    def __init__(
        self,
        sku: str,
        score: float,
        title: str,
        brand: str,
        category: str,
        description: str,
        price: Decimal,
        currency: str,
        stock: Mapping[str, int],
        attributes: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """The generated `__init__`, each field written through its slot's setter as
        `Movement`'s (ADR 0023): made for every hit of every page, and the generated one's
        `object.__setattr__` per field cost three times as much (ADR 0030)."""
        _e_sku(self, sku)
        _e_score(self, score)
        _e_title(self, title)
        _e_brand(self, brand)
        _e_category(self, category)
        _e_description(self, description)
        _e_price(self, price)
        _e_currency(self, currency)
        _e_stock(self, stock)
        _e_attributes(self, attributes)


# Each field's slot setter, which `EngineHit.__init__` writes through.
(
    _e_sku, _e_score, _e_title, _e_brand, _e_category, _e_description, _e_price, _e_currency,
    _e_stock, _e_attributes,
) = (getattr(EngineHit, f.name).__set__ for f in fields(EngineHit))  # fmt: skip


@dataclass(frozen=True, slots=True)
class EnginePage:
    hits: list[EngineHit]
    total: int
    facets: Facets | None
    loose: frozenset[str] = frozenset()  # the terms looked up with typos (the index lacked them)


class SearchIndex(Protocol):
    """A product search index (derived data: rebuildable from the catalog and the ledgers)."""

    def writing(self) -> AbstractContextManager[bool]:
        """Be its one writer while inside (True), every process counted, starting from its
        last commit; False when another writer kept it too long: read the last commit then."""
        ...

    def upsert(self, entries: Sequence[IndexEntry]) -> None: ...
    def delete(self, skus: Sequence[str]) -> None: ...
    def clear(self) -> None: ...
    def commit(self, marks: Mapping[str, str]) -> None:
        """Make changes visible and durable together with the marks they bring it up to."""
        ...

    def marks(self) -> dict[str, str]: ...
    def differing(self, products: Iterable[Product]) -> set[str]:
        """The SKUs whose documents do not hold what `products`, the whole catalog, say now:
        changed, new, and gone from it (to find what a catalog copy changed)."""
        ...

    def search(self, plan: SearchPlan) -> EnginePage: ...
    def size_bytes(self) -> int: ...


class PageMarks:
    """What a result page's highlights match: the query as the engine ran it (typos only for
    the words it looked up with typos) and one word matcher for the page, made when a hit's
    highlights are first read."""

    __slots__ = ("_loose", "_made", "_query")

    def __init__(self, query: ParsedQuery, loose: frozenset[str]) -> None:
        self._query, self._loose = query, loose
        self._made: tuple[ParsedQuery, Matcher] | None = None

    def matching(self) -> tuple[ParsedQuery, Matcher]:
        if self._made is None:
            matched = _as_matched(self._query, self._loose)
            self._made = (matched, Matcher(matched))
        return self._made


@dataclass(frozen=True, slots=True, init=False)
class Hit:
    sku: str
    title: str
    brand: str
    category: str
    price: Decimal
    currency: str
    score: float
    stock: Mapping[str, int]
    description: str = field(repr=False)
    # The page's word matcher: highlights are made when a caller reads them, so a search
    # that shows none (a count, a scan, the bench's top 10) does not pay for them.
    marks: PageMarks = field(repr=False, compare=False)
    reach: tuple[
        Reach, ...
    ] = ()  # near me: nodes holding it that serve the customer, soonest first

    def __init__(
        self,
        sku: str,
        title: str,
        brand: str,
        category: str,
        price: Decimal,
        currency: str,
        score: float,
        stock: Mapping[str, int],
        description: str,
        marks: PageMarks,
        reach: tuple[Reach, ...] = (),
    ) -> None:
        """The generated `__init__`, each field written through its slot's setter as
        `Movement`'s (ADR 0023): a page makes ten, and the generated one's
        `object.__setattr__` per field cost 2.5 microseconds a hit, this one 0.7 (ADR 0030)."""
        _h_sku(self, sku)
        _h_title(self, title)
        _h_brand(self, brand)
        _h_category(self, category)
        _h_price(self, price)
        _h_currency(self, currency)
        _h_score(self, score)
        _h_stock(self, stock)
        _h_description(self, description)
        _h_marks(self, marks)
        _h_reach(self, reach)

    @property
    def title_marked(self) -> Highlighted:
        return highlight(self.title, *self.marks.matching())

    @property
    def snippet(self) -> Highlighted:
        query, matcher = self.marks.matching()
        return snippet(self.description, query, matcher=matcher)


# Each field's slot setter, which `Hit.__init__` writes through.
(
    _h_sku, _h_title, _h_brand, _h_category, _h_price, _h_currency, _h_score, _h_stock,
    _h_description, _h_marks, _h_reach,
) = (getattr(Hit, f.name).__set__ for f in fields(Hit))  # fmt: skip


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]
    total: int
    facets: Facets | None
    query: ParsedQuery
    dropped_terms: int = 0  # how many words the hits may miss (0: every word matched)
    reach: dict[str, Reach] = field(default_factory=dict)
    reason: str | None = None  # why there are no hits when it is the query's fault


def _unsearchable(query: ParsedQuery, request: SearchRequest) -> SearchResult | None:
    """No hits, and why, for a typed query without a word to look for (never the catalog)."""
    if query.unsearchable is None:
        return None
    facets = Facets() if request.facets else None
    return SearchResult([], 0, facets, query, reason=query.unsearchable)


def search(
    index: SearchIndex,
    request: SearchRequest,
    node: str | None = None,
    synonyms: Synonyms | None = None,
) -> SearchResult:
    """Search one index. `node` is the node whose stock `in_stock` means (None: any node)."""
    stocked = frozenset({node}) if node and request.filters.in_stock else None
    query = parse_query(request.text, synonyms)
    if (refused := _unsearchable(query, request)) is not None:
        return refused
    page, dropped = _relaxed(index, SearchPlan(query, request, 0, stocked, BANDS))
    held = (lambda h: h.stock.get(node, 0) > 0) if node else (lambda h: bool(h.stock))
    hits = page.hits
    if request.sort is SortOrder.RELEVANCE:
        hits = tie_broken(hits, lambda h: h.score, held, lambda h: h.sku)
    marks = PageMarks(query, page.loose)
    found = [_hit(h, marks) for h in hits]
    return SearchResult(found, page.total, page.facets, query, dropped)


@dataclass(frozen=True, slots=True)
class NearRequest:
    search: SearchRequest
    customer: Location
    now: datetime
    pickup_km: float = DEFAULT_PICKUP_KM
    within_minutes: int | None = None


def search_near(
    index: SearchIndex,
    request: NearRequest,
    nodes: Sequence[Node],
    synonyms: Synonyms | None = None,
) -> SearchResult:
    """Products in stock at nodes that can serve the customer, ranked by relevance and time."""
    served = reachable(
        nodes,
        request.customer,
        request.now,
        request.pickup_km,
        request.within_minutes,
    )
    wanted = request.search
    query = parse_query(wanted.text, synonyms)
    if (refused := _unsearchable(query, wanted)) is not None:
        return replace(refused, reach=served)
    if not served:
        return SearchResult([], 0, Facets() if wanted.facets else None, query, 0, served)
    window = replace(wanted, offset=0, limit=NEAR_CANDIDATES)
    plan = SearchPlan(query, window, 0, frozenset(served), BANDS)
    page, dropped = _relaxed(index, plan)
    marks = PageMarks(query, page.loose)
    hits = [_near_hit(h, served, marks) for h in page.hits]
    hits = [h for h in hits if h.reach]
    hits = _near_order(hits, wanted.sort)
    sliced = hits[wanted.offset : wanted.offset + wanted.limit]
    return SearchResult(sliced, page.total, page.facets, query, dropped, served)


def _near_order(hits: list[Hit], sort: SortOrder) -> list[Hit]:
    if sort is SortOrder.READY_BY:
        return sorted(hits, key=lambda h: (h.reach[0].ready_by, -h.score, h.sku))
    if sort is SortOrder.RELEVANCE:
        return sorted(hits, key=lambda h: (-near_score(h.score, h.reach[0].minutes), h.sku))
    return hits


def _relaxed(index: SearchIndex, plan: SearchPlan) -> tuple[EnginePage, int]:
    """All words must match; if nothing does, let one word go, then all but one."""
    terms = len(plan.query.terms)
    page = EnginePage([], 0, None)
    for must in must_match_steps(terms):
        page = index.search(SearchPlan(plan.query, plan.request, must, plan.stocked_at, plan.bands))
        if page.total:
            return page, terms - must
    return page, 0


def _as_matched(query: ParsedQuery, loose: frozenset[str]) -> ParsedQuery:
    """The query as the engine ran it: typos only for the terms it looked up with typos."""
    terms = tuple(t if t.text in loose else replace(t, typos=0) for t in query.terms)
    return replace(query, terms=terms)


def _hit(hit: EngineHit, marks: PageMarks, reach: tuple[Reach, ...] = ()) -> Hit:
    return Hit(
        hit.sku,
        hit.title,
        hit.brand,
        hit.category,
        hit.price,
        hit.currency,
        hit.score,
        hit.stock,
        hit.description,
        marks,
        reach,
    )


def _near_hit(hit: EngineHit, served: Mapping[str, Reach], marks: PageMarks) -> Hit:
    options = sorted(
        (served[n] for n, qty in hit.stock.items() if qty > 0 and n in served),
        key=lambda r: (r.ready_by, r.distance_km, r.node),
    )
    return _hit(hit, marks, tuple(options))
