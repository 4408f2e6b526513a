"""`microindex media ...`: photos and clips from the field, proofing, provenance checks."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from microindex.adapters.media.wiring import open_capture
from microindex.domain.capture.asset import Asset, ProofState
from microindex.domain.capture.provenance import ProvenanceStatus
from microindex.domain.capture.template import CaptureTemplate
from microindex.entrypoints.cli.context import console, domain_errors, print_json, workspace
from microindex.service import capture as capture_service
from microindex.service import capture_views as views
from microindex.service.capture import CaptureTools

app = typer.Typer(help="Capture photos and clips, proof them, and check their provenance.")


def _tools(ctx: typer.Context) -> CaptureTools:
    ws = workspace(ctx)
    return open_capture(ws.storage, ws.hub, ws.settings.capture)


def _record(asset: Asset) -> dict[str, object]:
    """What the CLI shows of an asset: never the private location or serial."""
    return {
        "id": asset.id,
        "kind": asset.kind.value,
        "sku": asset.sku,
        "shot": asset.shot,
        "node": asset.node,
        "author": asset.author,
        "state": asset.state.value,
        "reason": asset.proof.reason,
        "captured_at": asset.facts.captured_at,
        "size": f"{asset.facts.width}x{asset.facts.height}",
        "duration_s": asset.facts.duration_s,
        "device": asset.facts.device,
        "image_sha256": asset.image.sha256,
        "parent_id": asset.parent_id,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Photo or clip."),
    node: str = typer.Option(..., help="Node where it was captured."),
    author: str = typer.Option(..., help="Who captured it."),
    sku: str | None = typer.Option(None, help="SKU (else from --code or the file name)."),
    code: str | None = typer.Option(None, help="A scanned GTIN instead of the SKU."),
    shot: str = typer.Option("", help="Which template shot this is, e.g. front."),
    edit_of: str | None = typer.Option(None, "--edit-of", help="Asset id this file edits."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Take in a photo (JPEG, PNG, HEIC, WebP) or clip (MP4, MOV), pending proofing.

    Example: microindex media add MUG-TIDE-250_front.heic --node shopfront --author ana
    """
    with domain_errors(), file.open("rb") as source:
        tools = _tools(ctx)
        upload = capture_service.Upload(file.name, source, node, author, sku, code, shot)
        at = workspace(ctx).clock()
        if edit_of:
            done = capture_service.record_edit(tools, edit_of, upload, at)
        else:
            done = capture_service.ingest(tools, upload, at)
    if as_json:
        print_json(
            {
                **_record(done.asset),
                "created": done.created,
                "issues": [str(i) for i in done.issues],
            }
        )
        return
    verb = "added" if done.created else "already stored as"
    console.print(
        f"{verb} [bold]{done.asset.id}[/] sku={done.asset.sku or '-'} shot={done.asset.shot}"
    )
    for issue in done.issues:
        console.print(f"  [yellow]quality[/] {issue}")


@app.command("list")
def list_(
    ctx: typer.Context,
    sku: str | None = typer.Option(None, help="Only this SKU."),
    state: ProofState | None = typer.Option(None, help="Only this proofing state."),
    node: str | None = typer.Option(None, help="Only captures from this node."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List assets. Example: microindex media list --sku MUG-TIDE-250 --state pending"""
    assets = views.list_assets(_tools(ctx), sku=sku, state=state, node=node)
    if as_json:
        print_json([_record(a) for a in assets])
        return
    table = Table("id", "kind", "sku", "shot", "node", "state", "size", "captured")
    for a in assets:
        captured = f"{a.facts.captured_at:%Y-%m-%d %H:%M}" if a.facts.captured_at else ""
        size = f"{a.facts.width}x{a.facts.height}"
        table.add_row(
            a.id, a.kind.value, a.sku or "", a.shot, a.node, a.state.value, size, captured
        )
    console.print(table)


@app.command("link")
def link(
    ctx: typer.Context,
    asset_id: str = typer.Argument(..., help="Asset id."),
    sku: str | None = typer.Option(None, help="SKU."),
    code: str | None = typer.Option(None, help="A scanned GTIN instead of the SKU."),
    shot: str = typer.Option("", help="Template shot."),
) -> None:
    """Link a pending asset to a SKU by hand. Example: microindex media link 3f2a... --sku MUG-1"""
    with domain_errors():
        asset = capture_service.link(_tools(ctx), asset_id, sku, code, shot)
    console.print(f"linked [bold]{asset.id}[/] to {asset.sku} ({asset.shot})")


@app.command("approve")
def approve(
    ctx: typer.Context,
    asset_id: str = typer.Argument(..., help="Asset id."),
    by: str = typer.Option("staff", help="Who approves."),
) -> None:
    """Approve an asset for the channels. Example: microindex media approve 3f2a9c0d1e2b4a5f"""
    with domain_errors():
        asset = capture_service.approve(_tools(ctx), asset_id, by, workspace(ctx).clock())
    console.print(f"approved [bold]{asset.id}[/] for {asset.sku}")


@app.command("reject")
def reject(
    ctx: typer.Context,
    asset_id: str = typer.Argument(..., help="Asset id."),
    reason: str = typer.Option(..., help="Why, for the photographer."),
    by: str = typer.Option("staff", help="Who rejects."),
) -> None:
    """Reject an asset. Example: microindex media reject 3f2a9c0d1e2b4a5f --reason "blurred" """
    with domain_errors():
        asset = capture_service.reject(_tools(ctx), asset_id, reason, by, workspace(ctx).clock())
    console.print(f"rejected [bold]{asset.id}[/]: {asset.proof.reason}")


@app.command("verify")
def verify(
    ctx: typer.Context,
    asset_id: str = typer.Argument(..., help="Asset id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check each published rendition's manifest and bytes; exit 1 unless all are valid.

    Example: microindex media verify 3f2a9c0d1e2b4a5f
    """
    with domain_errors():
        checked = views.verify_asset(_tools(ctx), asset_id)
    found = {
        name.value: {
            "status": v.status.value,
            "signer": v.signer,
            "claim": v.claim,
            "problems": list(v.problems),
        }
        for name, v in checked.verdicts.items()
    }
    if as_json:
        print_json(
            {"asset_id": checked.asset_id, "status": checked.status.value, "renditions": found}
        )
    else:
        console.print(f"{checked.asset_id}: [bold]{checked.status.value}[/]")
        for name, seen in found.items():
            console.print(f"  {name}: {seen['status']} {'; '.join(seen['problems'])}")
    if checked.status is not ProvenanceStatus.VALID:
        raise typer.Exit(1)


@app.command("template")
def template(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    shots: str = typer.Option("front", help="Required shots per SKU, comma-separated."),
    background: str = typer.Option("plain white", help="Background to shoot on."),
    angle: str = typer.Option("three-quarter view, camera at product height", help="Angle."),
) -> None:
    """Set a node's capture template. Example: microindex media template van --shots front,side"""
    with domain_errors():
        made = CaptureTemplate(node, background, angle, tuple(s for s in shots.split(",") if s))
        views.set_template(_tools(ctx), made)
    console.print(f"template for {node}: {', '.join(made.shots)} on {background}, {angle}")


@app.command("checklist")
def checklist(
    ctx: typer.Context,
    node: str = typer.Option(..., help="Node whose template applies."),
    all_: bool = typer.Option(False, "--all", help="Also list SKUs that are complete."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What each SKU still lacks under the node's template.

    Example: microindex media checklist --node van
    """
    with domain_errors():
        lines = [x for x in views.capture_checklist(_tools(ctx), node) if all_ or not x.complete]
    if as_json:
        print_json(
            [
                {"sku": x.sku, "approved": x.approved, "pending": x.pending, "missing": x.missing}
                for x in lines
            ]
        )
        return
    table = Table("sku", "missing", "pending proofing", "approved")
    for x in lines:
        table.add_row(x.sku, ", ".join(x.missing), ", ".join(x.pending), ", ".join(x.approved))
    console.print(table)
