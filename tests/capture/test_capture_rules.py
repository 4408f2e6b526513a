"""Pure capture rules: formats, names, quality, proofing states, checklists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from microindex.domain.capture.asset import (
    Asset,
    CaptureFacts,
    ProofState,
    Rendition,
    RenditionName,
)
from microindex.domain.capture.errors import FileRefused, ProofingClosed, Refusal
from microindex.domain.capture.formats import AssetKind, MediaFormat, media_format, sniff
from microindex.domain.capture.naming import match_filename, safe_name
from microindex.domain.capture.quality import CHANNEL_RULES, quality_issues
from microindex.domain.capture.template import CaptureTemplate, checklist
from microindex.domain.errors import InvalidValue

AT = datetime(2024, 6, 1, tzinfo=UTC)
SKUS = {"mug-tide": "MUG-TIDE", "mug-tide-250": "MUG-TIDE-250", "bwl_moss": "BWL_MOSS"}
GTINS = {"05069412000010": "MUG-TIDE-250"}


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0", MediaFormat.JPEG),
        (b"\x89PNG\r\n\x1a\n", MediaFormat.PNG),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", MediaFormat.WEBP),
        (b"\x00\x00\x00\x1cftypheic", MediaFormat.HEIC),
        (b"\x00\x00\x00\x20ftypisom", MediaFormat.MP4),
        (b"\x00\x00\x00\x14ftypqt  ", MediaFormat.MOV),
        (b"GIF89a", None),
    ],
)
def test_formats_are_known_by_their_first_bytes(head: bytes, expected: MediaFormat | None) -> None:
    assert sniff(head) is expected


def test_a_mov_may_hold_an_mp4_and_the_other_way_round() -> None:
    assert media_format("clip.mov", b"\x00\x00\x00\x20ftypisom") is MediaFormat.MP4
    assert media_format("clip.MP4", b"\x00\x00\x00\x14ftypqt  ") is MediaFormat.MOV
    assert MediaFormat.MOV.kind is AssetKind.CLIP


def test_a_heic_named_as_a_clip_is_a_mismatch() -> None:
    with pytest.raises(FileRefused) as caught:
        media_format("clip.mp4", b"\x00\x00\x00\x1cftypheic")
    assert caught.value.reason is Refusal.MISMATCH


def test_plain_file_names_pass_and_paths_do_not() -> None:
    assert safe_name("MUG-TIDE-250 front (2).jpg") == "MUG-TIDE-250 front (2).jpg"
    for name in ("../x.jpg", "a/x.jpg", "x\n.jpg", "..", "a" * 300 + ".jpg"):
        with pytest.raises(FileRefused):
            safe_name(name)


def test_the_longest_known_sku_at_the_start_of_a_name_wins() -> None:
    found = match_filename("MUG-TIDE-250_side.jpg", SKUS, GTINS)
    assert found is not None
    assert (found.sku, found.shot, found.rule) == ("MUG-TIDE-250", "side", "sku")
    plain = match_filename("mug-tide.jpg", SKUS, GTINS)
    assert plain is not None and (plain.sku, plain.shot) == ("MUG-TIDE", "")
    underscored = match_filename("BWL_MOSS_top.png", SKUS, GTINS)
    assert underscored is not None and (underscored.sku, underscored.shot) == ("BWL_MOSS", "top")


def test_a_scanned_gtin_in_the_name_finds_its_sku() -> None:
    found = match_filename("5069412000010 front.heic", SKUS, GTINS)
    assert found is not None and (found.sku, found.shot, found.rule) == (
        "MUG-TIDE-250",
        "front",
        "gtin",
    )


def test_a_name_without_a_known_sku_links_nothing() -> None:
    assert match_filename("IMG_0042.jpg", SKUS, GTINS) is None
    assert match_filename("05069412000011.jpg", SKUS, GTINS) is None  # bad check digit


def test_google_wants_at_least_500_px_on_each_side() -> None:
    google = CHANNEL_RULES["google"]
    assert not quality_issues(500, 500, 100_000, google)
    assert [i.check for i in quality_issues(499, 800, 100_000, google)] == ["too_small"]
    assert [i.check for i in quality_issues(3000, 600, 100_000, google)] == ["aspect"]
    assert [i.check for i in quality_issues(800, 800, 17 * 2**20, google)] == ["too_heavy"]


def asset(sku: str | None, shot: str = "front", asset_id: str = "a1") -> Asset:
    web = Rendition(RenditionName.WEB, "0" * 64, "image/jpeg", 800, 800, 1000, True)
    return Asset(
        asset_id,
        AssetKind.PHOTO,
        "x.jpg",
        "van",
        "ana",
        AT,
        CaptureFacts(800, 800),
        (web,),
        sku,
        shot,
    )


def test_proofing_goes_from_pending_to_one_decision_that_stands() -> None:
    approved = asset("MUG").approve("bo", AT)
    assert approved.state is ProofState.APPROVED
    with pytest.raises(ProofingClosed):
        approved.reject("changed my mind", "bo", AT)
    with pytest.raises(ProofingClosed):
        approved.link("BWL")


def test_a_template_needs_distinct_shots() -> None:
    with pytest.raises(InvalidValue):
        CaptureTemplate("van", shots=("front", "Front"))
    with pytest.raises(InvalidValue):
        CaptureTemplate("van", shots=())


def test_a_rejected_shot_is_still_missing_from_the_checklist() -> None:
    template = CaptureTemplate("van", shots=("front", "side"))
    assets = [
        asset("MUG", "front", "a1").approve("bo", AT),
        asset("MUG", "side", "a2").reject("blurred", "bo", AT),
    ]
    (line,) = checklist(template, ["MUG"], assets)
    assert (line.approved, line.pending, line.missing) == (("front",), (), ("side",))
    assert not line.complete
