"""The dashboard and the staff page, rendered on the server (a real browser: tests/browser)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def signed_in(shared_client: TestClient, shared_secrets: dict[str, str]) -> TestClient:
    response = shared_client.post(
        "/login", content=f"token={shared_secrets['admin']}".encode(), follow_redirects=False
    )
    assert response.status_code == 303
    return shared_client


def test_the_dashboard_charts_weekly_sales_per_node_and_stock_value(signed_in: TestClient) -> None:
    html = signed_in.get("/").text
    sales = html[html.index('id="sales-chart"') : html.index('id="value-chart"')]
    bars = re.findall(r"<title>(\w+), (\d\d \w\w\w): (\d+)</title>", sales)
    assert {node for node, _, _ in bars} == {"locker", "shopfront", "van"}
    assert len({week for _, week, _ in bars}) >= 8
    assert sum(int(units) for _, _, units in bars) > 1000
    value = html[html.index('id="value-chart"') : html.index('id="stock"')]
    assert len(re.findall(r"<title>\w+: [\d,]+\.\d\d GBP</title>", value)) == 3


def test_the_dashboard_lists_nodes_with_activity_age_and_health(signed_in: TestClient) -> None:
    html = signed_in.get("/").text
    nodes = html[html.index('id="nodes"') : html.index('id="sales-chart"')]
    for code in ("shopfront", "locker", "van"):
        assert f'href="/staff/{code}"' in nodes
    assert re.search(r'class="badge (active|quiet|silent)"', nodes)


def test_the_stock_search_finds_an_exact_sku_first(signed_in: TestClient) -> None:
    everything = signed_in.get("/").text
    total = int(_first(r'id="stock-count">(\d+) SKU', everything))
    sku = _first(r"<tr><td><code>([^<]+)</code>", everything)
    found = signed_in.get("/", params={"q": sku}).text
    first = _first(r"<tr><td><code>([^<]+)</code>", found)
    assert first == sku and re.search(r'id="stock-count">\d+ SKUs? matching', found)
    nothing = signed_in.get("/", params={"q": "no such thing at all"}).text
    assert 'id="stock-count">0 SKUs' in nothing and total > 100


def test_dashboard_text_is_escaped(signed_in: TestClient) -> None:
    html = signed_in.get("/", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_pages_send_a_content_security_policy(signed_in: TestClient) -> None:
    response = signed_in.get("/staff/van")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert 'data-node="van"' in response.text and "/static/staff.js" in response.text


def test_the_staff_page_of_an_unknown_node_is_a_404(shared_client: TestClient) -> None:
    assert shared_client.get("/staff/atlantis").status_code == 404


def _first(pattern: str, page: str) -> str:
    """The first group of `pattern`'s first match in `page` (which must have one)."""
    found = re.search(pattern, page)
    assert found is not None, pattern
    return found.group(1)
