"""A transfer cancelled too late, through the command line: the refusal says what happened to
the goods (arrived, on their way, already called off) and what to do instead."""

import json
from pathlib import Path

from tests.e2e.test_cli import _shop, cli


def _sent(tmp_path: Path) -> Path:
    ws = _shop(tmp_path)
    cli(ws, "catalog", "import", str(_catalog(tmp_path)))
    cli(ws, "stock", "receive", "shop", "MUG-A", "5")
    return ws


def _catalog(tmp_path: Path) -> Path:
    file = tmp_path / "mugs.csv"
    file.write_text("sku,title,price,currency\nMUG-A,Mug,9.00,GBP\n", encoding="utf-8")
    return file


def test_cancelling_a_transfer_that_arrived_says_it_arrived(tmp_path: Path) -> None:
    ws = _sent(tmp_path)
    done = json.loads(cli(ws, "stock", "transfer", "shop", "van", "MUG-A", "2", "--json"))
    refused = " ".join(cli(ws, "transfer", "cancel", done["id"], ok=False).split())
    assert f"transfer {done['id']} already arrived at van on 2026-" in refused
    assert (
        "it can no longer be cancelled; to send the goods back, transfer them from van to shop"
        in refused
    )


def test_cancelling_a_transfer_on_its_way_or_called_off_says_so(tmp_path: Path) -> None:
    ws = _sent(tmp_path)
    cli(ws, "transfer", "request", "shop", "van", "--line", "MUG-A:1", "--id", "t-road")
    cli(ws, "transfer", "ship", "t-road")
    on_road = " ".join(cli(ws, "transfer", "cancel", "t-road", ok=False).split())
    assert "transfer t-road shipped from shop on 2026-" in on_road
    assert "is on its way to van: it can no longer be cancelled; receive it at van" in on_road
    cli(ws, "transfer", "request", "shop", "van", "--line", "MUG-A:1", "--id", "t-off")
    cli(ws, "transfer", "cancel", "t-off")
    again = " ".join(cli(ws, "transfer", "cancel", "t-off", ok=False).split())
    assert "transfer t-off was already cancelled on 2026-" in again
