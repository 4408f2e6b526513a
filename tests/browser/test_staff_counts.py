"""Today's cycle counts and the close-out of the day on the staff page, in Chromium on a phone:
at the hub, and at the van's own agent with the hub out of reach."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import uvicorn

with suppress(ImportError):  # the `browser` fixture says why: a skip, or in CI a failure
    from playwright.sync_api import expect

from microindex.domain.sync.messages import Push, Reply
from microindex.entrypoints.http.node_app import NodeSite, create_node_app
from microindex.service.sync_ports import HubUnreachable
from tests.browser.conftest import Hub, _free_port, new_context
from tests.demo import open_copy

pytestmark = pytest.mark.slow

STAFF_SECRET = "van-staff-secret"


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = new_context(
        browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    opened = context.new_page()
    yield opened
    context.close()


def _sign_in(phone: Any, url: str, secret: str) -> None:
    phone.goto(url)
    phone.fill("#token", secret)
    phone.click("#sign-in-form button")
    phone.wait_for_selector("#scan:not([hidden])")


def _on_hand(page: Any, url: str, secret: str, sku: str) -> int:
    lines = page.request.get(
        f"{url}/api/v1/stock?node=van&sku={sku}", headers={"Authorization": f"Bearer {secret}"}
    ).json()
    return int(sum(line["on_hand"] for line in lines))


def test_a_line_counted_on_the_staff_page_leaves_todays_counts(
    phone: Any, hub: Hub, save_screenshot: Any
) -> None:
    _sign_in(phone, f"{hub.url}/staff/van", hub.secrets["staff_van"])
    lines = phone.locator("#counts > li[data-sku]")
    expect(lines.first).to_be_visible()
    listed = lines.count()
    sku = lines.first.get_attribute("data-sku")
    line = phone.locator(f"#counts > li[data-sku='{sku}']")
    expect(line.locator(".why")).not_to_be_empty()
    save_screenshot(phone, "staff-counts.png", full_page=True)
    found = _on_hand(phone, hub.url, hub.secrets["staff_van"], sku)
    line.get_by_label(f"Counted {sku}").fill(str(found))
    line.get_by_role("button", name="Count").click()
    expect(line).to_have_count(0)
    expect(lines).to_have_count(listed - 1)
    assert phone.inner_text("#message") == f"Counted {found} × {sku}"


class _HubDown:
    def exchange(self, push: Push) -> Reply:
        raise HubUnreachable("the hub is down")


@pytest.fixture(scope="module")
def agent(pristine_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The van's own agent (its staff page over its own database), the hub out of reach."""
    root = tmp_path_factory.mktemp("agent")
    workspace = open_copy(pristine_demo, root / "shop")
    site = NodeSite(
        workspace.node("van"),
        "van",
        Path(workspace.settings.workspace),
        STAFF_SECRET,
        workspace.clock,
        "Van",
        link=_HubDown(),
    )
    app = create_node_app(site)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.index.close()
    workspace.close()


def test_the_van_closes_out_its_day_on_its_own_staff_page_with_the_hub_down(
    phone: Any, agent: str, save_screenshot: Any
) -> None:
    _sign_in(phone, f"{agent}/staff/van", STAFF_SECRET)
    assert phone.locator("#picks-card").count() == 0  # orders are the hub's
    expect(phone.locator("#counts > li[data-sku]").first).to_be_visible()
    phone.get_by_role("button", name="Close out the day").click()
    entries = phone.locator("#closeout-lines input")
    expect(entries.first).to_be_visible()
    skus = [entries.nth(i).get_attribute("data-sku") for i in range(entries.count())]
    for i, sku in enumerate(skus):
        entries.nth(i).fill(str(_on_hand(phone, agent, STAFF_SECRET, sku)))
    phone.get_by_role("button", name="Count and close").click()
    report = phone.locator("#day-report")
    expect(report).to_be_visible()
    expect(phone.locator("#report-synced")).to_have_text("Not reached: settles at the next sync")
    expect(phone.locator("#report-variance")).to_contain_text("0 units")
    expect(phone.locator("#report-counts tr")).to_have_count(len(skus))
    assert phone.locator("#closeout-form").is_hidden()
    save_screenshot(phone, "staff-closeout.png", full_page=True)


def test_the_van_sells_units_promised_online_only_when_its_staff_confirm_why(
    phone: Any, agent: str, save_screenshot: Any
) -> None:
    _sign_in(phone, f"{agent}/staff/van", STAFF_SECRET)
    auth = {"Authorization": f"Bearer {STAFF_SECRET}"}
    lines = phone.request.get(f"{agent}/api/v1/stock?node=van", headers=auth).json()
    line = next(line for line in lines if line["online"] > 0)  # some of it the hub's to promise
    sku, held = line["sku"], line["on_hand"]
    phone.fill("#code", sku)
    phone.click("#lookup-form button")
    expect(phone.locator("#on-hand")).to_have_text(str(held))
    phone.fill("#quantity", str(held))  # all of it: more than the van's own rights
    phone.get_by_role("button", name="Sell", exact=True).click()
    expect(phone.locator("#override")).to_be_visible()
    expect(phone.locator("#override-why")).to_contain_text("promised to online orders")
    expect(phone.locator("#on-hand")).to_have_text(str(held))  # nothing sold yet
    save_screenshot(phone, "staff-override.png", full_page=True)
    phone.fill("#override-reason", "customer at the van with cash")
    phone.get_by_role("button", name="Sell anyway").click()
    expect(phone.locator("#message")).to_have_text(
        re.compile(rf"^Sold {held} × {sku} as an overdraft, sale van#\d+$")
    )
    expect(phone.locator("#on-hand")).to_have_text("0")
    assert phone.locator("#override").is_hidden()
    head = phone.request.get(f"{agent}/api/v1/nodes/van/head", headers=auth).json()["head"]
    last = phone.request.get(
        f"{agent}/api/v1/nodes/van/movements?after={head - 1}", headers=auth
    ).json()["items"][0]
    assert (last["tag"], last["reference"]) == (
        "overdraft",
        "(override: customer at the van with cash)",
    )
    assert (last["quantity"], last["actor"]) == (-held, "staff")
