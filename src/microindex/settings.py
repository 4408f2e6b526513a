"""Settings, read once by an entrypoint and handed to `bootstrap`."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from microindex.domain.errors import InvalidValue
from microindex.domain.money import MINOR_UNITS
from microindex.domain.node import time_zone

SETTINGS_FILE = "microindex.toml"
DEFAULT_WORKSPACE = "microindex-workspace"
DEFAULT_ZONE = "Europe/London"


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the workspace lives and which database holds the hub.

    `hub_url` is None for the embedded default (`hub.sqlite` in the workspace) or a
    `postgresql://` URL. `currency` prices imports that carry none (Shopify's CSV does not).
    `link_stem` is the seller's own domain for GS1 Digital Links on labels and tags.
    `time_zone` is the IANA time zone a node added without one takes (its hours are local).
    """

    workspace: Path
    hub_url: str | None = None
    currency: str = "GBP"
    link_stem: str = "https://id.gs1.org"
    time_zone: str = DEFAULT_ZONE

    def __post_init__(self) -> None:
        time_zone(self.time_zone)
        if self.currency not in MINOR_UNITS:
            raise InvalidValue("currency", self.currency, "not a supported ISO 4217 code")
        if not self.link_stem.startswith(("https://", "http://")):
            raise InvalidValue("link_stem", self.link_stem, "use an http(s):// address")
        if self.hub_url is not None and not self.hub_url.startswith(
            ("postgresql://", "postgres://")
        ):
            raise InvalidValue("hub_url", self.hub_url, "use a postgresql:// URL, or none")

    @property
    def hub_path(self) -> Path:
        return self.workspace / "hub.sqlite"

    @property
    def nodes_dir(self) -> Path:
        return self.workspace / "nodes"

    @classmethod
    def load(cls, workspace: Path | None, environ: Mapping[str, str] = os.environ) -> Settings:
        """Workspace from the argument, else MICROINDEX_WORKSPACE, else ./microindex-workspace;
        then its microindex.toml; then MICROINDEX_HUB_URL, MICROINDEX_CURRENCY,
        MICROINDEX_LINK_STEM and MICROINDEX_TIME_ZONE override."""
        root = workspace or Path(environ.get("MICROINDEX_WORKSPACE", DEFAULT_WORKSPACE))
        values: dict[str, str] = {}
        file = root / SETTINGS_FILE
        if file.exists():
            with file.open("rb") as handle:
                values.update({k: str(v) for k, v in tomllib.load(handle).items()})
        if "MICROINDEX_HUB_URL" in environ:
            values["hub_url"] = environ["MICROINDEX_HUB_URL"]
        for key in ("currency", "link_stem", "time_zone"):
            if f"MICROINDEX_{key.upper()}" in environ:
                values[key] = environ[f"MICROINDEX_{key.upper()}"]
        return cls(
            workspace=root,
            hub_url=values.get("hub_url") or None,
            currency=values.get("currency", "GBP"),
            link_stem=values.get("link_stem", "https://id.gs1.org"),
            time_zone=values.get("time_zone", DEFAULT_ZONE),
        )

    def to_toml(self) -> str:
        lines = [
            f'currency = "{self.currency}"',
            f'link_stem = "{self.link_stem}"',
            f'time_zone = "{self.time_zone}"',
        ]
        if self.hub_url:
            lines.append(f'hub_url = "{self.hub_url}"')
        return "\n".join(lines) + "\n"
