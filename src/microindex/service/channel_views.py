"""What one shopper sees: a node's product page (with its schema.org offer) and a voice answer.

Both read the freshest figure of the node and downgrade it with the one availability rule the
feeds use too, so a page or a spoken "yes" never promises what a stale figure cannot back, nor
says other than the feeds read at the same moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from microindex.domain.channels.figures import Published, exact, publish
from microindex.domain.channels.items import Item
from microindex.domain.channels.mapping import (
    Channel,
    for_sale,
    schema_availability,
    voice_availability,
)
from microindex.domain.channels.price import price_at
from microindex.domain.channels.voice import (
    DEFAULT_LANGUAGE,
    NodeAnswer,
    VoiceAnswer,
    question_terms,
)
from microindex.domain.errors import UnknownSku
from microindex.domain.kits import bundle_figure
from microindex.domain.money import Money
from microindex.domain.node import Location, Node
from microindex.domain.product import Product
from microindex.domain.search.query import Synonyms
from microindex.domain.search.reach import DEFAULT_PICKUP_KM, reachable
from microindex.domain.search.request import SearchRequest
from microindex.service.channel_ports import PushRecord, SentItem
from microindex.service.channels import ChannelSources, observe
from microindex.service.known import near, node_named
from microindex.service.search import SearchIndex, search


@dataclass(frozen=True, slots=True)
class ProductPage:
    """Everything a node's product page shows; `availability` None means it says nothing."""

    product: Product
    node: Node
    figure: Published
    availability: str | None
    price: Money
    url: str
    image: str
    at: datetime


def _node(sources: ChannelSources, code: str) -> Node:
    return node_named(sources.nodes, code)


def availability(sources: ChannelSources, node: str, sku: str, now: datetime) -> Published:
    """What every channel may say of `sku` at `node` at `now` (the one rule at work); of a
    kit, what its parts there make (`kits.bundle_figure`)."""
    kit = sources.kits.get(sku)
    if kit is not None:
        skus = [part.sku for part in kit.parts]
        held = {f.sku: publish(f, now, sources.rule) for f in sources.figures.figures(node, skus)}
        return bundle_figure(kit, node, held)
    found = next(iter(sources.figures.figures(node, [sku])), None)
    if found is None:
        return exact(node, sku, 0)  # the node's ledger has never held it
    return publish(found, now, sources.rule)


def product_page(sources: ChannelSources, sku: str, node: str, now: datetime) -> ProductPage:
    """The page of `sku` at `node` as of `now` (the HTTP API renders it; see
    adapters/channels/page.py `render_product_page`)."""
    product = sources.products.product(sku)
    if product is None:
        raise UnknownSku(sku, near(sku, (p.sku.value for p in sources.products.products())))
    where = _node(sources, node)
    figure = for_sale(product, availability(sources, node, sku, now))
    return ProductPage(
        product,
        where,
        figure,
        schema_availability(product, figure, sources.settings.day_of(now)),
        price_at(product, now),
        sources.settings.node_product_url(product, node),
        sources.image_for(sku),
        now,
    )


def check_page(
    sources: ChannelSources,
    sku: str,
    node: str,
    now: datetime,
    render: Callable[[ProductPage], str],
    read_back: Callable[[str], Item],
) -> PushRecord:
    """Render the page, read its JSON-LD back as a crawler would, and record what it shows."""
    page = product_page(sources, sku, node, now)
    shown = read_back(render(page))
    seen = SentItem(f"{node}/{sku}", shown, page.figure.buffer)
    return observe(sources.store, Channel.PAGE, now, [seen])


def voice_answer(
    sources: ChannelSources,
    question: str,
    product: Product | None,
    customer: Location,
    now: datetime,
    pickup_km: float = DEFAULT_PICKUP_KM,
    language: str = DEFAULT_LANGUAGE,
) -> VoiceAnswer:
    """Answer for `product` (the best match, or None) at the nodes that can serve the shopper,
    soonest first, each node's figure judged by the one rule, to be said in `language`."""
    if product is None:
        return VoiceAnswer(question, "", "", (), language)
    sku = product.sku.value
    served = reachable(sources.nodes, customer, now, pickup_km)
    nodes = []
    for option in sorted(served.values(), key=lambda r: (r.ready_by, r.distance_km, r.node)):
        figure = for_sale(product, availability(sources, option.node, sku, now))
        name = _node(sources, option.node).name
        spoken = voice_availability(figure)
        nodes.append(NodeAnswer(option.node, name, option.distance_km, spoken, option.ready_by))
    return VoiceAnswer(question, sku, product.title, tuple(nodes), language)


def answer_question(
    sources: ChannelSources,
    index: SearchIndex,
    synonyms: Synonyms | None,
    question: str,
    customer: Location,
    now: datetime,
    language: str = DEFAULT_LANGUAGE,
) -> VoiceAnswer:
    """ "Is X in stock near me?": the best match for the question's words (the CLI's
    `feeds voice` and the API's `/api/v1/voice` both ask here), answered by `voice_answer`
    in `language`, the shop's. A question without a word naming a product names none (an
    empty search lists them all)."""
    terms = question_terms(question, language)
    hits = search(index, SearchRequest(terms, limit=1), None, synonyms).hits if terms else []
    product = sources.products.product(hits[0].sku) if hits else None
    return voice_answer(sources, question, product, customer, now, language=language)


def products_at(sources: ChannelSources, handle: str) -> list[Product]:
    """The products whose page is `/products/{handle}` (as `FeedSettings.product_url` links
    them): those with that handle, or else the one with that SKU; SKU order."""
    found = sources.products.with_handle(handle) if handle else []
    if not found:
        product = sources.products.product(handle)
        found = [product] if product is not None else []
    if not found:
        raise UnknownSku(handle)
    return found


NODE_PAGE_LIMIT = 500  # products listed on a node's page


@dataclass(frozen=True, slots=True)
class NodePage:
    """A node's own page: the node, and a page of each product it holds, in SKU order."""

    node: Node
    url: str
    products: tuple[ProductPage, ...]


def node_page(sources: ChannelSources, node: str, now: datetime) -> NodePage:
    """The page of `node` as of `now`: each product its ledger holds (its figure judged by
    the page rule, as on the product's page at that node), up to `NODE_PAGE_LIMIT`."""
    where = _node(sources, node)
    held = [f.sku for f in sources.figures.figures(node) if f.quantity > 0]
    pages: list[ProductPage] = []
    for sku in held:
        if len(pages) >= NODE_PAGE_LIMIT:
            break
        if sources.products.product(sku) is not None:
            pages.append(product_page(sources, sku, node, now))
    url = f"{sources.settings.base_url.rstrip('/')}/stores/{quote(node, safe='')}"
    return NodePage(where, url, tuple(pages))
