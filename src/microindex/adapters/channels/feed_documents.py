"""Every feed file by name: what `microindex feeds ...` writes to disk and what the hub serves
at `/feeds/{name}`, written by the same functions.

The product feeds (Google XML and TSV, local inventory TSV, Meta CSV) stream items through
`service.channels.send`; the newsletter feeds (RSS, Atom, JSON Feed) list the newest drops and
restocks (`service.channel_history.newsletter_entries`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import StringIO, TextIOWrapper

from microindex.adapters.channels import feed_files, newsletter_files
from microindex.domain.channels.mapping import Channel
from microindex.domain.channels.newsletter import FeedEntry
from microindex.service.channels import ChannelSources, Mode, send

Out = StringIO | TextIOWrapper  # a file being written, or one in memory
NEWS_TITLE = "New and back in stock"
NEWS_LIMIT = 50


@dataclass(frozen=True)
class FeedContext:
    """What a feed file is written from: the channel sources, and (read only when a newsletter
    is written) the newsletter's entries, newest first, up to a limit."""

    sources: ChannelSources
    news: Callable[[int], list[FeedEntry]]
    news_limit: int = NEWS_LIMIT


Write = Callable[[FeedContext, Out, datetime, Mode, bool], int]


@dataclass(frozen=True)
class FeedFile:
    name: str  # as served: /feeds/{name}
    media_type: str
    channel: Channel | None  # its items are recorded as sent to this channel (None: newsletters)
    write: Write  # writes the file, returns the number of items (or entries) in it


def _link(context: FeedContext, name: str = "") -> str:
    base = context.sources.settings.base_url
    return f"{base.rstrip('/')}/feeds/{name}" if name else base


def google_xml(context: FeedContext, out: Out, now: datetime, mode: Mode, record: bool) -> int:
    writer = feed_files.GoogleXmlWriter(out, "Products", _link(context), "Product feed")
    sent = send(context.sources, Channel.GOOGLE, writer, now, mode, record)
    writer.close()
    return sent.items


def google_tsv(context: FeedContext, out: Out, now: datetime, mode: Mode, record: bool) -> int:
    writer = feed_files.google_tsv(out)
    return send(context.sources, Channel.GOOGLE, writer, now, mode, record).items


def google_local_tsv(
    context: FeedContext, out: Out, now: datetime, mode: Mode, record: bool
) -> int:
    writer = feed_files.google_tsv(out, local=True)
    return send(context.sources, Channel.GOOGLE_LOCAL, writer, now, mode, record).items


def meta_csv(context: FeedContext, out: Out, now: datetime, mode: Mode, record: bool) -> int:
    writer = feed_files.meta_csv(out)
    return send(context.sources, Channel.META, writer, now, mode, record).items


def news_rss(context: FeedContext, out: Out, now: datetime, mode: Mode, record: bool) -> int:
    entries = context.news(context.news_limit)
    newsletter_files.write_rss(out, NEWS_TITLE, _link(context), entries, now)
    return len(entries)


def news_atom(context: FeedContext, out: Out, now: datetime, mode: Mode, record: bool) -> int:
    entries = context.news(context.news_limit)
    feed_id = _link(context, "news.atom")
    newsletter_files.write_atom(out, NEWS_TITLE, _link(context), feed_id, entries, now)
    return len(entries)


def news_json(context: FeedContext, out: Out, now: datetime, mode: Mode, record: bool) -> int:
    entries = context.news(context.news_limit)
    url = _link(context, "news.json")
    newsletter_files.write_json_feed(out, NEWS_TITLE, _link(context), url, entries)
    return len(entries)


FEED_FILES: dict[str, FeedFile] = {
    feed.name: feed
    for feed in (
        FeedFile("google.xml", "application/xml", Channel.GOOGLE, google_xml),
        FeedFile("google.tsv", "text/tab-separated-values", Channel.GOOGLE, google_tsv),
        FeedFile(
            "google-local.tsv", "text/tab-separated-values", Channel.GOOGLE_LOCAL, google_local_tsv
        ),
        FeedFile("meta.csv", "text/csv", Channel.META, meta_csv),
        FeedFile("news.rss", "application/rss+xml", None, news_rss),
        FeedFile("news.atom", "application/atom+xml", None, news_atom),
        FeedFile("news.json", "application/feed+json", None, news_json),
    )
}


def rendered(feed: FeedFile, context: FeedContext, now: datetime) -> bytes:
    """The whole file as bytes (UTF-8), nothing recorded (`serve_file` records a new one)."""
    out = StringIO(newline="")
    feed.write(context, out, now, Mode.FULL, False)
    return out.getvalue().encode("utf-8")
