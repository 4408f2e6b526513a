"""Every `Example: microindex ...` in the commands' help (docs/cli.md is made from it), run on
the demo shop on either hub: its own SQLite file or PostgreSQL (issue 17).

The examples are read from the typer app itself, so a new command's example is run as soon as
it is written. Each backend's demo is built once, then every example runs on it in the order
of the CLI reference, so that the outcomes do not depend on the order pytest picks; each test
then checks one example's outcome. The same table of outcomes holds on both backends: an
example succeeds, or it is one of `REFUSED` and fails cleanly (exit 1 or 2, the message
given, no traceback), or it is one of `SKIPPED` for the reason given.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from microindex.demo.scenario import DEMO_LINK_STEM
from microindex.entrypoints.cli.app import app
from microindex.settings import SETTINGS_FILE, Settings
from tests.capture.files import heic_with_exif
from tests.clock import on_demo_day
from tests.postgres import SchemaPool

runner = CliRunner()
EXAMPLE = re.compile(r"Example:\s*(.+?)(?:\n\s*\n|\Z)", re.S)
SUBSTITUTION = re.compile(r"\$\((microindex [^)]*)\)")
ENV_PREFIX = re.compile(r"[A-Z][A-Z0-9_]*=")


@dataclass(frozen=True)
class Example:
    """One example of one command: `command` is its path ("stock receive"), `line` the
    example as a shell would read it, its wrapped lines joined."""

    command: str
    line: str
    nth: int = 1

    @property
    def id(self) -> str:
        return self.command if self.nth == 1 else f"{self.command} #{self.nth}"


def examples() -> list[Example]:
    """Every command's examples, in the CLI reference's order."""
    found: list[Example] = []

    def walk(path: str, command: Any) -> None:
        for nth, text in enumerate(EXAMPLE.findall(command.help or ""), start=1):
            found.append(Example(path, " ".join(text.split()), nth))
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                walk(f"{path} {name}".strip(), sub)

    walk("", typer.main.get_command(app))
    return found


# Examples that cannot run in a test, and why.
SKIPPED = {
    "serve": "serves until Ctrl-C",
    "demo": "the fixture built the demo with it",
    "node run": "runs until stopped (with --once it would sync once, but with a hub at that URL)",
    "governance jobs schedule": "runs the hub's timers until Ctrl-C",
    "node secret": "its command is `node run` (runs until stopped); its $(node secret) is run",
}
# Run after the others: a hub told it was restored promises nothing until its nodes sync.
LAST = ("restored",)

# Examples refused on the demo shop, on either hub, as a user would see them: why, and a
# part of the message. Most name an id that only a real shop has.
NOT_IN_DEMO = "an id the demo does not have"
REFUSED: dict[str, tuple[str, str]] = {
    "reserve": ("the demo's shelf is at another GLN", "no shelf slot 'A1' known at GLN"),
    "node add": ("the demo has a shopfront", "a node with code 'shopfront' already exists"),
    "order show": (NOT_IN_DEMO, "no order 'o-1a2b3c4d5e'"),
    "order advance": (NOT_IN_DEMO, "no order 'o-1a2b3c'"),
    "package pack": (NOT_IN_DEMO, "no order 'o-1a2b3c'"),
    "order cancel": (NOT_IN_DEMO, "no order 'o-1a2b3c4d5e'"),
    "locker assign": (NOT_IN_DEMO, "no order 'o-1a2b3c4d5e'"),
    "locker open": (NOT_IN_DEMO, "that code opens no compartment at locker"),
    "transfer pack": (NOT_IN_DEMO, "no transfer 't-1a2b3c'"),
    "transfer ship": (NOT_IN_DEMO, "no transfer 't-1a2b3c'"),
    "transfer receive": (NOT_IN_DEMO, "no transfer 't-1a2b3c'"),
    "transfer cancel": (NOT_IN_DEMO, "no transfer 't-1a2b3c'"),
    "van closeout": ("the demo sells no oak vase", "no product with SKU 'VASE-OAK'"),
    "labels resolve": ("a GTIN the demo does not sell", "no product with GTIN 09520123456788"),
    "media link": ("the demo has no SKU MUG-1", "no product with SKU 'MUG-1'"),
    "media approve": (NOT_IN_DEMO, "no media asset with id '3f2a9c0d1e2b4a5f'"),
    "media reject": (NOT_IN_DEMO, "no media asset with id '3f2a9c0d1e2b4a5f'"),
    "media verify": (NOT_IN_DEMO, "no media asset with id '3f2a9c0d1e2b4a5f'"),
    "feeds page": ("the demo has no SKU MUG-001", "no product with SKU 'MUG-001'"),
    "returns open": ("the demo's van sold no mug under till:van", "but only 0 sold under"),
    "returns open #2": (NOT_IN_DEMO, "no walk-in sale van#12 (as `stock sell` printed it)"),
    "returns check-in": ("a GTIN the demo does not sell", "no product with SKU '5069412000027'"),
    "returns disposition": (NOT_IN_DEMO, "MUG-TIDE-350 is not on this return"),
    "token revoke": (NOT_IN_DEMO, "no token with id 'tok_3f9a1c2b4d5e'"),
    "webhooks unsubscribe": (NOT_IN_DEMO, "no webhook subscription 'wh_3f9a1c2b4d5e'"),
    "kit set": ("the demo sells no kit", "no product with SKU 'KIT-BREAKFAST'"),
    "kit remove": (NOT_IN_DEMO, "no product with SKU 'KIT-BREAKFAST'"),
    "kit stock": (NOT_IN_DEMO, "no product with SKU 'KIT-BREAKFAST'"),
    "kit sell": (NOT_IN_DEMO, "no product with SKU 'KIT-BREAKFAST'"),
}

# The refused examples that name the demo's own things instead run: in the demo's words.
ON_THE_DEMO = {
    "order show": "microindex order show locker-demo-CND-PLUM-T",
    "locker open": "microindex locker open {code}",
    "van closeout": "microindex van closeout van --count MUG-TIDE-350:4 --count VAS-MOSS-M:1 --complete",
    "labels resolve": 'microindex labels resolve "https://hackneyclay.example/01/05069412781926/10/L7"',
    "feeds page": "microindex feeds page MUG-TIDE-350 shopfront --check",
    "kit set": "microindex kit set KIT-TEA-FOR-TWO --part MUG-RUST-250:2 --part PLT-COBA-S:2",
    "kit stock": "microindex kit stock KIT-TEA-FOR-TWO",
    "kit sell": "microindex kit sell shopfront KIT-TEA-FOR-TWO 1",
    "kit remove": "microindex kit remove KIT-TEA-FOR-TWO",
}


def env_and_args(line: str) -> tuple[dict[str, str], list[str]]:
    """The environment prefix and arguments of an example's line, after `microindex`."""
    words = shlex.split(line)
    env: dict[str, str] = {}
    while words and ENV_PREFIX.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[:1] == ["microindex"], f"an example that is not a microindex command: {line}"
    args = words[1:]
    if args[:1] in (["-w"], ["--workspace"]):
        args = args[2:]  # the demo's workspace instead
    return env, args


@dataclass
class Outcome:
    """What running an example did: the results of its $(...) and of itself (None: skipped)."""

    substituted: list[Result] = field(default_factory=list)
    result: Result | None = None


def run(folder: Path, args: list[str], env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, ["-w", str(folder), *args], obj=on_demo_day(), env=env)


def run_example(example: Example, folder: Path) -> Outcome:
    outcome = Outcome()
    line = example.line

    def substitute(match: re.Match[str]) -> str:
        inner = run(folder, env_and_args(match.group(1))[1])
        outcome.substituted.append(inner)
        return inner.stdout.strip()

    line = SUBSTITUTION.sub(lambda m: shlex.quote(substitute(m)), line)
    env, args = env_and_args(line)
    if example.command in SKIPPED:
        return outcome
    outcome.result = run(folder, args, env)
    return outcome


SHOPIFY_EXPORT = """\
Handle,Title,Body (HTML),Vendor,Type,Tags,Option1 Name,Option1 Value,Variant SKU,Variant Grams,\
Variant Inventory Qty,Variant Price,Variant Compare At Price,Variant Barcode,Image Src
tide-jug,Tide jug,<p>Thrown in <b>Hackney</b>.</p>,Hackney Clay Co.,Jugs,"handmade, blue",\
Size,1 l,JUG-TIDE-1L,900,5,48.00,,,
"""


def write_inputs(scratch: Path) -> None:
    """The files the examples read, small and real, under the names they give."""
    (scratch / "products_export.csv").write_text(SHOPIFY_EXPORT, encoding="utf-8")
    (scratch / "counts.csv").write_text("sku,counted\nMUG-TIDE-350,7\n", encoding="utf-8")
    (scratch / "locker-stock.csv").write_text("sku,quantity\nMUG-TIDE-350,3\n", encoding="utf-8")
    past = "date,sku,quantity\n2026-11-02,MUG-TIDE-350,4\n"
    (scratch / "orders_export.csv").write_text(past, encoding="utf-8")
    (scratch / "MUG-TIDE-250_front.heic").write_bytes(heic_with_exif())
    kit = "sku,title,price,currency\nKIT-TEA-FOR-TWO,Tea for two,48.00,GBP\n"
    (scratch / "kit.csv").write_text(kit, encoding="utf-8")


@dataclass
class Shop:
    hub_url: str | None
    folder: Path
    outcomes: dict[str, Outcome]
    readme: dict[str, Result]  # the README's commands, run from an empty folder
    readme_cwd: Path


README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """The quickstart's "look around" commands, on the demo in ./microindex-demo."""
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [line.strip() for line in blocks[1].splitlines() if line.strip()]


def run_readme(folder: Path) -> dict[str, Result]:
    """Each README command on the demo, its ./microindex-demo/ paths there."""
    ran = {}
    for line in readme_commands():
        _env, args = env_and_args(line)
        args = [a.replace("microindex-demo/", f"{folder}/") for a in args]
        ran[line] = run(folder, args)
    return ran


def build_demo(folder: Path, hub_url: str | None) -> str:
    """`microindex demo` into `folder`, its hub in `hub_url`; then the workspace's settings
    name that hub, as a user's would. Returns what the demo told."""
    env = {"MICROINDEX_HUB_URL": hub_url} if hub_url else None
    built = runner.invoke(
        app,
        ["demo", "--dir", str(folder), "--seed", "7", "--no-serve"],
        obj=on_demo_day(),
        env=env,
    )
    assert built.exit_code == 0, built.output
    if hub_url:
        settings = Settings.load(folder, environ={"MICROINDEX_HUB_URL": hub_url})
        (folder / SETTINGS_FILE).write_text(settings.to_toml(), encoding="utf-8")
    return built.output


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    """The demo on one backend, every example run on it in order."""
    hub_url, schema, pool = None, None, None
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        pool = request.getfixturevalue("postgres_schemas")
        assert isinstance(pool, SchemaPool)
        schema = pool.take()
        joiner = "&" if "?" in url else "?"
        hub_url = f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"
    root = tmp_path_factory.mktemp(f"examples-{request.param}")
    folder, scratch = root / "demo", root / "scratch"
    scratch.mkdir()
    try:
        told = build_demo(folder, hub_url)
        write_inputs(scratch)
        code = re.search(r"code (\d{6})", told)
        assert code is not None, told
        elsewhere = root / "readme"
        elsewhere.mkdir()
        with contextlib.chdir(scratch):  # files the examples name are read and written here
            found = examples()
            outcomes = {e.id: run_example(e, folder) for e in found if e.command not in LAST}
        with contextlib.chdir(elsewhere):  # as if from the checkout, before LAST
            readme = run_readme(folder)
        with contextlib.chdir(scratch):
            outcomes |= {e.id: run_example(e, folder) for e in found if e.command in LAST}
            # every demo product has stock of its own, which a kit never holds: a new one
            imported = run(folder, ["catalog", "import", "kit.csv"])
            assert imported.exit_code == 0, shown(imported)
            for name, line in ON_THE_DEMO.items():
                example = Example(name, line.format(code=code.group(1)))
                outcomes[f"{name} (on the demo)"] = run_example(example, folder)
        yield Shop(hub_url, folder, outcomes, readme, elsewhere)
    finally:
        if pool is not None and schema is not None:
            pool.give_back(schema)


def shown(result: Result) -> str:
    return f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"


def assert_clean(result: Result, example: Example) -> None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"`{example.line}` raised:\n{shown(result)}") from result.exception
    assert "Traceback" not in result.output, shown(result)


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.id)
def test_the_example_does_what_the_reference_says(shop: Shop, example: Example) -> None:
    outcome = shop.outcomes[example.id]
    for inner in outcome.substituted:
        assert_clean(inner, example)
        assert inner.exit_code == 0, shown(inner)
    if outcome.result is None:
        pytest.skip(SKIPPED[example.command])
    result = outcome.result
    assert_clean(result, example)
    if example.id in REFUSED:
        _why, message = REFUSED[example.id]
        assert result.exit_code in (1, 2), shown(result)
        assert message in result.output, shown(result)
    else:
        assert result.exit_code == 0, shown(result)


def test_every_example_is_a_microindex_command_run_or_skipped_for_a_reason() -> None:
    found = examples()
    assert len(found) >= 90
    ids = {e.id for e in found}
    assert set(SKIPPED) <= {e.command for e in found}
    assert set(REFUSED) <= ids, set(REFUSED) - ids
    assert not set(REFUSED) & set(SKIPPED)
    assert set(ON_THE_DEMO) <= set(REFUSED)
    for example in found:  # each a microindex command, its $(...) too
        for inner in SUBSTITUTION.findall(example.line):
            env_and_args(inner)
        env_and_args(SUBSTITUTION.sub("x", example.line))


def test_the_examples_ran_on_the_demos_hub_to_the_end(shop: Shop) -> None:
    """`init` among them keeps the workspace's settings: its hub and its link stem."""
    kept = Settings.load(shop.folder, environ={})
    assert (kept.hub_url, kept.link_stem) == (shop.hub_url, DEMO_LINK_STEM)
    assert (shop.folder / "hub.sqlite").exists() is (shop.hub_url is None)


@pytest.mark.parametrize("name", sorted(ON_THE_DEMO))
def test_a_refused_example_works_with_the_demos_own_things(shop: Shop, name: str) -> None:
    result = shop.outcomes[f"{name} (on the demo)"].result
    assert result is not None
    assert_clean(result, Example(name, ON_THE_DEMO[name]))
    assert result.exit_code == 0, shown(result)


@pytest.mark.parametrize("line", readme_commands())
def test_a_readme_command_runs_on_the_demo_and_writes_only_into_it(shop: Shop, line: str) -> None:
    result = shop.readme[line]
    assert_clean(result, Example("readme", line))
    assert result.exit_code == 0, shown(result)
    assert list(shop.readme_cwd.iterdir()) == []  # nothing dropped where it was run
    for word in line.split():
        if word.startswith("microindex-demo/"):
            assert (shop.folder / word.removeprefix("microindex-demo/")).is_file(), word
