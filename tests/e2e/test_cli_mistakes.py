"""A shop owner's typing mistakes (issue 22): each is refused with a non-zero exit and one
line naming the problem, the same words the API uses, and nothing is created."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day

runner = CliRunner()

NO_NODE = "no node with code 'lockr' (did you mean 'locker'?)"
SHELF = "https://shop.example/414/5069412000010/254/A1"  # the demo's shelf label
NO_SKU = "no product with SKU 'MUG-TYDE-350' in the catalog (did you mean 'MUG-TIDE-350'"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mistakes") / "shop"
    built = runner.invoke(
        app, ["demo", "--dir", str(folder), "--seed", "7", "--no-serve"], obj=on_demo_day()
    )
    assert built.exit_code == 0, built.output
    return folder


def rows(folder: Path) -> dict[str, int]:
    """Every table's row count in every database of the workspace: what a command made."""
    counts: dict[str, int] = {}
    for database in sorted(folder.rglob("*.sqlite")):
        with contextlib.closing(sqlite3.connect(database)) as db:
            tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                (n,) = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()
                counts[f"{database.relative_to(folder)}:{table}"] = n
    return counts


def refused(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.stdout == "", result.stdout
    assert result.stderr.count("\n") == 1, result.stderr  # one line
    assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr


MISTAKES = {
    "a transfer to a node that does not exist": (
        ["transfer", "request", "shopfront", "lockr", "--line", "MUG-TIDE-350:1"],
        NO_NODE,
    ),
    "a transfer of a SKU that does not exist": (
        ["transfer", "request", "shopfront", "locker", "--line", "MUG-TYDE-350:1"],
        NO_SKU,
    ),
    "a shelf slot for a SKU that does not exist": (
        ["shelf", "add", "5069412000010", "Z9", "shopfront", "MUG-TYDE-350"],
        NO_SKU,
    ),
    "a shelf slot at a GLN with a wrong check digit": (
        ["shelf", "add", "5069412000011", "Z9", "shopfront", "MUG-TIDE-350"],
        "gln: check digit is 1, expected 0",
    ),
    "a shelf slot at a GLN too short": (
        ["shelf", "add", "123", "Z9", "shopfront", "MUG-TIDE-350"],
        "gln: has 13 digits, got 3",
    ),
    "a pickup code tried at a locker that does not exist": (
        ["locker", "open", "123456", "--node", "lockr"],
        NO_NODE,
    ),
    "a pickup put in a locker that does not exist": (
        ["locker", "assign", "o-anything", "--node", "lockr"],
        NO_NODE,
    ),
    "the open orders of a node that does not exist": (["order", "list", "--node", "lockr"], NO_NODE),
    "the stock of a SKU that does not exist": (["stock", "show", "--sku", "MUG-TYDE-350"], NO_SKU),
    "the compartments of a locker that does not exist": (
        ["locker", "compartments", "list", "lockr"],
        NO_NODE,
    ),
    "a shelf slot at a node that does not exist": (
        ["shelf", "add", "5069412000010", "Z9", "lockr", "MUG-TIDE-350"],
        NO_NODE,
    ),
    "triage for a node that does not exist": (["governance", "triage", "lockr", "--accept"], NO_NODE),
    "a walk-in sale of a mistyped SKU": (["stock", "sell", "van", "MUG-TYDE-350", "1"], NO_SKU),
    "an order of a mistyped SKU": (
        ["order", "place", "--line", "MUG-TYDE-350:1", "--method", "pickup", "--pickup-node", "locker"],
        NO_SKU,
    ),
    "stock at a node that does not exist": (["stock", "show", "--node", "lockr"], NO_NODE),
    "a compartment at a locker that does not exist": (
        ["locker", "compartments", "add", "lockr", "S9", "200x150x100"],
        NO_NODE,
    ),
    "the round of a van that does not exist": (["van", "round", "show", "lockr"], NO_NODE),
    "an order to collect at a node that does not exist": (
        ["order", "place", "--line", "MUG-TIDE-350:1", "--method", "pickup", "--pickup-node", "lockr"],
        NO_NODE,
    ),
    "an order line whose quantity is a superscript": (
        ["order", "place", "--line", "MUG-TIDE-350:²", "--method", "pickup", "--pickup-node", "locker"],
        "write SKU:QUANTITY",
    ),
    "a transfer line whose quantity is a superscript": (
        ["transfer", "request", "shopfront", "locker", "--line", "MUG-TIDE-350:²"],
        "write SKU:QUANTITY",
    ),
    "a return line whose quantity is a superscript": (
        ["returns", "open", "shopfront", "till:shopfront", "MUG-TIDE-350:²", "--reason", "faulty"],
        "write SKU or SKU:QUANTITY",
    ),
    "an order line of more units than the API takes": (
        ["order", "place", "--line", "MUG-TIDE-350:1000001", "--method", "pickup", "--pickup-node", "locker"],
        "a line takes at most 1,000,000 units",
    ),
    "a transfer line of more units than the API takes": (
        ["transfer", "request", "shopfront", "locker", "--line", "MUG-TIDE-350:99999999999999999999"],
        "a line takes at most 1,000,000 units",
    ),
    "an order line with no SKU": (
        ["order", "place", "--line", ":3", "--method", "pickup", "--pickup-node", "locker"],
        "write SKU:QUANTITY",
    ),
    "a return line with no SKU": (
        ["returns", "open", "shopfront", "till:shopfront", ":2", "--reason", "faulty"],
        "write SKU or SKU:QUANTITY",
    ),
    "a pop-up closed that does not exist": (["popup", "close", "lockr"], NO_NODE),
    "a pop-up planned that does not exist": (["popup", "plan", "lockr"], NO_NODE),
    "a pop-up shown that does not exist": (["popup", "show", "lockr"], NO_NODE),
    "a transfer at once of a SKU that does not exist": (
        ["stock", "transfer", "shopfront", "locker", "MUG-TYDE-350", "1"],
        NO_SKU,
    ),
    "a purchase order line of a mistyped SKU": (
        ["po", "add", "PO-ANY", "MUG-TYDE-350", "1", "--cost", "4.20"],
        NO_SKU,
    ),
    "a reorder point for a mistyped SKU": (["reorder", "set", "shopfront", "MUG-TYDE-350", "2"], NO_SKU),
    "a kit of a mistyped part": (["kit", "set", "MUG-TIDE-350", "--part", "MUG-TYDE-350:1"], NO_SKU),
    "a kit sale of a mistyped SKU": (["kit", "sell", "shopfront", "MUG-TYDE-350"], NO_SKU),
    "the kit stock of a mistyped SKU": (["kit", "stock", "MUG-TYDE-350"], NO_SKU),
    "removing a kit of a mistyped SKU": (["kit", "remove", "MUG-TYDE-350"], NO_SKU),
    "a VAT rate for a mistyped SKU": (["vat", "rate", "MUG-TYDE-350", "5"], NO_SKU),
    "a hold of not-a-number minutes": (
        ["reserve", SHELF, "--minutes", "nan"],
        "hold: from 1 to 1,440 minutes",
    ),
    "a hold that ran out before it was placed": (
        ["reserve", SHELF, "--minutes", "-5"],
        "hold: from 1 to 1,440 minutes",
    ),
    "a hold of a thousand years": (
        ["reserve", SHELF, "--minutes", "1e9"],
        "hold: from 1 to 1,440 minutes",
    ),
    "a locker pickup window of not-a-number hours": (
        ["locker", "assign", "o-anything", "--hours", "nan"],
        "hours: from 0.1 to 720 hours",
    ),
    "a locker pickup window of forever": (
        ["locker", "assign", "o-anything", "--hours", "inf"],
        "hours: from 0.1 to 720 hours",
    ),
    "a van's day begun at 25 o'clock": (
        ["van", "closeout", "van", "--count", "MUG-TIDE-350:1", "--since", "25:00"],
        "since: write HH:MM",
    ),
    "a carrier cut-off at 25 o'clock": (
        ["node", "add", "bench2", "--kind", "bench", "--name", "Bench", "--lat", "51.5",
         "--lon", "-0.1", "--carrier-cutoff", "25:00"],
        "carrier_cutoff: write HH:MM",
    ),
    "a van's round on the thirteenth month": (
        ["van", "round", "set", "van", "--stop", "09:00-10:00@51.5,-0.05", "--day", "2026-13-01"],
        "day: write YYYY-MM-DD",
    ),
    "a transfer id no API path can name": (
        ["transfer", "request", "shopfront", "locker", "--line", "MUG-TIDE-350:1", "--id", "<!--t-->"],
        "id: letters, digits and . _ : / - after a letter or digit",
    ),
    "an order key no API path can name": (
        ["order", "place", "--line", "MUG-TIDE-350:1", "--method", "pickup", "--pickup-node", "locker",
         "--key", "<!-- x -->"],
        "key: letters, digits and . _ - after a letter or digit",
    ),
    "a negative tolerance of units at a reconciliation": (
        ["governance", "reconcile", "van", "--units", "-5"],
        "tolerance.units: cannot be negative",
    ),
    "a tolerance of value at a reconciliation that is not a number": (
        ["governance", "reconcile", "van", "--value", "nan"],
        "tolerance.value: not a number",
    ),
    "pruning accepted at a node that does not exist": (
        ["governance", "prune", "--accept", "--only", "lockr:MUG-TIDE-350"],
        NO_NODE,
    ),
    "pruning accepted of a SKU that does not exist": (
        ["governance", "prune", "--accept", "--only", "shopfront:MUG-TYDE-350"],
        NO_SKU,
    ),
    "a return of a sale at a node that does not exist": (
        ["returns", "open", "lockr", "till:locker", "MUG-TIDE-350", "--reason", "faulty"],
        NO_NODE,
    ),
    "a return of a mistyped SKU": (
        ["returns", "open", "van", "till:van", "MUG-TYDE-350", "--reason", "faulty"],
        NO_SKU,
    ),
    "a compartment wider than the API takes": (
        ["locker", "compartments", "add", "locker", "S9", "20000x150x100"],
        "a side is at most 10000 mm",
    ),
    "a compartment of 20 nines of millimetres": (
        ["locker", "compartments", "add", "locker", "S9", "99999999999999999999x150x100"],
        "a side is at most",
    ),
    "a reorder point removed at a node that does not exist": (["reorder", "remove", "lockr", "MUG-TIDE-350"], NO_NODE),
    "a product page at a node that does not exist": (["feeds", "page", "MUG-TIDE-350", "lockr"], NO_NODE),
    "a product page of a mistyped SKU": (["feeds", "page", "MUG-TYDE-350", "shopfront"], NO_SKU),
    "past sales imported at a node that does not exist": (
        ["governance", "sales", "import", "lockr", "pyproject.toml"],
        NO_NODE,
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_mistake_is_refused_in_one_line_and_creates_nothing(demo: Path, mistake: str) -> None:
    args, message = MISTAKES[mistake]
    before = rows(demo)
    result = runner.invoke(app, ["-w", str(demo), *args], obj=on_demo_day())
    refused(result, message)
    assert rows(demo) == before


@pytest.mark.parametrize("args", [["stock", "show"], ["node", "list"], ["transfer", "list"]])
def test_a_command_on_a_mistyped_workspace_makes_no_workspace(
    tmp_path: Path, args: list[str]
) -> None:
    typo = tmp_path / "typo" / "path"
    result = runner.invoke(app, ["-w", str(typo), *args], obj=on_demo_day())
    refused(result, f"no microindex workspace at {typo}")
    assert not (tmp_path / "typo").exists()


def test_a_command_before_init_makes_no_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MICROINDEX_WORKSPACE", raising=False)
    result = runner.invoke(app, ["stock", "show"], obj=on_demo_day())
    refused(result, "no microindex workspace at microindex-workspace")
    assert list(tmp_path.iterdir()) == []
    made = runner.invoke(app, ["init"], obj=on_demo_day())
    assert made.exit_code == 0, made.output
    shown = runner.invoke(app, ["stock", "show", "--json"], obj=on_demo_day())
    assert (shown.exit_code, shown.stdout.strip()) == (0, "[]")


@pytest.mark.parametrize(
    "args",
    [
        ["stock", "receive", "shopfront", "MUG-TIDE-350", "99999999999999999999"],
        ["stock", "count", "shopfront", "MUG-TIDE-350", "99999999999999999999"],
        ["stock", "receive", "shopfront", "MUG-TIDE-350", "1000001"],
    ],
)
def test_a_quantity_beyond_what_the_api_takes_is_refused_and_records_nothing(
    demo: Path, args: list[str]
) -> None:
    before = rows(demo)
    result = runner.invoke(app, ["-w", str(demo), *args], obj=on_demo_day())
    assert result.exit_code == 2, result.output  # a usage error, not a traceback
    assert "1000000" in result.output
    assert rows(demo) == before


CAPTURE_MISTAKES = {
    "a photo from a node that does not exist": (
        ["media", "add", "{photo}", "--node", "lockr", "--author", "ana", "--sku", "MUG-TIDE-350"],
        NO_NODE,
    ),
    "a photo of a SKU that does not exist": (
        ["media", "add", "{photo}", "--node", "locker", "--author", "ana", "--sku", "MUG-TYDE-350"],
        NO_SKU,
    ),
    "a capture template for a node that does not exist": (
        ["media", "template", "lockr", "--shots", "front,side"],
        NO_NODE,
    ),
    "the capture checklist of a node that does not exist": (
        ["media", "checklist", "--node", "lockr"],
        NO_NODE,
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", sorted(CAPTURE_MISTAKES))
def test_a_capture_mistake_is_refused_as_every_edge_refuses_it(
    demo: Path, tmp_path: Path, mistake: str
) -> None:
    photo = tmp_path / "beans.jpg"
    Image.new("RGB", (900, 900), (90, 60, 40)).save(photo)
    args, message = CAPTURE_MISTAKES[mistake]
    before = rows(demo), sorted((demo / "media").rglob("*"))
    args = [arg.replace("{photo}", str(photo)) for arg in args]
    result = runner.invoke(app, ["-w", str(demo), *args], obj=on_demo_day())
    refused(result, message)
    assert (rows(demo), sorted((demo / "media").rglob("*"))) == before
