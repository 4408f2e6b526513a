"""`microindex feeds ...`: tell the channels what is available where, and measure how right.

Example: microindex feeds google products feed.xml && microindex feeds accuracy --days 7
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.progress import Progress
from rich.table import Table

from microindex.adapters.channels import feed_files
from microindex.adapters.channels.feed_documents import (
    FEED_FILES,
    NEWS_LIMIT,
    FeedContext,
    FeedFile,
)
from microindex.adapters.channels.memory import ListWriter
from microindex.adapters.channels.merchant_api import (
    API_ROOT,
    PUSH_RETRIES,
    HttpxTransport,
    MerchantPush,
    local_inventory,
    product_input,
)
from microindex.adapters.channels.page import page_shows, render_product_page
from microindex.adapters.channels.voice import ssml, voice_json
from microindex.adapters.channels.wiring import channel_sources
from microindex.adapters.media.wiring import open_capture
from microindex.adapters.search.files import load_synonyms, open_index
from microindex.domain.channels.items import Item
from microindex.domain.channels.mapping import Channel
from microindex.domain.channels.newsletter import FeedEntry
from microindex.domain.node import Location
from microindex.entrypoints.cli.context import (
    all_node_databases,
    console,
    domain_errors,
    errors,
    print_json,
    workspace,
)
from microindex.service.accuracy_days import Sources, kept_accuracy
from microindex.service.capture_views import published_image
from microindex.service.channel_history import newsletter_entries
from microindex.service.channel_views import (
    answer_question,
    availability,
    check_page,
    product_page,
)
from microindex.service.channels import ChannelSources, Mode, send
from microindex.service.indexing import catch_up
from microindex.service.nodes import list_nodes

app = typer.Typer(help="Syndication: Google, Meta, pages, newsletters, voice; listing accuracy.")
google = typer.Typer(help="Google Merchant Center feeds.")
push = typer.Typer(help="Push to a channel's API.")
app.add_typer(google, name="google")
app.add_typer(push, name="push")

OUT = typer.Argument(..., help="The file to write (replaced only once complete).")
DELTA = typer.Option(False, "--delta", help="Only items changed since they were last sent.")
JSON = typer.Option(False, "--json", help="Print JSON.")


class FeedFormat(StrEnum):
    XML = "xml"
    TSV = "tsv"


class NewsFormat(StrEnum):
    RSS = "rss"
    ATOM = "atom"
    JSON = "json"


# Without --format, the file's suffix says what it holds (news.json is a JSON Feed), as
# `labels product` picks PNG or SVG: a channel fetching news.json would refuse RSS in it.
GOOGLE_BY_SUFFIX = {".tsv": FeedFormat.TSV, ".txt": FeedFormat.TSV}
NEWS_BY_SUFFIX = {".atom": NewsFormat.ATOM, ".json": NewsFormat.JSON}


def _sources(ctx: typer.Context) -> ChannelSources:
    ws = workspace(ctx)
    nodes = list_nodes(ws.hub)
    settings = ws.settings.feed
    files = {n.code.value: ws.settings.nodes_dir / f"{n.code.value}.sqlite" for n in nodes}
    all_node_databases(ctx)  # each node's file exists and is migrated
    tools = open_capture(ws.storage, ws.hub, ws.settings.capture)

    def image_for(sku: str) -> str:
        image = published_image(tools, sku)
        return image.url(settings.base_url) if image else ""

    sources = channel_sources(ws.storage, files, nodes, settings, image_for)
    ctx.call_on_close(sources.store.close)
    warning = ws.settings.feed_warning
    if warning:
        errors.print(f"warning: {warning}", markup=False)
    return sources


def _done(channel: Channel, out: Path, items: int, mode: Mode) -> None:
    console.print(f"{channel.value}: {items} item(s) written to {out} ({mode.value})")


def _context(ctx: typer.Context, limit: int = NEWS_LIMIT) -> FeedContext:
    ws, sources = workspace(ctx), _sources(ctx)

    def news(newest: int) -> list[FeedEntry]:
        ledgers, now = all_node_databases(ctx), ws.clock()
        return newsletter_entries(
            ws.hub,
            ledgers,
            sources.nodes,
            sources.settings,
            newest,
            lambda node, sku: availability(sources, node, sku, now).available,
        )

    return FeedContext(sources, news, limit)


def _write(
    ctx: typer.Context, feed: FeedFile, out: Path, mode: Mode, limit: int = NEWS_LIMIT
) -> int:
    """Write `feed` to `out` as the hub serves it at /feeds/{name}, recording what it lists."""
    context = _context(ctx, limit)
    with feed_files.replaced(out) as handle:
        return feed.write(context, handle, workspace(ctx).clock(), mode, True)


@google.command("products")
def google_products(
    ctx: typer.Context,
    out: Path = OUT,
    fmt: FeedFormat | None = typer.Option(
        None, "--format", help="xml (RSS 2.0) or tsv (default: tsv for a .tsv or .txt file)."
    ),
    delta: bool = DELTA,
) -> None:
    """The product feed. Example: microindex feeds google products feed.xml --delta"""
    mode = Mode.DELTA if delta else Mode.FULL
    fmt = fmt or GOOGLE_BY_SUFFIX.get(out.suffix.lower(), FeedFormat.XML)
    with domain_errors():
        items = _write(ctx, FEED_FILES[f"google.{fmt.value}"], out, mode)
    _done(Channel.GOOGLE, out, items, mode)


@google.command("local")
def google_local(ctx: typer.Context, out: Path = OUT, delta: bool = DELTA) -> None:
    """The local inventory feed (TSV), one row per node (store_code) and product.
    Example: microindex feeds google local local.tsv"""
    mode = Mode.DELTA if delta else Mode.FULL
    with domain_errors():
        items = _write(ctx, FEED_FILES["google-local.tsv"], out, mode)
    _done(Channel.GOOGLE_LOCAL, out, items, mode)


@app.command("meta")
def meta(ctx: typer.Context, out: Path = OUT, delta: bool = DELTA) -> None:
    """The Meta (Facebook, Instagram) catalog CSV. Example: microindex feeds meta meta.csv"""
    mode = Mode.DELTA if delta else Mode.FULL
    with domain_errors():
        items = _write(ctx, FEED_FILES["meta.csv"], out, mode)
    _done(Channel.META, out, items, mode)


@app.command("newsletter")
def newsletter(
    ctx: typer.Context,
    out: Path = OUT,
    fmt: NewsFormat | None = typer.Option(
        None,
        "--format",
        help="rss, atom or json (default: atom for .atom, json for .json, else rss).",
    ),
    limit: int = typer.Option(NEWS_LIMIT, "--limit", min=1, help="Newest entries kept."),
) -> None:
    """New drops and restocks for newsletters. Example: microindex feeds newsletter news.xml"""
    fmt = fmt or NEWS_BY_SUFFIX.get(out.suffix.lower(), NewsFormat.RSS)
    with domain_errors():
        entries = _write(ctx, FEED_FILES[f"news.{fmt.value}"], out, Mode.FULL, limit)
    console.print(f"newsletter: {entries} entries written to {out} ({fmt.value})")


@app.command("voice")
def voice(
    ctx: typer.Context,
    question: str = typer.Argument(
        ..., help='What the shopper asked, e.g. "is the blue mug in stock"'
    ),
    lat: float = typer.Option(..., "--lat", help="Shopper latitude."),
    lon: float = typer.Option(..., "--lon", help="Shopper longitude."),
    as_json: bool = JSON,
) -> None:
    """A spoken answer (SSML) to "is X in stock near me?".
    Example: microindex feeds voice "is the blue mug in stock" --lat 51.53 --lon -0.06"""
    with domain_errors():
        ws, sources = workspace(ctx), _sources(ctx)
        index = open_index(ws.settings.workspace, None)
        ctx.call_on_close(index.close)
        catch_up(index, ws.hub, None)
        synonyms = load_synonyms(ws.settings.workspace)
        here = Location(lat, lon)
        language = ws.settings.language
        answer = answer_question(sources, index, synonyms, question, here, ws.clock(), language)
    print_json(voice_json(answer)) if as_json else typer.echo(ssml(answer))


@push.command("google")
def push_google(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Build the API bodies, send nothing."),
    account: str = typer.Option("", "--account", envvar="MICROINDEX_MERCHANT_ACCOUNT"),
    data_source: str = typer.Option("", "--data-source", envvar="MICROINDEX_MERCHANT_DATA_SOURCE"),
    token: str = typer.Option("", "--token", envvar="MICROINDEX_MERCHANT_TOKEN"),
    feed_label: str = typer.Option("GB", "--feed-label", help="The products' feed label."),
    language: str = typer.Option("en", "--language", help="Content language (ISO 639-1)."),
    attempts: int = typer.Option(
        PUSH_RETRIES.max_attempts, "--attempts", min=1, help="Tries per item on 429/5xx."
    ),
    api_root: str = typer.Option(API_ROOT, "--api-root", hidden=True),
    delta: bool = DELTA,
) -> None:
    """Insert products and local inventories through the Merchant API v1 (prices in micros).
    Items the API refuses are not recorded as sent (`--delta` sends them again); 429 and 5xx
    answers are retried with exponential backoff.
    Example: microindex feeds push google --dry-run"""
    with domain_errors():
        sources, now = _sources(ctx), workspace(ctx).clock()
        mode = Mode.DELTA if delta else Mode.API
        if dry_run:
            shown = ListWriter()
            counted = [
                send(sources, c, shown, now, mode, record=False)
                for c in (Channel.GOOGLE, Channel.GOOGLE_LOCAL)
            ]
            print_json(
                {
                    "would_send": {r.channel: r.items for r in counted},
                    "first": [_body(i, language, feed_label) for i in shown.items[:2]],
                }
            )
            return
        if not (account and data_source and token):
            raise typer.BadParameter(
                "--account, --data-source and --token are needed (or --dry-run)"
            )
        retries = replace(PUSH_RETRIES, max_attempts=attempts)
        with httpx.Client(timeout=30) as client, Progress(console=console) as progress:
            task = progress.add_task("google: pushing", total=None)

            def advance(push: MerchantPush) -> None:
                done = f"{push.sent} sent, {len(push.refused)} refused"
                progress.update(task, description=f"google: {done}", advance=1)

            writer = MerchantPush(
                HttpxTransport(client, token, api_root),
                account,
                data_source,
                feed_label,
                language,
                retries,
                progress=advance,
            )
            for channel in (Channel.GOOGLE, Channel.GOOGLE_LOCAL):
                send(sources, channel, writer, now, mode)
    console.print(
        f"google: {writer.sent} sent, {len(writer.refused)} refused (not recorded as sent), "
        f"{writer.retried} retried"
    )
    for reason, count in writer.reasons().most_common():
        console.print(f"  {count} refused: {reason}", markup=False)


def _body(item: Item, language: str, feed_label: str) -> dict[str, Any]:
    if "store_code" in item:
        return local_inventory(item)
    return product_input(item, language, feed_label)


@app.command("page")
def page(
    ctx: typer.Context,
    sku: str = typer.Argument(..., help="The product's SKU."),
    node: str = typer.Argument(..., help="The node whose page it is."),
    check: bool = typer.Option(False, "--check", help="Read its JSON-LD back and record it."),
) -> None:
    """Print a node's product page (HTML with JSON-LD).
    Example: microindex feeds page MUG-001 shopfront --check"""
    with domain_errors():
        sources, now = _sources(ctx), workspace(ctx).clock()
        if check:
            check_page(sources, sku, node, now, render_product_page, page_shows)
        typer.echo(render_product_page(product_page(sources, sku, node, now)))


@app.command("accuracy")
def accuracy(
    ctx: typer.Context,
    days: int = typer.Option(
        7, "--days", min=1, help="How far back: whole UTC days from the one it reaches."
    ),
    window_hours: int = typer.Option(
        24, "--window-hours", min=1, help="One row per window (whole days: from kept days)."
    ),
    as_json: bool = JSON,
) -> None:
    """Listing accuracy per channel and field: what each channel showed against the ledgers.
    Example: microindex feeds accuracy --days 7 --window-hours 24"""
    with domain_errors():
        ws, sources = workspace(ctx), _sources(ctx)
        end = ws.clock()
        kept = Sources(
            sources.store, ws.hub, all_node_databases(ctx), sources.nodes, sources.settings
        )
        report = kept_accuracy(
            kept, (end - timedelta(days=days), end), timedelta(hours=window_hours)
        )
    rows = [c for c in report.cells if c.checked]
    if as_json:
        print_json(
            [
                {
                    "channel": c.channel,
                    "basis": c.basis.value,
                    "field": c.field,
                    "start": c.start,
                    "end": c.end,
                    "checked": c.checked,
                    "matched": c.matched,
                    "accuracy": c.accuracy,
                }
                for c in rows
            ]
        )
        return
    table = Table("channel", "basis", "field", "window from", "checked", "accuracy")
    for c in rows:
        table.add_row(
            c.channel,
            c.basis.value,
            c.field,
            f"{c.start:%Y-%m-%d %H:%M}",
            str(c.checked),
            f"{(c.accuracy or 0):.1%}",
        )
    console.print(table if rows else "nothing sent in that span: no accuracy to measure")
