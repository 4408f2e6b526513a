"""The dashboard's charts: a node keeps one colour in every chart, and a rate says how many of
how many it counts."""

from __future__ import annotations

import re
from collections import defaultdict

from fastapi.testclient import TestClient

from microindex.entrypoints.http.charts import node_colours


def _dashboard(client: TestClient, secret: str) -> str:
    signed = client.post("/login", content=f"token={secret}".encode())
    assert signed.status_code == 200
    return client.get("/").text


def _section(html: str, ident: str) -> str:
    start = html.index(f'id="{ident}"')
    return html[start : html.index("</section>", start)]


def test_each_node_has_one_colour_in_every_chart(
    shared_client: TestClient, shared_secrets: dict[str, str]
) -> None:
    html = _dashboard(shared_client, shared_secrets["admin"])
    seen: dict[str, set[str]] = defaultdict(set)
    charts = ("sales-chart", "value-chart", "fill-chart", "order-fill-chart", "fulfilment-chart")
    for chart in charts:
        for colour, node in re.findall(
            r'fill="(#[0-9a-f]{6})"><title>([\w-]+)[,:]', _section(html, chart)
        ):
            seen[node].add(colour)
    assert set(seen) >= {"shopfront", "locker", "van"}
    assert all(len(colours) == 1 for colours in seen.values()), dict(seen)
    assert len({next(iter(c)) for c in seen.values()}) == len(seen)  # and no two share one


def test_node_colours_do_not_depend_on_the_order_nodes_come_in() -> None:
    assert node_colours(["van", "locker", "shopfront"]) == node_colours(
        ["shopfront", "van", "locker"]
    )


def test_rates_say_how_many_of_how_many(
    shared_client: TestClient, shared_secrets: dict[str, str]
) -> None:
    html = _dashboard(shared_client, shared_secrets["admin"])
    for chart in ("order-fill-chart", "returns-chart"):
        words = re.findall(r">(\d+% \(\d+ of \d+\))</text>", _section(html, chart))
        assert words, chart
    subtitle = _section(html, "returns-chart")
    assert (
        '<p class="muted subtitle">Packed orders with a return opened against them</p>' in subtitle
    )
