"""A generated catalog of hostile text through every channel writer: each feed still parses
(lxml, feedparser, csv, extruct, jsonschema) and each field meets its platform's rule."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import extruct
import feedparser
import jsonschema
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from microindex.adapters.channels import feed_files
from microindex.adapters.channels.memory import ListFigures, ListProducts, MemoryChannelStore
from microindex.adapters.channels.newsletter_files import json_feed, write_atom, write_rss
from microindex.adapters.channels.page import read_jsonld, render_product_page
from microindex.adapters.channels.voice import ssml, voice_json
from microindex.domain.channels.figures import Availability, FigureSource, exact
from microindex.domain.channels.mapping import Channel
from microindex.domain.channels.newsletter import drop_entry
from microindex.domain.channels.text import offer_id, shorten
from microindex.domain.channels.voice import VoiceAnswer
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.service.channel_views import ProductPage
from microindex.service.channels import ChannelSources, send

from .conftest import NODES, SETTINGS, T0
from .test_pages_and_newsletters import SCHEMA

G = "{http://base.google.com/ns/1.0}"
# Characters no XML 1.0 document may hold, and line breaks of every kind.
HOSTILE = ["\x0b", "\x0c", "\x00", "\x1f", "\x7f", "\x85", "\ufffe", "\uffff", "\ud800", "\udfff"]
BREAKS = ["\r\n", "\r", "\n", "\t"]
TRICKS = [
    "Mug <!--<script> edition",
    "Mug </script><script>alert(1)</script>",
    '=HYPERLINK("https://evil.example","win")',
    "+44 mug",
    "-20% vase",
    "@SUM(A1:A9)",
    "Tea & <b>cups</b>",
]
HTML = "<p>Hand <b>thrown</b> &amp; glazed</p><script>alert('x')</script><ul><li>one</li></ul>"
LONG_A = "LONG-" + "A" * 50 + "-0001"  # 60 characters
LONG_B = "LONG-" + "A" * 50 + "-0002"  # the same first 55 characters
TAG = re.compile(r"</?(p|b|ul|li|script)>")
XML_CHAR = re.compile("^[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")


def gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


def hostile_catalog() -> list[Product]:
    found: list[Product] = []
    for n, text in enumerate(HOSTILE + BREAKS + TRICKS):
        found.append(
            Product(
                Sku(f"H-{n:03d}"),
                f"Mug{text}blue" if len(text) < 3 else text,
                gbp("9.99"),
                description=HTML if n % 2 else f"Plain{text}words",
                brand=f"Clay{text}" + "b" * (80 if n == 3 else 0),
                attributes=(("mpn", f"-{text}"),),
                category=f"Home{text}",
            )
        )
    found.append(Product(Sku(LONG_A), "Long one", gbp("1")))
    found.append(Product(Sku(LONG_B), "Long two", gbp("1")))
    found.append(Product(Sku("BOX/12"), "=1+1", gbp("1"), description="<p></p>"))
    return found


def sources(products: list[Product]) -> ChannelSources:
    figures = [
        Availability(node.code.value, p.sku.value, 4, T0, FigureSource.LEDGER)
        for p in products
        for node in NODES
    ]
    return ChannelSources(
        ListProducts(products), list(NODES), ListFigures(figures), MemoryChannelStore(), SETTINGS
    )


def rows(text: str, delimiter: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_every_feed_of_a_hostile_catalog_parses_and_each_field_meets_its_rule(
    tmp_path: Path,
) -> None:
    catalog = hostile_catalog()
    shop = sources(catalog)
    now = T0 + timedelta(minutes=1)
    with feed_files.replaced(tmp_path / "g.xml") as handle:
        writer = feed_files.GoogleXmlWriter(handle, "Shop\x0b", "https://shop.example", "Feed")
        send(shop, Channel.GOOGLE, writer, now)
        writer.close()
    items = etree.parse(str(tmp_path / "g.xml")).getroot().findall("channel/item")
    assert len(items) == len(catalog)
    ids = [i.findtext(f"{G}id") or "" for i in items]
    assert len(set(ids)) == len(ids) and max(len(i) for i in ids) <= 50
    assert LONG_A not in ids and all(i.startswith("LONG-") for i in ids if len(i) == 50)
    for item in items:
        title, text = item.findtext("title") or "", item.findtext("description") or ""
        assert title and len(title) <= 150 and "\n" not in title and "\t" not in title
        assert TAG.search(text) is None and "alert" not in text and len(text) <= 5000
        assert len(item.findtext(f"{G}brand") or "") <= 70
    assert "Hand thrown & glazed\none" in {i.findtext("description") for i in items}
    assert {i.key for _, i in shop.store.history("google", now)} == {p.sku.value for p in catalog}

    tables = {}
    for name, channel, make, delimiter in (
        ("g.tsv", Channel.GOOGLE, feed_files.google_tsv, "\t"),
        ("local.tsv", Channel.GOOGLE_LOCAL, lambda h: feed_files.google_tsv(h, True), "\t"),
        ("meta.csv", Channel.META, feed_files.meta_csv, ","),
    ):
        with feed_files.replaced(tmp_path / name) as handle:
            send(shop, channel, make(handle), now, record=False)
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert XML_CHAR.match(text)
        tables[name] = rows(text, delimiter)
        for row in tables[name]:
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
    assert len(tables["g.tsv"]) == len(catalog)
    assert {r["id"] for r in tables["local.tsv"]} == set(ids)
    assert '\'=HYPERLINK("https://evil.example","win")' in {r["title"] for r in tables["g.tsv"]}
    for row in tables["meta.csv"]:
        assert TAG.search(row["description"]) is None and len(row["title"]) <= 200
    meta_box = next(r for r in tables["meta.csv"] if r["id"] == "BOX/12")
    assert meta_box["description"] == "'=1+1"  # an empty HTML description: the title


def test_newsletters_and_voice_of_hostile_titles_parse() -> None:
    entries = [
        drop_entry("https://shop.example", p.sku.value, p.title, "https://shop.example/p", T0)
        for p in hostile_catalog()
    ]
    for write in (write_rss, write_atom):
        out = io.StringIO()
        if write is write_rss:
            write_rss(out, "News\x0c", "https://shop.example", entries, T0)
        else:
            write_atom(out, "News", "https://shop.example", "tag:x,2026:f", entries, T0)
        etree.fromstring(out.getvalue().encode("utf-8"))
        parsed = feedparser.parse(out.getvalue())
        assert not parsed.bozo and len(parsed.entries) == len(entries)
    feed = json_feed("News", "https://shop.example", "https://shop.example/f.json", entries)
    json.dumps(feed, ensure_ascii=False).encode("utf-8")
    jsonschema.validate(feed, SCHEMA, format_checker=jsonschema.FormatChecker())
    for text in HOSTILE + TRICKS:
        answer = VoiceAnswer(f"is the {text} in stock", "H-1", f"Mug{text}", ())
        speak = etree.fromstring(ssml(answer).encode("utf-8"))
        assert speak.tag.endswith("speak")
        json.dumps(voice_json(answer), ensure_ascii=False).encode("utf-8")


def page_of(product: Product) -> str:
    node = NODES[0]
    url = SETTINGS.node_product_url(product, node.code.value)
    figure = exact(node.code.value, product.sku.value, 5)
    page = ProductPage(
        product, node, figure, "https://schema.org/InStock", product.price, url, "", T0
    )
    return render_product_page(page)


def test_a_title_that_opens_a_comment_or_closes_the_script_leaves_the_json_ld_whole() -> None:
    for title in TRICKS[:2]:
        product = Product(Sku("MUG-1"), title, gbp("5"), description="Fits 2 < 3 cups & more")
        html = page_of(product)
        script = html.split('<script type="application/ld+json">', 1)[1].split("</script>")[0]
        assert "<" not in script and ">" not in script
        found = extruct.extract(html, base_url="https://shop.example", syntaxes=["json-ld"])
        (data,) = found["json-ld"]
        assert data["name"] == title and data["description"] == "Fits 2 < 3 cups & more"
        assert read_jsonld(html)[0]["offers"]["price"] == "5.00"
    for text in HOSTILE:
        html = page_of(Product(Sku("MUG-2"), f"Mug{text}blue", gbp("5")))
        assert read_jsonld(html.encode("utf-8").decode("utf-8"))[0]["name"] == "Mugblue"


@given(st.text())
def test_any_text_as_a_title_leaves_the_google_feed_well_formed(text: str) -> None:
    out = io.StringIO()
    writer = feed_files.GoogleXmlWriter(out, "Shop", "https://shop.example", "Feed")
    writer.write({"id": "A", "title": text, "description": text})
    writer.close()
    root = etree.fromstring(out.getvalue().encode("utf-8"))
    title = root.findtext("channel/item/title") or ""
    assert XML_CHAR.match(title)


def test_a_sku_longer_than_googles_id_is_mapped_stably_and_never_cut() -> None:
    assert offer_id("MUG-BLUE") == "MUG-BLUE"
    assert offer_id(LONG_A) == offer_id(LONG_A) and len(offer_id(LONG_A)) == 50
    assert offer_id(LONG_A) != offer_id(LONG_B) and offer_id(LONG_A).startswith(LONG_A[:37])
    assert shorten("word " * 40, 150).endswith("word…") and len(shorten("x" * 200, 150)) == 150


def test_product_links_are_percent_encoded_one_path_segment() -> None:
    def link(handle: str, sku: str = "MUG-1") -> str:
        return SETTINGS.product_url(Product(Sku(sku), "Mug", gbp("1"), handle=handle))

    assert link("tasse-à-café") == "https://shop.example/products/tasse-%C3%A0-caf%C3%A9"
    assert link("my mug?x=1#y") == "https://shop.example/products/my%20mug%3Fx%3D1%23y"
    assert link("", "BOX/12") == "https://shop.example/products/BOX%2F12"
    plain_link = SETTINGS.node_product_url(Product(Sku("MUG-1"), "Mug", gbp("1")), "shop")
    assert plain_link == "https://shop.example/products/MUG-1?store=shop"


RLO, LRE, PDF, RLI, PDI = "\u202e", "\u202a", "\u202c", "\u2067", "\u2069"


def _open_at_end(text: str) -> int:
    """How many bidi embeddings, overrides and isolates `text` leaves open (UAX #9, X1-X8)."""
    stack: list[str] = []
    for c in text:
        if c in "\u202a\u202b\u202d\u202e\u2066\u2067\u2068":
            stack.append(c)
        elif c == PDF and stack and stack[-1] not in "\u2066\u2067\u2068":
            stack.pop()
        elif c == PDI and any(o in "\u2066\u2067\u2068" for o in stack):
            while stack.pop() not in "\u2066\u2067\u2068":
                pass
    return len(stack)


def test_a_title_that_overrides_the_direction_turns_round_only_itself() -> None:
    """A right-to-left override left open in a title ran on into the rest of the page's
    `<title>` (" at <shop>" read backwards in the browser's tab) and of each feed's line."""
    node = NODES[0].name
    for title in (
        f"Mug {RLO}eulb",
        f"{LRE}{RLI}Vase",
        f"Bowl {PDF}{PDI} plain",
        f"{RLO}a{PDF}{PDF}",
    ):
        html = page_of(Product(Sku("MUG-3"), title, gbp("5")))
        shown = etree.fromstring(html.encode("utf-8"), etree.HTMLParser()).findtext(".//title")
        assert shown is not None and shown.endswith(f" at {node}")
        assert _open_at_end(shown[: -len(f" at {node}")]) == 0, ascii(shown)
        assert (
            shown.replace(PDF, "")
            .replace(PDI, "")
            .startswith(title.replace(PDF, "").replace(PDI, ""))
        )
    out = io.StringIO()
    writer = feed_files.GoogleXmlWriter(out, "Shop", "https://shop.example", "Feed")
    writer.write({"id": "A", "title": f"Mug {RLO}eulb", "description": f"{RLI}words"})
    writer.close()
    item = etree.fromstring(out.getvalue().encode("utf-8")).find("channel/item")
    assert item is not None
    assert [_open_at_end(e.text or "") for e in item] == [0, 0, 0]
