"""The playbook, step by step, through the CLI on a fresh workspace with imported past sales."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex.bootstrap import bootstrap
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import token_store
from microindex.entrypoints.cli.app import app
from microindex.entrypoints.http import create_app
from microindex.service import access
from microindex.settings import Settings
from tests.clock import DEMO_NOW, Clock, on_demo_day
from tests.http.conftest import bearer
from tests.playbook.sales_files import (
    SKUS,
    catalog_csv,
    hand_count,
    plain_sales,
    sales_plan,
    shopify_orders,
)

runner = CliRunner()


def cli(workspace: Path, *args: str, ok: bool = True, hours_later: int = 0) -> str:
    state = on_demo_day()
    state.clock = Clock(DEMO_NOW + timedelta(hours=hours_later))
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=state)
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def fresh_shop(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    cli(ws, "init")
    cli(ws, "node", "add", "shop", "--kind", "store", "--name", "Shop", "--lat", "51.5",
        "--lon", "-0.1", "--pickup", "--return-point")  # fmt: skip
    cli(ws, "node", "add", "locker", "--kind", "locker", "--name", "Locker", "--lat", "51.52",
        "--lon", "-0.08", "--pickup")  # fmt: skip
    cli(ws, "node", "set", "shop", "--offline-gap", "0")  # never offline: the hub holds all
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(catalog_csv(), encoding="utf-8")
    cli(ws, "catalog", "import", str(catalog))
    return ws


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return fresh_shop(tmp_path)


def triage(ws: Path, node: str, *more: str) -> list[dict[str, object]]:
    """Triage an hour after the demo's noon (what sold at noon is in the window)."""
    out = cli(ws, "governance", "triage", node, "--json", *more, hours_later=1)
    found: list[dict[str, object]] = json.loads(out)
    return found


def test_week_one_triage_is_the_200_fastest_of_a_shopify_orders_export(
    shop: Path, tmp_path: Path
) -> None:
    lines = sales_plan()
    export = tmp_path / "orders_export.csv"
    export.write_text(shopify_orders(lines), encoding="utf-8")
    assert triage(shop, "shop") == []  # week 1, nothing imported: nothing to rank
    out = cli(shop, "governance", "sales", "import", "shop", str(export))
    assert "line(s) without a SKU skipped" in out
    found = triage(shop, "shop")
    assert [p["sku"] for p in found] == hand_count(lines)
    assert {p["basis"] for p in found} == {"imported"}
    weighted = triage(shop, "shop", "--view", "weighted")
    assert len(weighted) == 200 and {p["sku"] for p in weighted} <= set(SKUS)
    assert triage(shop, "locker") == []  # the shop's history is the shop's


def test_a_plain_sales_file_ranks_the_same_and_a_bad_one_changes_nothing(
    shop: Path, tmp_path: Path
) -> None:
    lines = sales_plan(seed=5)
    plain = tmp_path / "sales.csv"
    plain.write_text(plain_sales(lines), encoding="utf-8")
    cli(shop, "governance", "sales", "import", "shop", str(plain))
    before = triage(shop, "shop")
    assert [p["sku"] for p in before] == hand_count(lines)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,sku,quantity\n2026-11-01,SKU-001,2\n2026-13-01,SKU-002,1\n2026-11-02,NOPE,1\n"
        "2026-11-03,SKU-003,-4\n",
        encoding="utf-8",
    )
    out = cli(shop, "governance", "sales", "import", "shop", str(bad), ok=False)
    assert "nothing changed" in out
    assert "row 3, column 'date'" in out
    assert "row 4, column 'sku': not in the catalog" in out
    assert "row 5, column 'quantity'" in out
    assert triage(shop, "shop") == before
    out = cli(shop, "governance", "sales", "import", "nowhere", str(plain), ok=False)
    assert "no node with code 'nowhere'" in out


def test_online_picks_at_a_node_count_as_its_sales_and_outrank_imports(shop: Path) -> None:
    cli(shop, "stock", "receive", "shop", "SKU-229", "5")
    cli(shop, "sync")
    placed = json.loads(
        cli(
            shop,
            "order",
            "place",
            "--line",
            "SKU-229:3",
            "--method",
            "pickup",
            "--pickup-node",
            "shop",
            "--key",
            "web-1",
            "--json",
        )
    )
    assert placed["parts"][0]["node"] == "shop"
    cli(shop, "order", "advance", "web-1", "shop", "picked")
    found = triage(shop, "shop")
    assert [(p["sku"], p["basis"]) for p in found] == [("SKU-229", "local")]
    assert found[0]["velocity"] == pytest.approx(3 / 8)


def test_a_packed_order_is_in_the_package_kpi_and_a_return_moves_its_rate(shop: Path) -> None:
    cli(shop, "package", "add", "shop", "mailer", "--inner", "220x160x90", "--max-g", "1000",
        "--cost", "0.40", "--tare", "40")  # fmt: skip
    cli(shop, "package", "add", "shop", "box-s", "--inner", "200x150x120", "--max-g", "5000",
        "--cost", "0.80", "--padding", "20", "--name", "Small box")  # fmt: skip
    assert [t["code"] for t in json.loads(cli(shop, "package", "list", "shop", "--json"))] == [
        "box-s",
        "mailer",
    ]
    cli(shop, "stock", "receive", "shop", "SKU-001", "10")
    cli(shop, "sync")
    for n in range(1, 5):
        cli(shop, "order", "place", "--line", "SKU-001:1", "--method", "pickup",
            "--pickup-node", "shop", "--key", f"web-{n}")  # fmt: skip
    out = cli(shop, "order", "advance", "web-1", "shop", "packed")  # the templates choose
    assert "packed in mailer (340 g, 1 item(s))" in out
    cli(shop, "order", "advance", "web-2", "shop", "packed", "--package", "mailer")
    cli(shop, "package", "pack", "web-3", "shop", "--package", "mailer")
    cli(shop, "package", "pack", "web-4", "shop", "--package", "box-s")
    out = cli(shop, "package", "pack", "web-4", "shop", "--package", "crate", ok=False)
    assert "no package template 'crate' at shop; its templates: box-s, mailer" in out
    used = json.loads(cli(shop, "package", "used", "--json"))
    assert [(u["order_ref"], u["package_type"]) for u in used] == [
        ("web-1", "mailer"),
        ("web-2", "mailer"),
        ("web-3", "mailer"),
        ("web-4", "box-s"),
    ]
    assert rates(shop) == {"box-s": 0.0, "mailer": 0.0}
    cli(shop, "returns", "open", "shop", "web-2", "SKU-001", "--order",
        "--reason", "damaged-in-transit")  # fmt: skip
    assert rates(shop) == {"box-s": 0.0, "mailer": pytest.approx(1 / 3)}


def test_packing_refuses_an_unknown_node_or_order_with_the_usual_message(shop: Path) -> None:
    out = cli(shop, "package", "add", "nowhere", "box", "--inner", "10x10x10", "--max-g", "5",
              "--cost", "1", ok=False)  # fmt: skip
    assert "no node with code 'nowhere'" in out
    assert "no node with code 'nowhere'" in cli(shop, "package", "list", "nowhere", ok=False)


@pytest.mark.parametrize(
    "beyond",
    [
        ["--max-g", "99999999999999999999"],
        ["--max-g", "1000001"],
        ["--tare", "1000001"],
        ["--padding", "501"],
        ["--inner", "5001x150x120"],
        ["--cost", "10000.01"],
    ],
)
def test_a_package_beyond_what_the_api_takes_is_refused_and_kept_nowhere(
    shop: Path, beyond: list[str]
) -> None:
    args = {"--inner": "200x150x120", "--max-g": "5000", "--cost": "0.80"}
    args.update(dict(zip(beyond[::2], beyond[1::2], strict=True)))
    result = runner.invoke(
        app,
        [
            "-w",
            str(shop),
            "package",
            "add",
            "shop",
            "box-s",
            *(x for kv in args.items() for x in kv),
        ],
        obj=on_demo_day(),
    )
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert json.loads(cli(shop, "package", "list", "shop", "--json")) == []


def rates(ws: Path) -> dict[str, float]:
    rows = json.loads(cli(ws, "governance", "kpis", "--json"))
    return {r["key"]: r["value"] for r in rows if r["metric"] == "package_return_rate"}


def test_quarterly_pruning_accepted_in_one_step_requests_transfers_and_archives_drops(
    shop: Path,
) -> None:
    cli(shop, "stock", "receive", "shop", "SKU-001", "10")
    cli(shop, "stock", "receive", "shop", "SKU-002", "4")
    cli(shop, "stock", "receive", "locker", "SKU-001", "10")
    cli(shop, "stock", "sell", "locker", "SKU-001", "5")  # 5 in 13 weeks: 0.38 a week there
    cli(shop, "sync")
    found = json.loads(cli(shop, "governance", "prune", "--json", hours_later=1))
    assert [(p["node"], p["sku"], p["action"], p["to"]) for p in found] == [
        ("shop", "SKU-001", "move", "locker"),
        ("shop", "SKU-002", "drop", None),
    ]
    dry = json.loads(
        cli(shop, "governance", "prune", "--accept", "--dry-run", "--json", hours_later=1)
    )
    assert dry["transfers"][0]["requested"] == {"SKU-001": 10}
    assert json.loads(cli(shop, "transfer", "list", "--json")) == []
    assert (
        json.loads(cli(shop, "governance", "prune", "--json", hours_later=1)) == found
    )  # unchanged
    done = json.loads(cli(shop, "governance", "prune", "--accept", "--json", hours_later=1))
    assert done["archived"] == {"shop": ["SKU-002"]}
    moved = json.loads(cli(shop, "transfer", "list", "--json"))
    assert [(t["id"], t["sender"], t["receiver"], t["state"]) for t in moved] == [
        ("prune:shop:locker:2026-11-26", "shop", "locker", "requested")
    ]
    assert moved[0]["requested"] == {"SKU-001": 10}
    assert_reached_through_the_api(shop, moved[0]["id"])
    again = json.loads(cli(shop, "governance", "prune", "--json", hours_later=1))
    assert [(p["sku"], p["action"]) for p in again] == [("SKU-001", "move")]  # SKU-002 archived
    cli(shop, "governance", "prune", "--accept", hours_later=1)  # the same day: the same transfer
    assert len(json.loads(cli(shop, "transfer", "list", "--json"))) == 1
    runs = json.loads(cli(shop, "governance", "jobs", "history", "--json"))
    assert [r["job"] for r in runs][:3] == ["pruning-accept"] * 3
    assert runs[-1]["summary"].startswith("would request 1 transfer(s)")


def assert_reached_through_the_api(ws: Path, transfer: str) -> None:
    """The transfer pruning requested is shown and packed through the API as any other."""
    workspace = bootstrap(Settings(ws), clock=Clock(DEMO_NOW + timedelta(hours=1)))
    try:
        issued = access.issue(
            token_store(workspace), workspace.hub, Grant(Role.ADMIN), workspace.clock(), "admin"
        )
        admin = bearer(issued.secret)
        with TestClient(create_app(workspace)) as client:
            path = f"/api/v1/transfers/{quote(transfer)}"
            shown = client.get(path, headers=admin)
            assert shown.status_code == 200, shown.text
            packed = client.post(f"{path}/pack", headers=admin)
            assert (packed.status_code, packed.json()["state"]) == (200, "packed"), packed.text
    finally:
        workspace.close()


def test_the_weekly_review_syncs_a_node_past_its_interval_and_a_dry_run_changes_nothing(
    shop: Path,
) -> None:
    cli(shop, "sync")
    cli(shop, "stock", "receive", "shop", "SKU-001", "3")  # not yet at the hub
    for dry in (True, False, False):
        more = ("--dry-run",) if dry else ()
        cli(shop, "governance", "jobs", "run", "weekly-report", *more, hours_later=24 * 7)
    runs = json.loads(cli(shop, "governance", "jobs", "history", "--json"))
    assert [(r["job"], r["outcome"]) for r in runs] == [("weekly-report", "ok")] * 3
    again, synced, dry = (r["summary"] for r in runs)  # newest first
    assert dry.startswith("dry run: would sync locker, shop. ")
    assert "shop: sync 1 behind the hub" in dry and "Report:" not in dry
    assert synced.startswith("synced locker, shop. ") and "shop: sync 0 behind the hub" in synced
    assert again.startswith("no node past its sync interval")


def test_the_monthly_audit_raises_the_nodes_that_fail_and_names_what(shop: Path) -> None:
    cli(shop, "sync")
    cli(shop, "governance", "jobs", "run", "monthly-health-audit", ok=False, hours_later=24 * 30)
    cli(shop, "governance", "jobs", "run", "monthly-health-audit", "--dry-run", hours_later=24 * 30)
    dry, raised = json.loads(cli(shop, "governance", "jobs", "history", "--json"))
    assert raised["outcome"] == "failed" and "shop: last synced 720 hours ago" in raised["summary"]
    assert "no counts in the period" in raised["summary"]
    assert dry["outcome"] == "ok" and dry["summary"].startswith("dry run: ")


def test_a_van_area_and_a_popup_with_hours_and_pickup_from_the_cli(shop: Path) -> None:
    cli(shop, "node", "add", "van", "--kind", "van", "--name", "Van", "--lat", "51.5",
        "--lon", "-0.05")  # fmt: skip
    assert json.loads(cli(shop, "van", "area", "van", "--json"))["area"] is None
    cli(shop, "van", "area", "van", "--centre", "51.545,-0.055", "--radius-km", "6")
    area = json.loads(cli(shop, "van", "area", "van", "--json"))["area"]
    assert area == {"lat": 51.545, "lon": -0.055, "radius_km": 6.0}
    out = cli(shop, "van", "area", "nowhere", "--centre", "51.5,0", "--radius-km", "2", ok=False)
    assert "no node with code 'nowhere'" in out
    cli(shop, "popup", "add", "fair", "--name", "Winter fair", "--at", "51.53,-0.07",
        "--home", "shop", "--opens", "2026-11-28", "--closes", "2026-11-29",
        "--hours", "5 09:00-17:00;6 10:00-16:00", "--pickup")  # fmt: skip
    shown = json.loads(cli(shop, "popup", "show", "fair", "--json"))
    assert (shown["hours"], shown["pickup"], shown["over"]) == (
        "5 09:00-17:00;6 10:00-16:00",
        True,
        False,
    )
    assert [p["node"] for p in json.loads(cli(shop, "popup", "list", "--json"))] == ["fair"]
    out = cli(shop, "popup", "plan", "fair", ok=False)  # no sales anywhere yet
    assert "nothing to move: nothing to plan from" in out
    cli(shop, "stock", "receive", "shop", "SKU-005", "6")
    cli(shop, "stock", "sell", "shop", "SKU-005", "1")
    cli(shop, "sync")
    planned = json.loads(cli(shop, "popup", "plan", "fair", "--json", hours_later=1))
    assert planned["basis"] == "best sellers" and planned["lines"] == {"SKU-005": 1}
    shown = json.loads(cli(shop, "popup", "show", "fair", "--json"))
    assert [t["transfer"] for t in shown["transfers"]] == ["popup-in:fair:2026-11-28"]
    late = cli(shop, "popup", "plan", "fair", ok=False, hours_later=24 * 5)
    assert "fair closed on 2026-11-29" in late


def test_accepted_targets_are_the_popup_plan(shop: Path, tmp_path: Path) -> None:
    cli(shop, "popup", "add", "fair", "--name", "Winter fair", "--at", "51.53,-0.07",
        "--home", "shop", "--opens", "2026-11-28", "--closes", "2026-11-29")  # fmt: skip
    sales = tmp_path / "fair.csv"
    sales.write_text("date,sku,quantity\n2026-11-01,SKU-007,8\n2026-11-02,SKU-009,3\n")
    cli(shop, "governance", "sales", "import", "fair", str(sales))
    targets = triage(shop, "fair", "--accept")
    assert [(t["sku"], t["target"]) for t in targets] == [("SKU-007", 2), ("SKU-009", 1)]
    cli(shop, "stock", "receive", "shop", "SKU-007", "5")
    cli(shop, "stock", "receive", "shop", "SKU-009", "5")
    cli(shop, "sync")
    planned = json.loads(cli(shop, "popup", "plan", "fair", "--json"))
    assert planned["basis"] == "targets"
    assert planned["wanted"] == {"SKU-007": 2, "SKU-009": 1} == planned["lines"]
