"""Governance: triage (the playbook's fastest sellers, or the weighted view), past sales
imported for it, the stock targets a node accepted, the cadence jobs and the KPIs. An admin's.
The same service functions the CLI calls."""

from __future__ import annotations

import io
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from microindex.adapters.csvio.past_sales import parse_past_sales
from microindex.adapters.reports.csv_export import kpi_rows
from microindex.domain.access import Action, require
from microindex.domain.triage import Proposal
from microindex.entrypoints.http.api.catalog import CSV_BODY
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.api.stock import NodePath
from microindex.entrypoints.http.api.transfers import NodeTransferOut, transfer_out
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.context import Hub
from microindex.entrypoints.http.schemas import NodeText, SkuText
from microindex.entrypoints.http.schemas import Request as Body
from microindex.service import governance as jobs_service
from microindex.service import pruning, triage
from microindex.service.governance import GovernanceContext, node_governance
from microindex.service.governance_ports import JobRun, StockTarget
from microindex.service.weekly import weekly_report

api = router("governance")

View = Literal["fastest", "weighted"]
Weeks = Annotated[int, Query(ge=1, le=104, description="Weeks of sales to rank on.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="SKUs to propose.")]


class ProposalOut(BaseModel):
    rank: int
    sku: str
    score: float = Field(description="`fastest`: units a week; `weighted`: the weighted score.")
    velocity: float = Field(description="Units a week at the node.")
    margin: float = Field(description="Margin a week (list price stands in for margin).")
    repeat: float
    sturdiness: float
    target: int = Field(description="Stock to hold: two weeks of demand, at least 1.")
    basis: str = Field(description="`local` sales, `imported` past sales or a `network` estimate.")


class AcceptIn(Body):
    view: View = "fastest"
    weeks: Annotated[int, Field(strict=True, ge=1, le=104)] = 8
    limit: Annotated[int, Field(strict=True, ge=1, le=1000)] = 200


class TargetOut(BaseModel):
    sku: str
    target: int
    rank: int
    score: float
    accepted_at: datetime


class SalesImportedOut(BaseModel):
    node: str
    units: int
    skus: int
    first: str
    last: str
    skipped: int = Field(description="Line items without a SKU (custom items), not imported.")


class JobOut(BaseModel):
    name: str
    cadence: str


class JobRunOut(BaseModel):
    id: int
    job: str
    started: datetime
    finished: datetime | None
    outcome: str
    summary: str
    actor: str


class SuggestionOut(BaseModel):
    node: str
    sku: str
    on_hand: int
    velocity: float = Field(description="Units a week at the node over the quarter.")
    action: str = Field(description="`move` (to `to`) or `drop` (archive it at the node).")
    to: str | None
    reason: str


class PairIn(Body):
    node: NodeText
    sku: SkuText


class PruneIn(Body):
    only: Annotated[list[PairIn], Field(max_length=5000)] | None = Field(
        default=None, description="Accept only these; left out, every suggestion."
    )
    dry_run: bool = Field(default=False, description="Say what would be done, change nothing.")


class PrunedOut(BaseModel):
    dry_run: bool
    transfers: list[NodeTransferOut] = Field(description="Requested for the moves.")
    archived: dict[str, list[str]] = Field(description="SKUs archived, by node.")
    held_back: list[str] = Field(description="SKU@node moves with nothing to send now.")
    summary: str


class KpiOut(BaseModel):
    metric: str
    node: str
    key: str
    value: float | int | str | None


def _proposal(p: Proposal) -> ProposalOut:
    return ProposalOut(
        rank=p.rank,
        sku=p.sku,
        score=p.score,
        velocity=p.velocity,
        margin=float(p.margin),
        repeat=p.repeat,
        sturdiness=p.sturdiness,
        target=p.target,
        basis=p.basis,
    )


def _target(t: StockTarget) -> TargetOut:
    return TargetOut(
        sku=t.sku, target=t.target, rank=t.rank, score=t.score, accepted_at=t.accepted_at
    )


def _run(r: JobRun) -> JobRunOut:
    return JobRunOut(
        id=r.id,
        job=r.job,
        started=r.started,
        finished=r.finished,
        outcome=r.outcome,
        summary=r.summary,
        actor=r.actor,
    )


def _context(hub: Hub) -> GovernanceContext:
    return hub.workspace.governance(hub.nodes(), reports=False)


def _triage(gov: GovernanceContext, node: str, view: str, weeks: int, limit: int) -> list[Proposal]:
    node_governance(gov, node)
    end = gov.clock()
    return triage.triage(
        gov.sources.hub, gov.sources.nodes, node, end - timedelta(weeks=weeks), end, limit,
        view=view, past=gov.sources.past_sales, archived=gov.sources.archived,
    )  # fmt: skip


@api.get(
    "/nodes/{node}/triage",
    response_model=list[ProposalOut],
    summary="The SKUs a node should hold: its fastest sellers (or the weighted view)",
)
def propose(
    node: NodePath,
    hub: HubDep,
    token: TokenDep,
    view: View = "fastest",
    weeks: Weeks = 8,
    limit: Limit = 200,
) -> list[ProposalOut]:
    require(token.grant, Action.GOVERN)
    return [_proposal(p) for p in _triage(_context(hub), node, view, weeks, limit)]


@api.post(
    "/nodes/{node}/targets",
    response_model=list[TargetOut],
    summary="Accept the triage as the node's stock targets (replacing the last ones)",
)
def accept(
    node: NodePath, hub: HubDep, token: TokenDep, body: AcceptIn | None = None
) -> list[TargetOut]:
    require(token.grant, Action.GOVERN)
    asked, gov = body or AcceptIn(), _context(hub)
    found = _triage(gov, node, asked.view, asked.weeks, asked.limit)
    return [_target(t) for t in triage.accept(node_governance(gov, node), node, found, gov.clock())]


@api.get("/nodes/{node}/targets", response_model=list[TargetOut], summary="A node's stock targets")
def targets(node: NodePath, hub: HubDep, token: TokenDep) -> list[TargetOut]:
    require(token.grant, Action.GOVERN)
    gov = _context(hub)
    return [_target(t) for t in triage.targets(node_governance(gov, node), node)]


@api.post(
    "/nodes/{node}/sales/import",
    response_model=SalesImportedOut,
    summary="Import a node's past sales (Shopify orders export or date,sku,quantity CSV)",
    openapi_extra=CSV_BODY,
)
async def import_sales(
    node: NodePath, request: Request, hub: HubDep, token: TokenDep
) -> SalesImportedOut:
    require(token.grant, Action.GOVERN)
    body = await request.body()
    return await run_in_threadpool(_import, hub, node, body)


def _import(hub: Hub, node: str, body: bytes) -> SalesImportedOut:
    gov = _context(hub)
    node_governance(gov, node)
    parsed = parse_past_sales(io.BytesIO(body))
    done = triage.import_past_sales(gov.sources.hub, gov.sources.past_sales, node, parsed)
    return SalesImportedOut(
        node=done.node,
        units=done.units,
        skus=done.skus,
        first=done.first.isoformat(),
        last=done.last.isoformat(),
        skipped=done.skipped,
    )


@api.get(
    "/pruning",
    response_model=list[SuggestionOut],
    summary="The quarter's slow movers, each to move or to drop",
)
def pruning_suggestions(hub: HubDep, token: TokenDep) -> list[SuggestionOut]:
    require(token.grant, Action.GOVERN)
    gov = _context(hub)
    return [SuggestionOut(**asdict(s)) for s in pruning.suggestions(gov.sources, gov.clock())]


@api.post(
    "/pruning/accept",
    response_model=PrunedOut,
    summary="Accept pruning in one step: transfers requested for moves, drops archived",
)
def accept_pruning(hub: HubDep, token: TokenDep, body: PruneIn | None = None) -> PrunedOut:
    require(token.grant, Action.GOVERN)
    asked, ws = body or PruneIn(), hub.workspace
    only = None if asked.only is None else [(p.node, p.sku) for p in asked.only]
    done = jobs_service.accept_pruning(
        _context(hub),
        ws.hub,
        ws.node_ops(),
        hub.node,
        only,
        token.actor,
        asked.dry_run,
        ws.storage.reorder_points(),
    )
    return PrunedOut(
        dry_run=done.dry_run,
        transfers=[transfer_out(t) for t in done.moves],
        archived=done.dropped,
        held_back=done.held_back,
        summary=done.summary(),
    )


@api.get("/jobs", response_model=list[JobOut], summary="The governance cadence")
def jobs(token: TokenDep) -> list[JobOut]:
    require(token.grant, Action.GOVERN)
    return [JobOut(name=j.name, cadence=j.cadence) for j in jobs_service.JOBS.values()]


@api.get("/jobs/runs", response_model=list[JobRunOut], summary="Recorded job runs, newest first")
def job_runs(
    hub: HubDep,
    token: TokenDep,
    job: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> list[JobRunOut]:
    require(token.grant, Action.GOVERN)
    return [_run(r) for r in jobs_service.job_history(_context(hub), job, limit)]


@api.post("/jobs/{name}/run", response_model=JobRunOut, summary="Run a job now, recorded")
def run_job(name: Annotated[str, Path(max_length=64)], hub: HubDep, token: TokenDep) -> JobRunOut:
    require(token.grant, Action.GOVERN)
    return _run(jobs_service.run_job(_context(hub), name, actor=token.actor))


@api.get(
    "/kpis", response_model=list[KpiOut], summary="This week's KPIs per node, package, channel"
)
def kpis(hub: HubDep, token: TokenDep) -> list[KpiOut]:
    require(token.grant, Action.GOVERN)
    gov = _context(hub)
    report = weekly_report(gov.sources, gov.clock())
    return [KpiOut(metric=m, node=n, key=k, value=v) for m, n, k, v in kpi_rows(report)]
