"""A voice answer for an assistant to call: "is X in stock near me?", as JSON or SSML."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response

from microindex.adapters.channels.voice import ssml, voice_json
from microindex.adapters.search.files import load_synonyms
from microindex.domain.access import Action, require
from microindex.domain.node import Location
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.api.search import caught_up
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.channel_pages import hub_sources
from microindex.service.channel_views import answer_question

api = router("channels")

SSML = "application/ssml+xml"
JSON = "application/json"


class VoiceFormat(StrEnum):
    JSON = "json"
    SSML = "ssml"


def _accepted(accept: str) -> VoiceFormat:
    """SSML when the Accept header rates it above JSON; JSON otherwise."""
    rated = {JSON: 0.0, SSML: 0.0}
    for part in accept.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if kind in rated:
            rated[kind] = max(rated[kind], quality)
        elif kind in ("*/*", "application/*"):
            rated[JSON] = max(rated[JSON], quality)
    return VoiceFormat.SSML if rated[SSML] > rated[JSON] else VoiceFormat.JSON


@api.get(
    "/voice",
    summary="A spoken answer to 'is X in stock near me?' (JSON or SSML)",
    responses={200: {"content": {JSON: {}, SSML: {}}, "description": "The answer."}},
)
def voice(
    request: Request,
    hub: HubDep,
    token: TokenDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="What was asked.")],
    lat: Annotated[float, Query(ge=-90, le=90, description="Shopper latitude.")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Shopper longitude.")],
    format: Annotated[
        VoiceFormat | None, Query(description="json or ssml; else the Accept header decides.")
    ] = None,
) -> Response:
    """The best match for the question's words at the nodes that can serve the shopper,
    soonest first; each node's figure judged by the voice rule (a figure too old to vouch for
    is "cannot say", never a yes). JSON carries the speech, its SSML and each node's answer."""
    require(token.grant, Action.READ_CATALOG)
    require(token.grant, Action.READ_STOCK)
    synonyms = load_synonyms(hub.workspace.settings.workspace)
    with hub_sources(hub) as sources, caught_up(hub, None) as index:
        here, language = Location(lat, lon), hub.workspace.settings.language
        answer = answer_question(sources, index, synonyms, q, here, hub.now(), language)
    chosen = format or _accepted(request.headers.get("accept", ""))
    if chosen is VoiceFormat.SSML:
        return Response(ssml(answer), media_type=SSML + "; charset=utf-8")
    body: dict[str, Any] = voice_json(answer)
    return JSONResponse(body)
