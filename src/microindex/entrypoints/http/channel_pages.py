"""What the channels point to, served by the hub: product pages at the links every feed carries
(`/products/{handle}`, and a node's page `/products/{handle}?store={node}`), and each node's
page (`/stores/{node}`: what it holds), with schema.org JSON-LD; and every feed file at
`/feeds/{name}`, with an ETag and a Last-Modified, answered 304 when the fetcher has it.

Product pages are public, as a shopper's browser and a crawler fetch them. Feed files are read
with a token that may read the catalog and all stock (a channel's, or an admin's), sent as
`Authorization: Bearer <token>` or, for fetchers that only know a user name and password
(Merchant Center's and Meta's scheduled fetches), as HTTP Basic with the token as password.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from microindex.adapters.channels.feed_documents import FEED_FILES, FeedContext, rendered
from microindex.adapters.channels.page import (
    render_node_page,
    render_product_offers,
    render_product_page,
)
from microindex.adapters.channels.wiring import channel_sources
from microindex.adapters.media.wiring import open_capture
from microindex.domain.access import AccessToken, Action, require
from microindex.domain.channels.newsletter import FeedEntry
from microindex.domain.errors import DomainError
from microindex.entrypoints.http.api.common import ERRORS
from microindex.entrypoints.http.context import Hub, hub_of
from microindex.entrypoints.http.templating import page
from microindex.service.access import authenticate
from microindex.service.capture_views import published_image
from microindex.service.channel_history import newsletter_entries
from microindex.service.channel_views import availability, node_page, product_page, products_at
from microindex.service.channels import ChannelSources, ServedFile, serve_file
from microindex.service.nodes import list_nodes

router = APIRouter(tags=["channels"])

PAGE_CACHE = "public, max-age=60"  # a page is live: a minute of caching at most
FEED_CACHE = "private, no-cache"  # always revalidated (ETag), never kept by a shared cache
FeedName = Annotated[
    str, Path(pattern="^(" + "|".join(n.replace(".", r"\.") for n in FEED_FILES) + ")$")
]


@contextmanager
def hub_sources(
    hub: Hub, base: str | None = None, channel: str = "google"
) -> Iterator[ChannelSources]:
    """The channels' view of the hub as `feeds` has it: figures with their age, the images
    `channel` accepts at `base` (default: the shop's own address, `[channels] base_url`)."""
    ws = hub.workspace
    settings = ws.settings
    nodes = list_nodes(ws.hub)
    hub.nodes()  # every node's file is open and migrated
    files = {n.code.value: settings.nodes_dir / f"{n.code.value}.sqlite" for n in nodes}
    tools = open_capture(ws.storage, ws.hub, settings.capture)
    here = settings.feed.base_url if base is None else base

    def image_for(sku: str) -> str:
        image = published_image(tools, sku, channel)
        return image.url(here) if image else ""

    sources = channel_sources(ws.storage, files, nodes, settings.feed, image_for)
    try:
        yield sources
    finally:
        sources.store.close()


def feed_reader(request: Request) -> AccessToken:
    """The token of a feed fetch: Bearer, or Basic with the token as the password."""
    hub = hub_of(request)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    secret: str | None = None
    if scheme.lower() == "bearer":
        secret = value.strip()
    elif scheme.lower() == "basic":
        try:
            secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            secret = None
    return authenticate(hub.tokens, secret, hub.now())


@router.get(
    "/products/{handle:path}",
    response_class=HTMLResponse,
    summary="A product's page (HTML with schema.org JSON-LD), at every node or at one",
    responses={404: {"description": "No product with that handle or SKU; no such node."}},
)
def product_html(
    request: Request,
    handle: Annotated[str, Path(max_length=300)],
    store: Annotated[str | None, Query(max_length=64, description="A node's code.")] = None,
    sku: Annotated[str | None, Query(max_length=300, description="One of several.")] = None,
) -> Response:
    """The page a feed's `link` leads to: `handle` is the product's handle (or its SKU), as
    `feeds` percent-encodes it. With `store`, that node's offer (the local inventory page);
    without, an offer at every node. Products sharing a handle: the first SKU, or `sku`."""
    hub = hub_of(request)
    try:
        with hub_sources(hub) as sources:
            html = _page_html(sources, handle, store, sku, hub.now())
    except DomainError as error:
        return page(request, "scan_missing.html", status=404, problem=str(error))
    return HTMLResponse(
        html, headers={"Cache-Control": PAGE_CACHE, "X-Content-Type-Options": "nosniff"}
    )


def _page_html(
    sources: ChannelSources, handle: str, store: str | None, sku: str | None, now: datetime
) -> str:
    found = products_at(sources, handle)
    product = next((p for p in found if p.sku.value == sku), found[0])
    code = product.sku.value
    if store is not None:
        return render_product_page(product_page(sources, code, store, now))
    pages = [product_page(sources, code, n.code.value, now) for n in sources.nodes]
    return render_product_offers(pages, sources.settings.product_url(product))


@router.get(
    "/stores/{node}",
    response_class=HTMLResponse,
    summary="A node's page: what it holds now (HTML with schema.org Store JSON-LD)",
    responses={404: {"description": "No such node."}},
)
def store_html(request: Request, node: Annotated[str, Path(max_length=64)]) -> Response:
    """The node's name and place and each product it holds, its stock judged by the page
    rule, each linked to the product's page at this node (`/products/{handle}?store=`)."""
    hub = hub_of(request)
    try:
        with hub_sources(hub) as sources:
            html = render_node_page(node_page(sources, node, hub.now()))
    except DomainError as error:
        return page(request, "scan_missing.html", status=404, problem=str(error))
    headers = {"Cache-Control": PAGE_CACHE, "X-Content-Type-Options": "nosniff"}
    return HTMLResponse(html, headers=headers)


@router.get(
    "/feeds/{name}",
    summary="A feed file: Google XML or TSV, local inventory TSV, Meta CSV, RSS, Atom, JSON Feed",
    responses={
        200: {
            "description": "The file, as `microindex feeds` writes it.",
            "content": {f.media_type: {} for f in FEED_FILES.values()},
        },
        304: {"description": "Not modified: the ETag (or date) the fetcher sent is current."},
        **{s: ERRORS[s] for s in (401, 403, 422)},
    },
)
async def feed_file(
    request: Request, name: FeedName, token: Annotated[AccessToken, Depends(feed_reader)]
) -> Response:
    """`google.xml`, `google.tsv`, `google-local.tsv`, `meta.csv`, `news.rss`, `news.atom`,
    `news.json`. Each answer carries a strong `ETag` (a digest of the bytes) and the
    `Last-Modified` of that content; `If-None-Match` or `If-Modified-Since` that match are
    answered 304 with no body. A new file's items are recorded as sent to the channel."""
    require(token.grant, Action.READ_CATALOG)
    require(token.grant, Action.READ_STOCK)
    served = await run_in_threadpool(_serve, hub_of(request), name)
    headers = {
        "ETag": served.etag,
        "Last-Modified": format_datetime(served.modified_at, usegmt=True),
        "Cache-Control": FEED_CACHE,
    }
    if _fresh(request, served):
        return Response(status_code=304, headers=headers)
    media = FEED_FILES[name].media_type + "; charset=utf-8"
    return Response(served.body, media_type=media, headers=headers)


def _serve(hub: Hub, name: str) -> ServedFile:
    feed, now = FEED_FILES[name], hub.now()
    with hub_sources(hub) as sources:

        def news(limit: int) -> list[FeedEntry]:
            return newsletter_entries(
                hub.hub,
                hub.ledgers(),
                sources.nodes,
                sources.settings,
                limit,
                lambda node, sku: availability(sources, node, sku, now).available,
            )

        context = FeedContext(sources, news)
        return serve_file(sources, name, feed.channel, lambda: rendered(feed, context, now), now)


def _fresh(request: Request, served: ServedFile) -> bool:
    """RFC 9110: If-None-Match (weak comparison) decides when sent; else If-Modified-Since."""
    tags = request.headers.get("if-none-match")
    if tags is not None:
        wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return "*" in wanted or served.etag in wanted
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if moment.tzinfo is None:
        return False
    return served.modified_at.replace(microsecond=0) <= moment
