"""Feeds: how true the channels' listings were. The feed files themselves are served at
/feeds/{name} (what channels point to); here an admin reads, per channel, how many of the
sampled listings matched what the ledgers held then (the same figure as the KPIs)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from microindex.domain.access import Action, require
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.service import kpis

api = router("feeds")


class AccuracyOut(BaseModel):
    channel: str
    checked: int = Field(description="Listings sampled against the ledgers.")
    accurate: int
    rate: float | None = Field(description="accurate / checked; null: nothing checked.")


@api.get(
    "/feeds/accuracy",
    response_model=list[AccuracyOut],
    summary="Listing accuracy per channel: what each showed against the ledgers",
)
def feed_accuracy(
    hub: HubDep,
    token: TokenDep,
    days: Annotated[
        int,
        Query(ge=1, le=366, description="How far back: whole UTC days from the one it reaches."),
    ] = 7,
) -> list[AccuracyOut]:
    require(token.grant, Action.GOVERN)
    sources = hub.workspace.governance(hub.nodes(), reports=False).sources
    end = hub.now()
    return [
        AccuracyOut(channel=a.channel, checked=a.checked, accurate=a.accurate, rate=a.rate)
        for a in kpis.listing_accuracy(sources, end - timedelta(days=days), end)
    ]
