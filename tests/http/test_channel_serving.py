"""What the channels point to, served by the hub and read back with real parsers: the product
pages at the links the feeds carry (extruct for their JSON-LD), every feed file (lxml,
feedparser, csv, json) with its ETag and Last-Modified, and the voice answer (JSON and SSML)."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import extruct
import feedparser
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from microindex.bootstrap import Workspace
from microindex.service.channels import Mode
from microindex.service.nodes import list_nodes
from tests.clock import Clock
from tests.http.conftest import bearer
from tests.sales import sell

G = "{http://base.google.com/ns/1.0}"
SSML_NS = "{http://www.w3.org/2001/10/synthesis}"
HOSTILE = 'Mug <!--<script> edition\x0b (=1+1) "quoted" & </script>'
FEEDS = (
    "google.xml",
    "google.tsv",
    "google-local.tsv",
    "meta.csv",
    "news.rss",
    "news.atom",
    "news.json",
)


def _path(link: str | None) -> str:
    assert link is not None
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _product(html: str) -> dict[str, object]:
    found = extruct.extract(html, syntaxes=["json-ld"], uniform=True)["json-ld"]
    products = [d for d in found if d.get("@type") == "Product"]
    assert len(products) == 1, found
    product: dict[str, object] = products[0]
    return product


def _feed(client: TestClient, name: str, headers: dict[str, str]) -> bytes:
    answer = client.get(f"/feeds/{name}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.content


def test_every_feed_link_leads_to_a_served_page_of_that_product(
    client: TestClient, secrets: dict[str, str]
) -> None:
    channel = bearer(secrets["channel"])
    items = etree.fromstring(_feed(client, "google.xml", channel)).iter("item")
    checked = 0
    for item in list(items)[:12]:
        page = client.get(_path(item.findtext("link")))
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        product = _product(page.text)
        assert product["name"] == item.findtext("title")
        offers = product["offers"]
        assert isinstance(offers, list) and offers  # an offer at every node
        checked += 1
    assert checked == 12


def test_a_restock_in_the_newsletter_leads_to_that_nodes_page(
    client: TestClient, secrets: dict[str, str]
) -> None:
    parsed = feedparser.parse(_feed(client, "news.rss", bearer(secrets["channel"])))
    assert not parsed.bozo, parsed.bozo_exception
    restocks = [e for e in parsed.entries if "?store=" in e.link]
    assert restocks
    entry = restocks[0]
    node = entry.link.rsplit("=", 1)[1]
    product = _product(client.get(_path(entry.link)).text)
    offer = product["offers"]
    assert isinstance(offer, dict)
    assert offer["availableAtOrFrom"]["@id"] == f"#store-{node}"
    assert offer["url"] == entry.link


def test_every_feed_file_parses_and_is_answered_304_when_unchanged(
    client: TestClient, secrets: dict[str, str]
) -> None:
    channel = bearer(secrets["channel"])
    for name in FEEDS:
        first = client.get(f"/feeds/{name}", headers=channel)
        assert first.status_code == 200, (name, first.text)
        _parses(name, first.content)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert etag.startswith('"') and modified.endswith("GMT")
        again = client.get(f"/feeds/{name}", headers={**channel, "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        dated = client.get(f"/feeds/{name}", headers={**channel, "If-Modified-Since": modified})
        assert dated.status_code == 304
        other = client.get(f"/feeds/{name}", headers={**channel, "If-None-Match": '"nope"'})
        assert other.status_code == 200 and other.content == first.content


def _parses(name: str, body: bytes) -> None:
    text = body.decode("utf-8")
    if name == "google.xml":
        root = etree.fromstring(body)
        assert root.tag == "rss" and root.find("channel/item/" + G + "availability") is not None
    elif name.startswith("news.") and name != "news.json":
        parsed = feedparser.parse(body)
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.entries
    elif name == "news.json":
        assert json.loads(text)["version"] == "https://jsonfeed.org/version/1.1"
    else:
        delimiter = "," if name.endswith(".csv") else "\t"
        rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
        assert rows and all(None not in row for row in rows)


def test_a_sale_changes_the_served_files_etag_and_is_recorded_once(
    client: TestClient, secrets: dict[str, str], workspace: Workspace
) -> None:
    channel = bearer(secrets["channel"])
    first = client.get("/feeds/google-local.tsv", headers=channel)
    pushes = workspace.storage.channel_store().pushes("google-local")
    assert pushes[-1].kind == Mode.FULL.value and pushes[-1].at == workspace.clock()
    client.get("/feeds/google-local.tsv", headers=channel)  # unchanged: not recorded again
    assert len(workspace.storage.channel_store().pushes("google-local")) == len(pushes)
    rows = list(csv.DictReader(io.StringIO(first.text), delimiter="\t"))
    row = next(r for r in rows if r["store_code"] == "shopfront" and int(r["quantity"]) > 0)
    clock = workspace.clock
    assert isinstance(clock, Clock)
    moved = clock.advance(timedelta(minutes=1))
    sku = next(
        p.sku.value
        for p in workspace.storage.products().products()
        if p.sku.value[:50] == row["id"] or p.sku.value == row["id"]
    )
    sell(workspace.node("shopfront"), "shopfront", sku, int(row["quantity"]), moved)
    after = client.get(
        "/feeds/google-local.tsv", headers={**channel, "If-None-Match": first.headers["etag"]}
    )
    assert after.status_code == 200 and after.headers["etag"] != first.headers["etag"]
    assert after.headers["last-modified"] == format_datetime(moved, usegmt=True)
    later = list(csv.DictReader(io.StringIO(after.text), delimiter="\t"))
    sold = next(r for r in later if r["store_code"] == "shopfront" and r["id"] == row["id"])
    assert sold["availability"] == "out of stock" and sold["quantity"] == "0"
    assert len(workspace.storage.channel_store().pushes("google-local")) == len(pushes) + 1


@pytest.mark.parametrize(
    ("caller", "status"),
    [("admin", 200), ("channel", 200), ("staff_van", 403), ("none", 401), ("revoked", 401)],
)
def test_feed_files_are_read_with_a_channel_token(
    client: TestClient, secrets: dict[str, str], caller: str, status: int
) -> None:
    headers = bearer(secrets[caller]) if caller in secrets else {}
    answer = client.get("/feeds/meta.csv", headers=headers)
    assert answer.status_code == status
    if status == 401:
        assert "Basic" in answer.headers["www-authenticate"]


def test_a_scheduled_fetch_may_give_the_token_as_a_basic_password(
    client: TestClient, secrets: dict[str, str]
) -> None:
    basic = base64.b64encode(f"merchant:{secrets['channel']}".encode()).decode()
    assert client.get("/feeds/google.tsv", headers={"Authorization": f"Basic {basic}"}).is_success
    wrong = base64.b64encode(b"merchant:guess").decode()
    refused = client.get("/feeds/google.tsv", headers={"Authorization": f"Basic {wrong}"})
    assert refused.status_code == 401
    assert client.get("/feeds/passwd", headers=bearer(secrets["channel"])).status_code == 422


def test_a_hostile_title_and_handle_make_a_page_whose_json_ld_parses(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    title = HOSTILE.replace('"', '""')
    rows = (
        "sku,title,price,currency,handle\n"
        f'HOSTILE-1,"{title}",9.00,GBP,tasse-à-café\n'
        f'HOSTILE-2,"{title}",9.00,GBP,my mug?x=1#y\n'
        f'HOSTILE/3,"{title}",9.00,GBP,\n'
    )
    assert client.post("/api/v1/catalog/import", content=rows.encode(), headers=admin).is_success
    feed = etree.fromstring(_feed(client, "google.xml", bearer(secrets["channel"])))
    links = [
        str(i.findtext("link")) for i in feed.iter("item") if i.findtext(G + "id") == "HOSTILE-2"
    ]
    assert links and "%3Fx%3D1%23y" in links[0]
    slashed = [
        str(i.findtext("link"))
        for i in feed.iter("item")
        if "HOSTILE%2F3" in str(i.findtext("link"))
    ]
    assert slashed, "the SKU with a slash is linked, its slash encoded"
    for link in (links[0], slashed[0], "https://x/products/tasse-%C3%A0-caf%C3%A9?store=shopfront"):
        page = client.get(_path(link))
        assert page.status_code == 200
        product = _product(page.text)
        assert str(product["name"]).startswith("Mug <!--<script> edition")
        assert "\x0b" not in str(product["name"])


def test_an_unknown_product_or_node_is_a_404_page_saying_which(client: TestClient) -> None:
    missing = client.get("/products/NO-SUCH-THING")
    assert missing.status_code == 404 and "NO-SUCH-THING" in missing.text
    sku = client.get("/feeds/google.tsv")  # 401: no token
    assert sku.status_code == 401
    known = client.get("/products/NO-SUCH-THING?store=nowhere")
    assert known.status_code == 404


def test_a_voice_answer_comes_as_json_or_ssml(
    client: TestClient, secrets: dict[str, str], workspace: Workspace
) -> None:
    channel = bearer(secrets["channel"])
    shop = next(n for n in list_nodes(workspace.hub) if n.code.value == "shopfront")
    where: dict[str, str | float] = {"lat": shop.location.lat, "lon": shop.location.lon}
    title = next(iter(workspace.storage.products().products())).title
    asked: dict[str, str | float] = {"q": f"is the {title} in stock", **where}
    answer = client.get("/api/v1/voice", params=asked, headers=channel)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["title"] == title and body["speech"] and body["nodes"]
    spoken = client.get("/api/v1/voice", params={**asked, "format": "ssml"}, headers=channel)
    root = etree.fromstring(spoken.content)
    assert (
        root.tag == SSML_NS + "speak" and "".join(str(t) for t in root.itertext()) == body["speech"]
    )
    negotiated = client.get(
        "/api/v1/voice",
        params=asked,
        headers={**channel, "Accept": "application/ssml+xml, application/json;q=0.5"},
    )
    assert negotiated.headers["content-type"].startswith("application/ssml+xml")
    assert negotiated.content == spoken.content
    staff = client.get("/api/v1/voice", params=asked, headers=bearer(secrets["staff_van"]))
    assert staff.status_code == 403


@pytest.mark.parametrize("question", ["is the in stock", "???", "\U0001f6b2 in stock"])
def test_a_question_naming_no_product_is_answered_with_none(
    client: TestClient, secrets: dict[str, str], question: str
) -> None:
    """A question with no word that names a product once searched for nothing, which lists
    every product, and answered "Yes. The <first product> is in stock"."""
    asked: dict[str, str | float] = {"q": question, "lat": 51.5, "lon": -0.1}
    answer = client.get("/api/v1/voice", params=asked, headers=bearer(secrets["channel"]))
    assert answer.status_code == 200
    assert (answer.json()["sku"], answer.json()["nodes"]) == (None, [])


def test_the_openapi_document_describes_pages_feeds_and_voice(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/products/{handle}", "/feeds/{name}", "/api/v1/voice"} <= set(paths)
    assert "application/ssml+xml" in paths["/api/v1/voice"]["get"]["responses"]["200"]["content"]
    assert "304" in paths["/feeds/{name}"]["get"]["responses"]


def test_a_nodes_page_lists_what_it_holds_as_a_schema_org_store(
    client: TestClient, secrets: dict[str, str]
) -> None:
    page = client.get("/stores/shopfront")
    assert page.status_code == 200
    found = extruct.extract(page.text, syntaxes=["json-ld"], uniform=True)["json-ld"]
    (store,) = [d for d in found if d.get("@type") == "Store"]
    offers = store["makesOffer"]
    held = client.get(
        "/api/v1/stock", params={"node": "shopfront"}, headers=bearer(secrets["admin"])
    )
    assert len(offers) == min(500, sum(1 for line in held.json() if line["on_hand"] > 0))
    first = offers[0]
    assert first["url"].endswith("?store=shopfront") and first["itemOffered"]["sku"]
    shown = _product(client.get(_path(first["url"])).text)
    assert shown["sku"] == first["itemOffered"]["sku"]
    missing = client.get("/stores/nowhere")
    assert missing.status_code == 404 and "nowhere" in missing.text
