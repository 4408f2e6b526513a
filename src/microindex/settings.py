"""Settings, read once by an entrypoint and handed to `bootstrap`."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from microindex.domain.capture.limits import CaptureLimits
from microindex.domain.channels.items import FeedSettings, ShippingOption
from microindex.domain.channels.voice import DEFAULT_LANGUAGE, spoken_language
from microindex.domain.channels.webhook import RetryPolicy
from microindex.domain.errors import InvalidValue
from microindex.domain.money import MINOR_UNITS, Money
from microindex.domain.node import time_zone

SETTINGS_FILE = "microindex.toml"
DEFAULT_WORKSPACE = "microindex-workspace"
DEFAULT_ZONE = "Europe/London"
DEFAULT_SHOP_NAME = "microindex"
MAX_SHOP_NAME = 80
_TOP_LEVEL = (
    "hub_url", "currency", "link_stem", "time_zone", "shop_name", "language", "hub_connections",
)  # fmt: skip
HUB_CONNECTIONS = 20  # per hub process, on a PostgreSQL hub
GS1_RESOLVER = "https://id.gs1.org"


def shipping_option(text: str) -> ShippingOption:
    """`COUNTRY:REGION:SERVICE:PRICE`, e.g. `GB::Standard:4.95 GBP`."""
    try:
        country, region, service, price = text.split(":", 3)
        amount, currency = price.split(" ")
        return ShippingOption(country, service, Money(Decimal(amount), currency), region)
    except (ValueError, InvalidOperation):
        raise InvalidValue("shipping", text, "use COUNTRY:REGION:SERVICE:PRICE") from None


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """The `[channels]` table: the shop's address on feeds (default: `link_stem`) and the
    shipping options feeds carry."""

    base_url: str | None = None
    shipping: tuple[ShippingOption, ...] = ()


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """The `[webhooks]` table: attempts per delivery before it goes on the dead-letter list,
    and the wait after the first failed one (doubling after each, up to six hours, never
    sooner than a Retry-After the subscriber sent)."""

    max_attempts: int = 8
    first_delay_s: float = 30.0

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.max_attempts, self.first_delay_s)


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """The `[audit]` table: the monthly node health audit raises a node whose agent (the
    hub, for a node whose ledger the hub's workspace holds) has less free disk than this."""

    min_free_disk_mb: int = 1024

    def __post_init__(self) -> None:
        if self.min_free_disk_mb < 0:
            raise InvalidValue("min_free_disk_mb", str(self.min_free_disk_mb), "0 or more MB")


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the workspace lives and which database holds the hub.

    `hub_url` is None for the embedded default (`hub.sqlite` in the workspace) or a
    `postgresql://` URL. `currency` prices imports that carry none (Shopify's CSV does not).
    `link_stem` is the seller's own domain for GS1 Digital Links on labels and tags.
    `time_zone` is the IANA time zone a node added without one takes (its hours are local),
    and the one the pages tell times in. `shop_name` is what shoppers' pages are titled.
    `language` (a BCP 47 tag, en-GB or fr-FR) is the one voice answers are said in.
    `channels` and `capture` are the `[channels]` and `[capture]` tables of microindex.toml.
    `hub_connections` is how many connections each process of a PostgreSQL hub keeps open at
    most (a request beyond them waits for one): with `serve --workers N`, N times it must stay
    within the server's max_connections.
    """

    workspace: Path
    hub_url: str | None = None
    currency: str = "GBP"
    link_stem: str = GS1_RESOLVER
    time_zone: str = DEFAULT_ZONE
    shop_name: str = DEFAULT_SHOP_NAME
    language: str = DEFAULT_LANGUAGE
    channels: ChannelSettings = field(default_factory=ChannelSettings)
    capture: CaptureLimits = field(default_factory=CaptureLimits)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    hub_connections: int = HUB_CONNECTIONS

    def __post_init__(self) -> None:
        if self.hub_connections < 1:
            raise InvalidValue("hub_connections", str(self.hub_connections), "1 or more")
        time_zone(self.time_zone)
        spoken_language(self.language)
        name = self.shop_name
        if not name.strip() or len(name) > MAX_SHOP_NAME or not name.isprintable():
            raise InvalidValue("shop_name", name[:40], f"1 to {MAX_SHOP_NAME} printable characters")
        self.webhooks.policy  # noqa: B018 - checked as the timer will build it
        if self.currency not in MINOR_UNITS:
            raise InvalidValue("currency", self.currency, "not a supported ISO 4217 code")
        if not self.link_stem.startswith(("https://", "http://")):
            raise InvalidValue("link_stem", self.link_stem, "use an http(s):// address")
        if self.hub_url is not None and not self.hub_url.startswith(
            ("postgresql://", "postgres://")
        ):
            raise InvalidValue("hub_url", self.hub_url, "use a postgresql:// URL, or none")
        if self.channels.base_url is not None:
            FeedSettings(self.channels.base_url)  # checked as every feed's address is

    @property
    def zone(self) -> ZoneInfo:
        """`time_zone` as a zone: the shop's clock, whose midnight begins its days."""
        return time_zone(self.time_zone)

    @property
    def hub_path(self) -> Path:
        return self.workspace / "hub.sqlite"

    @property
    def hub_location(self) -> str:
        """Where the hub is, as a person is told: its file, or its PostgreSQL URL without the
        password."""
        if not self.hub_url:
            return str(self.hub_path)
        parts = urlsplit(self.hub_url)
        if parts.password is None:
            return self.hub_url
        user = f"{parts.username}@" if parts.username else ""
        host = parts.netloc.rsplit("@", 1)[1]
        return parts._replace(netloc=f"{user}{host}").geturl()

    @property
    def feed(self) -> FeedSettings:
        """What every channel feed carries about the shop itself."""
        base = self.channels.base_url or self.link_stem
        return FeedSettings(base, self.channels.shipping, self.time_zone)

    @property
    def feed_warning(self) -> str | None:
        """What a person running feeds should hear about their links, or None: with no
        `[channels] base_url` and the default `link_stem`, every product link is on GS1's
        resolver (id.gs1.org), not on the shop's own site."""
        if self.channels.base_url or self.link_stem != GS1_RESOLVER:
            return None
        return (
            f"no [channels] base_url in {SETTINGS_FILE}: product links point at {GS1_RESOLVER}, "
            'not your shop; set base_url = "https://your-shop.example" under [channels]'
        )

    @property
    def nodes_dir(self) -> Path:
        return self.workspace / "nodes"

    @classmethod
    def load(cls, workspace: Path | None, environ: Mapping[str, str] = os.environ) -> Settings:
        """Workspace from the argument, else MICROINDEX_WORKSPACE, else ./microindex-workspace;
        then its microindex.toml; then MICROINDEX_HUB_URL, MICROINDEX_CURRENCY,
        MICROINDEX_LINK_STEM, MICROINDEX_TIME_ZONE, MICROINDEX_SHOP_NAME, MICROINDEX_LANGUAGE
        and MICROINDEX_HUB_CONNECTIONS override."""
        root = workspace or Path(environ.get("MICROINDEX_WORKSPACE", DEFAULT_WORKSPACE))
        values: dict[str, str] = {}
        file = root / SETTINGS_FILE
        loaded: dict[str, object] = {}
        if file.exists():
            with file.open("rb") as handle:
                try:
                    loaded = tomllib.load(handle)
                except tomllib.TOMLDecodeError as error:
                    raise InvalidValue(SETTINGS_FILE, str(file), str(error)) from None
        values.update({k: str(v) for k, v in loaded.items() if k in _TOP_LEVEL})
        if "MICROINDEX_HUB_URL" in environ:
            values["hub_url"] = environ["MICROINDEX_HUB_URL"]
        for key in _TOP_LEVEL[1:]:
            if f"MICROINDEX_{key.upper()}" in environ:
                values[key] = environ[f"MICROINDEX_{key.upper()}"]
        return cls(
            workspace=root,
            hub_url=values.get("hub_url") or None,
            currency=values.get("currency", "GBP"),
            link_stem=values.get("link_stem", GS1_RESOLVER),
            time_zone=values.get("time_zone", DEFAULT_ZONE),
            shop_name=values.get("shop_name", DEFAULT_SHOP_NAME),
            language=values.get("language", DEFAULT_LANGUAGE),
            channels=_channels(_table(loaded, "channels")),
            capture=_capture(_table(loaded, "capture")),
            webhooks=_webhooks(_table(loaded, "webhooks")),
            audit=_audit(_table(loaded, "audit")),
            hub_connections=_whole("hub_connections", values.get("hub_connections")),
        )

    def to_toml(self) -> str:
        lines = [
            f'currency = "{self.currency}"',
            f'link_stem = "{self.link_stem}"',
            f'time_zone = "{self.time_zone}"',
        ]
        if self.shop_name != DEFAULT_SHOP_NAME:
            lines.append(f"shop_name = {json.dumps(self.shop_name, ensure_ascii=False)}")
        if self.language != DEFAULT_LANGUAGE:
            lines.append(f'language = "{self.language}"')
        if self.hub_url:
            lines.append(f'hub_url = "{self.hub_url}"')
        if self.hub_connections != HUB_CONNECTIONS:
            lines.append(f"hub_connections = {self.hub_connections}")
        if self.channels != ChannelSettings():
            lines += ["", "[channels]"]
            if self.channels.base_url:
                lines.append(f'base_url = "{self.channels.base_url}"')
            shipping = ", ".join(f'"{option}"' for option in self.channels.shipping)
            lines.append(f"shipping = [{shipping}]")
        if self.capture != CaptureLimits():
            lines += [
                "",
                "[capture]",
                f"max_upload_mb = {self.capture.max_bytes / 2**20}",
                f"max_megapixels = {self.capture.max_pixels / 1e6}",
                f"max_clip_seconds = {self.capture.max_clip_seconds}",
            ]
        if self.webhooks != WebhookSettings():
            lines += [
                "",
                "[webhooks]",
                f"max_attempts = {self.webhooks.max_attempts}",
                f"first_delay_s = {self.webhooks.first_delay_s}",
            ]
        if self.audit != AuditSettings():
            lines += ["", "[audit]", f"min_free_disk_mb = {self.audit.min_free_disk_mb}"]
        return "\n".join(lines) + "\n"


def _table(loaded: Mapping[str, object], name: str) -> Mapping[str, object]:
    table = loaded.get(name, {})
    if not isinstance(table, dict):
        raise InvalidValue(name, str(table), f"[{name}] in {SETTINGS_FILE} is a table")
    return table


def _channels(table: Mapping[str, object]) -> ChannelSettings:
    options = table.get("shipping", [])
    if not isinstance(options, list):
        raise InvalidValue("shipping", str(options), "a list of COUNTRY:REGION:SERVICE:PRICE")
    base_url = table.get("base_url")
    return ChannelSettings(
        str(base_url) if base_url else None, tuple(shipping_option(str(o)) for o in options)
    )


def _webhooks(table: Mapping[str, object]) -> WebhookSettings:
    defaults = WebhookSettings()
    try:
        attempts = int(str(table.get("max_attempts", defaults.max_attempts)))
        delay = float(str(table.get("first_delay_s", defaults.first_delay_s)))
    except ValueError:
        raise InvalidValue(
            "webhooks", str(dict(table))[:200], "numbers of attempts and seconds"
        ) from None
    return WebhookSettings(attempts, delay)


def _audit(table: Mapping[str, object]) -> AuditSettings:
    value = table.get("min_free_disk_mb", AuditSettings().min_free_disk_mb)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue("min_free_disk_mb", str(value), "[audit] min_free_disk_mb is whole MB")
    return AuditSettings(value)


def _capture(table: Mapping[str, object]) -> CaptureLimits:
    defaults = CaptureLimits()

    def number(key: str, default: float) -> float:
        value = table.get(key, default)
        try:
            if isinstance(value, bool):
                raise ValueError(value)
            return float(str(value))
        except ValueError:
            raise InvalidValue(key, str(value), f"[capture] {key} is a number") from None

    return CaptureLimits(
        max_bytes=int(number("max_upload_mb", defaults.max_bytes / 2**20) * 2**20),
        max_pixels=int(number("max_megapixels", defaults.max_pixels / 1e6) * 1e6),
        max_clip_seconds=number("max_clip_seconds", defaults.max_clip_seconds),
    )


def _whole(key: str, text: str | None) -> int:
    """A whole number setting (`HUB_CONNECTIONS` when absent)."""
    if text is None:
        return HUB_CONNECTIONS
    try:
        return int(text)
    except ValueError:
        raise InvalidValue(key, text, "a whole number") from None
