"""Settings: microindex.toml read once, into one typed object every reader takes its values from."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.domain.capture.limits import CaptureLimits
from microindex.domain.errors import InvalidValue
from microindex.settings import SETTINGS_FILE, Settings

SRC = Path(__file__).parents[1] / "src" / "microindex"


def write(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / SETTINGS_FILE).write_text(text, encoding="utf-8")
    return root


def test_the_channels_and_capture_tables_are_read_into_settings(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        'link_stem = "https://shop.example"\n'
        "[channels]\n"
        'shipping = ["GB::Standard:4.95 GBP"]\n'
        "[capture]\n"
        "max_upload_mb = 2\nmax_megapixels = 12\nmax_clip_seconds = 30\n",
    )
    settings = Settings.load(root, environ={})
    assert settings.feed.base_url == "https://shop.example"  # link_stem when no base_url
    [option] = settings.feed.shipping
    assert (option.country, option.service, option.price.amount) == (
        "GB",
        "Standard",
        Decimal("4.95"),
    )
    assert settings.capture == CaptureLimits(2 * 2**20, 12_000_000, 30.0)
    again = Settings.load(write(tmp_path / "copy", settings.to_toml()), environ={})
    assert (again.channels, again.capture) == (settings.channels, settings.capture)


@pytest.mark.parametrize(
    "text",
    [
        '[capture]\nmax_upload_mb = "lots"\n',
        "[capture]\nmax_megapixels = -1\n",
        '[channels]\nshipping = ["GB-Standard"]\n',
        '[channels]\nbase_url = "shop.example"\n',
        'channels = "none"\n',
        "currency = \n",
    ],
)
def test_a_bad_settings_file_is_refused_with_a_clear_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(InvalidValue):
        Settings.load(write(tmp_path, text), environ={})


def test_the_hub_location_names_postgres_without_the_password(tmp_path: Path) -> None:
    url = "postgresql://shop:s3cret@db.example:5432/hub?sslmode=require"
    settings = Settings(tmp_path, hub_url=url)
    assert settings.hub_location == "postgresql://shop@db.example:5432/hub?sslmode=require"
    assert Settings(tmp_path).hub_location == str(tmp_path / "hub.sqlite")


def test_only_settings_reads_the_settings_file() -> None:
    readers = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import) else
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            if "tomllib" in names:
                readers.append(str(path.relative_to(SRC)))
    assert readers == ["settings.py"]


def test_the_webhooks_table_sets_the_retry_policy(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "microindex.toml").write_text("[webhooks]\nmax_attempts = 3\nfirst_delay_s = 2\n")
    settings = Settings.load(folder, environ={})
    assert (settings.webhooks.policy.max_attempts, settings.webhooks.policy.first_delay_s) == (3, 2)
    again = Settings.load(write(tmp_path / "copy", settings.to_toml()), environ={})
    assert again.webhooks == settings.webhooks
    (folder / "microindex.toml").write_text("[webhooks]\nmax_attempts = 0\n")
    with pytest.raises(InvalidValue, match="retry_policy"):
        Settings.load(folder, environ={})
