"""`microindex feeds ...` end to end on the demo workspace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
import typer
from lxml import etree
from typer.testing import CliRunner

from microindex.entrypoints.cli import feeds
from microindex.entrypoints.cli.app import app as root
from tests.clock import on_demo_day

from .merchant_server import Seen, error, merchant_server

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """The root app with `feeds` registered (the lead registers it for good)."""
    if not any(group.name == "feeds" for group in root.registered_groups):
        root.add_typer(feeds.app, name="feeds")
    return root


@pytest.fixture(scope="module")
def demo(app: typer.Typer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo") / "shop"
    result = runner.invoke(
        app, ["demo", "--dir", str(directory), "--seed", "7", "--no-serve"], obj=on_demo_day()
    )
    assert result.exit_code == 0, result.output
    return directory


def cli(app: typer.Typer, workspace: Path, *args: str) -> str:
    result = runner.invoke(app, ["-w", str(workspace), "feeds", *args], obj=on_demo_day())
    assert result.exit_code == 0, result.output
    return result.output


def test_the_feeds_commands_write_parseable_files(
    app: typer.Typer, demo: Path, tmp_path: Path
) -> None:
    assert "205 item(s)" in cli(app, demo, "google", "products", str(tmp_path / "g.xml"))
    root_element = etree.parse(str(tmp_path / "g.xml")).getroot()
    assert len(root_element.findall("channel/item")) == 205
    assert "0 item(s)" in cli(
        app, demo, "google", "products", str(tmp_path / "g.tsv"), "--format", "tsv", "--delta"
    )
    cli(app, demo, "google", "local", str(tmp_path / "local.tsv"))
    header = (tmp_path / "local.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split("\t")[:3] == ["store_code", "id", "quantity"]
    cli(app, demo, "meta", str(tmp_path / "meta.csv"))
    cli(app, demo, "newsletter", str(tmp_path / "news.atom"), "--format", "atom")
    assert feedparser.parse(str(tmp_path / "news.atom")).version == "atom10"


def test_voice_dry_run_push_and_accuracy_answer(app: typer.Typer, demo: Path) -> None:
    said = json.loads(
        cli(
            app,
            demo,
            "voice",
            "is the blue mug in stock",
            "--lat",
            "51.536",
            "--lon",
            "-0.06",
            "--json",
        )
    )
    assert said["sku"] and said["speech"] and said["ssml"].startswith("<speak")
    dry = json.loads(cli(app, demo, "push", "google", "--dry-run"))
    assert dry["would_send"]["google"] == 205
    assert dry["first"][0]["productAttributes"]["price"]["currencyCode"] == "GBP"
    assert "channel" in cli(app, demo, "accuracy", "--days", "1") or "nothing sent" in cli(
        app, demo, "accuracy"
    )
    assert isinstance(json.loads(cli(app, demo, "accuracy", "--json")), list)


def test_push_google_shows_progress_and_a_summary_of_refusals_by_reason(
    app: typer.Typer, demo: Path
) -> None:
    def answer(seen: Seen, attempt: int) -> tuple[int, dict[str, Any]]:
        if "productInputs" in seen.path and seen.offer.endswith(("1", "2")):
            return error(400, "[gtin] Invalid GTIN" if seen.offer.endswith("1") else "Too long")
        return 200, {}

    with merchant_server() as server:
        server.answer = answer
        args = ("push", "google", "--account", "123", "--data-source", "ds9", "--token", "t")
        said = cli(app, demo, *args, "--api-root", server.url)
        refused = {s.offer for s in server.seen if s.offer.endswith(("1", "2"))}
        ones = sum(1 for offer in refused if offer.endswith("1") and "~" not in offer)
        assert f"{ones} refused: [gtin] Invalid GTIN" in said
        assert "refused: Too long" in said and "not recorded as sent" in said
