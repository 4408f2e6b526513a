"""Capture on a hub in PostgreSQL: records, blobs and the signing keys live in the hub's
database, so a second hub process (another workspace folder on the same URL) serves the photo,
and nothing is written beside the hub."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex.adapters.media.provenance import C2paProvenance
from microindex.adapters.media.signing_identity import ensure_signing_identity
from microindex.adapters.media.wiring import CaptureBesideFile, open_capture
from microindex.adapters.sqlite.storage import SECRETS_DIR
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.adapters.sync.secrets import SecretFiles
from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.capture.limits import CaptureLimits
from microindex.domain.capture.provenance import ProvenanceStatus
from microindex.domain.capture.template import CaptureTemplate
from microindex.entrypoints.cli.app import app as cli
from microindex.entrypoints.http.app import create_app
from microindex.service.capture import Upload, approve, get_asset, ingest, record_edit
from microindex.service.capture_views import verify_asset
from microindex.settings import SETTINGS_FILE, Settings
from tests.contract.samples import node

from .conftest import AT, MUG, MUG_GTIN, product
from .files import jpeg_with_gps, png

pytestmark = pytest.mark.postgres
runner = CliRunner()
AUTHOR = ("--node", "van", "--author", "ana")


@pytest.fixture
def url(postgres_url: str, postgres_schema: str) -> str:
    joiner = "&" if "?" in postgres_url else "?"
    return f"{postgres_url}{joiner}options={quote(f'-csearch_path={postgres_schema}')}"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def folder(root: Path, url: str, limits: CaptureLimits | None = None) -> Path:
    root.mkdir(parents=True)
    settings = Settings(root, hub_url=url, capture=limits or CaptureLimits())
    (root / SETTINGS_FILE).write_text(settings.to_toml(), encoding="utf-8")
    return root


@pytest.fixture
def first(tmp_path: Path, url: str) -> Iterator[Workspace]:
    ws = bootstrap(Settings.load(folder(tmp_path / "first", url), environ={}), lambda: AT)
    with ws.hub() as uow:
        uow.catalog.upsert([product(MUG, MUG_GTIN)])
        uow.commit()
    yield ws
    ws.close()


@pytest.fixture
def van(first: Workspace) -> None:
    """The node the photos are taken at."""
    with first.hub() as uow:
        uow.nodes.add(node("van"))
        uow.commit()


def run(workspace: Path, *args: str, exit_code: int = 0) -> str:
    env = {"MICROINDEX_WORKSPACE": str(workspace)}
    result = runner.invoke(cli, list(args), env=env)
    assert result.exit_code == exit_code, result.output
    return result.output


def stored(url: str) -> tuple[int, ...]:
    """Assets and blobs in the hub's database."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM media_assets), (SELECT count(*) FROM media_blobs)"
        ).fetchone()
    assert row is not None
    return tuple(row)


def written(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.name != SETTINGS_FILE)


def test_media_add_on_a_postgres_hub_writes_nothing_into_the_workspace(
    first: Workspace, tmp_path: Path, van: None
) -> None:
    photo = tmp_path / f"{MUG}_front.jpg"
    photo.write_bytes(jpeg_with_gps())
    root = first.settings.workspace
    added = json.loads(run(root, "media", "add", str(photo), *AUTHOR, "--json"))
    run(root, "media", "approve", added["id"])
    assert json.loads(run(root, "media", "verify", added["id"], "--json"))["status"] == "valid"
    assert written(root) == []  # no media/ folder, no assets.sqlite, no keys/


def test_a_second_hub_process_serves_the_same_photo_bytes(
    first: Workspace, tmp_path: Path, url: str, van: None
) -> None:
    photo = tmp_path / f"{MUG}_front.jpg"
    photo.write_bytes(jpeg_with_gps())
    root = first.settings.workspace
    added = json.loads(run(root, "media", "add", str(photo), *AUTHOR, "--json"))
    run(root, "media", "approve", added["id"])
    sha256 = added["image_sha256"]
    second = bootstrap(Settings.load(folder(tmp_path / "second", url), environ={}), lambda: AT)
    try:
        with TestClient(create_app(second)) as client:
            served = client.get(f"/media/{sha256}.jpg")
    finally:
        second.close()
    assert served.status_code == 200
    assert served.content[:3] == b"\xff\xd8\xff"
    assert served.content == first_blob(first, sha256)


def first_blob(ws: Workspace, sha256: str) -> bytes:
    return open_capture(ws.storage, ws.hub, ws.settings.capture).blobs.get(sha256)


def test_sync_secrets_and_the_capture_keys_are_kept_by_the_hub_not_on_disk(
    first: Workspace, tmp_path: Path, url: str
) -> None:
    secret = first.secrets.ensure("van")
    assert written(first.settings.workspace) == []
    second = bootstrap(Settings.load(folder(tmp_path / "second", url), environ={}), lambda: AT)
    try:
        assert second.secrets.get("van") == secret
    finally:
        second.close()
    assert written(tmp_path / "second") == []


def test_init_names_the_postgres_hub_without_its_password(tmp_path: Path, url: str) -> None:
    secret_url = url.replace("postgres@", "postgres:s3cret@")
    root = tmp_path / "shop"
    result = runner.invoke(
        cli,
        ["-w", str(root), "init"],
        env={"MICROINDEX_HUB_URL": secret_url},
    )
    assert result.exit_code == 0, result.output
    assert "hub.sqlite" not in result.output
    assert "postgresql://postgres@127.0.0.1" in result.output.replace("\n", "")
    assert "s3cret" not in result.output
    assert not (root / "hub.sqlite").exists()


def test_the_capture_limits_from_settings_hold_on_a_postgres_hub_and_nothing_is_lost(
    first: Workspace, tmp_path: Path, url: str, van: None
) -> None:
    photo = tmp_path / f"{MUG}_front.jpg"
    photo.write_bytes(jpeg_with_gps((640, 640)))
    root = first.settings.workspace
    run(root, "media", "add", str(photo), *AUTHOR)
    before = stored(url)
    assert before[0] == 1 and before[1] >= 3  # the original, web and thumb renditions
    strict = folder(tmp_path / "strict", url, CaptureLimits(max_pixels=100_000))
    huge = tmp_path / f"{MUG}_side.png"
    huge.write_bytes(png((400, 400)))
    out = run(strict, "media", "add", str(huge), *AUTHOR, exit_code=1)
    assert "100000-pixel limit" in out and "nothing was stored" in out
    assert stored(url) == before
    assert written(strict) == []


def test_what_channels_were_sent_is_recorded_in_the_postgres_hub(
    first: Workspace, tmp_path: Path, url: str
) -> None:
    root = first.settings.workspace
    run(root, "feeds", "meta", str(tmp_path / "meta.csv"))
    assert written(root) == []  # no channels.sqlite beside the hub
    with psycopg.connect(url) as conn:
        pushes = conn.execute("SELECT channel, items FROM channel_pushes WHERE done").fetchall()
    assert pushes == [("meta", 1)]


def test_a_hub_moved_to_this_version_moves_its_key_files_into_its_database(
    tmp_path: Path, url: str
) -> None:
    root = folder(tmp_path / "before", url)
    old_secret = SecretFiles(root / SECRETS_DIR).ensure("van")  # as the hub kept them before
    old_identity = ensure_signing_identity(root)
    ws = bootstrap(Settings.load(root, environ={}), lambda: AT)
    try:
        assert ws.secrets.get("van") == old_secret  # the van's agent goes on syncing
        tools = open_capture(ws.storage, ws.hub, ws.settings.capture)
        assert isinstance(tools.provenance, C2paProvenance)
        assert tools.provenance.identity.ca_pem == old_identity.ca_pem  # old manifests verify
    finally:
        ws.close()
    assert written(root) == []
    other = bootstrap(Settings.load(folder(tmp_path / "other", url), environ={}), lambda: AT)
    try:
        assert other.secrets.get("van") == old_secret
    finally:
        other.close()


def test_capture_kept_beside_a_postgres_hub_before_is_moved_into_it(
    tmp_path: Path, url: str
) -> None:
    root = folder(tmp_path / "before", url)
    earlier = SqliteDatabase(root / "media" / "assets.sqlite")  # where it was kept before
    earlier.migrate()
    with earlier() as uow:
        uow.catalog.upsert([product(MUG, MUG_GTIN)])
        uow.nodes.add(node("van"))
        uow.commit()
    old = open_capture(CaptureBesideFile(earlier, root), earlier, CaptureLimits())
    original = ingest(
        old, Upload(f"{MUG}_front.jpg", io.BytesIO(jpeg_with_gps()), "van", "ana"), AT
    )
    approved = approve(old, original.asset.id, "bo", AT)
    edit = record_edit(
        old, approved.id, Upload("edit.jpg", io.BytesIO(jpeg_with_gps((500, 400))), "van", "bo"), AT
    ).asset
    with old.assets() as records:
        records.templates.put(CaptureTemplate("van", shots=("front", "side")))
        records.commit()
    image = old.blobs.get(approved.image.sha256)
    earlier.close()
    ws = bootstrap(Settings.load(root, environ={}), lambda: AT)
    try:
        tools = open_capture(ws.storage, ws.hub, ws.settings.capture)
        assert get_asset(tools, approved.id) == approved
        assert get_asset(tools, edit.id).parent_id == approved.id
        assert tools.blobs.get(approved.image.sha256) == image
        assert verify_asset(tools, edit.id).status is ProvenanceStatus.VALID
        with tools.assets() as records:
            assert records.templates.get("van") == CaptureTemplate("van", shots=("front", "side"))
    finally:
        ws.close()
    assert written(root) == []


def test_a_node_agent_run_in_the_hub_workspace_finds_its_secret_in_the_hub(
    first: Workspace,
) -> None:
    first.secrets.ensure("van")
    root = first.settings.workspace
    result = runner.invoke(
        cli,
        ["node", "run", "van", "--hub", f"http://127.0.0.1:{closed_port()}", "--once"],
        env={"MICROINDEX_WORKSPACE": str(root), "MICROINDEX_SYNC_SECRET": ""},
    )
    assert result.exit_code == 1, result.output  # it had a secret, and found no hub there
    assert "hub unreachable" in result.output
