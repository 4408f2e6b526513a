"""The `media` commands end to end on a workspace folder."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.entrypoints.cli.media import app

from .conftest import MUG
from .files import jpeg_with_gps, png

runner = CliRunner()


def run(workspace: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"MICROINDEX_WORKSPACE": str(workspace)})
    return result.exit_code, result.output


def test_add_approve_verify_and_checklist_through_the_cli(
    workspace: Path, hub: SqliteDatabase, tmp_path: Path
) -> None:
    photo = tmp_path / f"{MUG}_front.jpg"
    photo.write_bytes(jpeg_with_gps())
    code, out = run(workspace, "add", str(photo), "--node", "van", "--author", "ana", "--json")
    assert code == 0, out
    added = json.loads(out)
    assert (added["sku"], added["shot"], added["state"]) == (MUG, "front", "pending")
    assert "location" not in out and "SN-4711" not in out
    assert run(workspace, "approve", added["id"])[0] == 0
    code, out = run(workspace, "verify", added["id"], "--json")
    assert code == 0 and json.loads(out)["status"] == "valid"
    code, out = run(workspace, "checklist", "--node", "van", "--json")
    assert MUG not in [line["sku"] for line in json.loads(out)]
    code, out = run(workspace, "list", "--sku", MUG, "--json")
    assert [a["state"] for a in json.loads(out)] == ["approved"]


def test_a_refused_file_exits_1_with_the_reason(
    workspace: Path, hub: SqliteDatabase, tmp_path: Path
) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(png())
    code, out = run(workspace, "add", str(fake), "--node", "van", "--author", "ana")
    assert code == 1
    assert "mismatch" in out and "nothing was stored" in out


def test_reject_needs_a_reason_and_records_it(
    workspace: Path, hub: SqliteDatabase, tmp_path: Path
) -> None:
    photo = tmp_path / "blurred.jpg"
    photo.write_bytes(jpeg_with_gps())
    _, out = run(workspace, "add", str(photo), "--node", "van", "--author", "a", "--json")
    asset_id = json.loads(out)["id"]
    assert run(workspace, "reject", asset_id)[0] != 0
    assert run(workspace, "reject", asset_id, "--reason", "blurred")[0] == 0
    _, out = run(workspace, "list", "--state", "rejected", "--json")
    assert json.loads(out)[0]["reason"] == "blurred"


def _photo_108mp(path: Path) -> Path:
    """A 12,000 x 9,000 photo, as a 108-megapixel phone camera takes (grey: small to write)."""
    from PIL import Image

    Image.new("L", (12_000, 9_000), 128).save(path, "PNG")
    return path


def test_a_photo_under_the_shops_megapixel_limit_is_taken_whatever_pillows_own_alarm(
    workspace: Path, hub: SqliteDatabase, tmp_path: Path
) -> None:
    photo = _photo_108mp(tmp_path / f"{MUG}_front.png")
    code, out = run(workspace, "add", str(photo), "--node", "van", "--author", "ana")
    assert code == 1, out  # over the default 60 MP: refused in the shop's own words
    assert "12000x9000 px is over the 60000000-pixel limit" in " ".join(out.split()), out
    assert "DOS attack" not in out
    (workspace / "microindex.toml").write_text("[capture]\nmax_megapixels = 120\n")
    code, out = run(workspace, "add", str(photo), "--node", "van", "--author", "ana", "--json")
    assert code == 0, out
    assert json.loads(out)["size"] == "12000x9000"


def test_a_photo_already_stored_is_still_refused_for_a_sku_or_code_not_in_the_catalog(
    workspace: Path, hub: SqliteDatabase, tmp_path: Path
) -> None:
    photo = tmp_path / "IMG_4512.jpg"
    photo.write_bytes(jpeg_with_gps())
    code, out = run(workspace, "add", str(photo), "--node", "van", "--author", "ana", "--sku", MUG)
    assert code == 0, out
    for given in (["--sku", "MUG-TYDE-250"], ["--code", "5012345678900"]):
        code, out = run(workspace, "add", str(photo), "--node", "van", "--author", "ana", *given)
        assert code == 1, out  # as for a new photo: the typo is named, not taken
        assert "no product with" in out and "already stored" not in out, out
    code, out = run(workspace, "list", "--json")
    assert [a["sku"] for a in json.loads(out)] == [MUG]


def test_a_clip_cut_short_is_refused_in_words_not_an_ffmpeg_error_number(
    workspace: Path, hub: SqliteDatabase, tmp_path: Path
) -> None:
    from .files import mp4_clip

    whole = mp4_clip(frames=24)
    clip = tmp_path / f"{MUG}_turn.mp4"
    clip.write_bytes(whole[: len(whole) * 2 // 3])  # the upload stopped: no index at the end
    code, out = run(workspace, "add", str(clip), "--node", "van", "--author", "ana")
    said = " ".join(out.split())
    assert code == 1, out
    assert "not a readable clip (cut short, or not a clip at all): Invalid data found" in said
    assert "Errno" not in out and "<none>" not in out, out
    assert "nothing was stored" in said
