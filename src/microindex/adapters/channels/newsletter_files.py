"""Newsletter feeds of new drops and restocks: RSS 2.0, Atom 1.0 and JSON Feed 1.1."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime
from io import TextIOBase
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

from microindex.domain.channels.newsletter import FeedEntry
from microindex.domain.channels.text import clean

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
NONE: AttributesImpl[str] = AttributesImpl({})


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class _Xml:
    def __init__(self, handle: TextIOBase) -> None:
        self.out = XMLGenerator(handle, encoding="utf-8", short_empty_elements=True)
        self.out.startDocument()

    def text(self, name: str, text: str, attrs: dict[str, str] | None = None) -> None:
        self.out.startElement(name, _attributes(attrs or {}))
        self.out.characters(clean(text))
        self.out.endElement(name)

    def empty(self, name: str, attrs: dict[str, str]) -> None:
        self.out.startElement(name, _attributes(attrs))
        self.out.endElement(name)


def _attributes(attrs: dict[str, str]) -> AttributesImpl[str]:
    return AttributesImpl({name: clean(value) for name, value in attrs.items()})


def write_rss(
    handle: TextIOBase, title: str, link: str, entries: Sequence[FeedEntry], now: datetime
) -> None:
    xml = _Xml(handle)
    xml.out.startElement("rss", AttributesImpl({"version": "2.0"}))
    xml.out.startElement("channel", NONE)
    xml.text("title", title)
    xml.text("link", link)
    xml.text("description", f"{title}: new drops and restocks")
    xml.text("lastBuildDate", format_datetime(max((e.at for e in entries), default=now)))
    for entry in entries:
        xml.out.startElement("item", NONE)
        xml.text("title", entry.title)
        xml.text("link", entry.link)
        xml.text("description", entry.summary)
        xml.text("guid", entry.guid, {"isPermaLink": "false"})
        xml.text("pubDate", format_datetime(entry.at))
        xml.text("category", entry.change.value)
        xml.out.endElement("item")
    xml.out.endElement("channel")
    xml.out.endElement("rss")
    xml.out.endDocument()


def write_atom(
    handle: TextIOBase,
    title: str,
    link: str,
    feed_id: str,
    entries: Sequence[FeedEntry],
    now: datetime,
) -> None:
    xml = _Xml(handle)
    xml.out.startElement("feed", AttributesImpl({"xmlns": ATOM_NS}))
    xml.text("id", feed_id)
    xml.text("title", title)
    xml.text("updated", _iso(max((e.at for e in entries), default=now)))
    xml.empty("link", {"href": link, "rel": "alternate"})
    xml.out.startElement("author", NONE)
    xml.text("name", title)
    xml.out.endElement("author")
    for entry in entries:
        xml.out.startElement("entry", NONE)
        xml.text("id", entry.guid)
        xml.text("title", entry.title)
        xml.text("updated", _iso(entry.at))
        xml.text("published", _iso(entry.at))
        xml.empty("link", {"href": entry.link, "rel": "alternate"})
        xml.text("summary", entry.summary)
        xml.empty("category", {"term": entry.change.value})
        xml.out.endElement("entry")
    xml.out.endElement("feed")
    xml.out.endDocument()


def json_feed(
    title: str, link: str, feed_url: str, entries: Sequence[FeedEntry]
) -> dict[str, object]:
    items = []
    for entry in entries:
        item: dict[str, object] = {
            "id": clean(entry.guid),
            "url": clean(entry.link),
            "title": clean(entry.title),
            "content_text": clean(entry.summary),
            "date_published": _iso(entry.at),
            "tags": [entry.change.value],
        }
        if entry.image:
            item["image"] = entry.image
        items.append(item)
    return {
        "version": JSON_FEED_VERSION,
        "title": clean(title),
        "home_page_url": link,
        "feed_url": feed_url,
        "language": "en-GB",
        "items": items,
    }


def write_json_feed(
    handle: TextIOBase, title: str, link: str, feed_url: str, entries: Sequence[FeedEntry]
) -> None:
    json.dump(json_feed(title, link, feed_url, entries), handle, ensure_ascii=False, indent=1)
