"""The hub's sync endpoint, mounted by `create_app` at `PUSH_PATH`.

A refused push (bad credential, replay, old incarnation, another node's ledger, a conflict)
answers 403 with the reason, changes nothing, and is never retried blindly by the node.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from microindex.adapters.sync.http import FRAME_TYPE, PUSH_PATH
from microindex.adapters.sync.transport import HubEndpoint
from microindex.domain.sync.messages import PushRefused


def sync_router(endpoint: HubEndpoint) -> APIRouter:
    router = APIRouter(tags=["sync"])

    @router.post(
        PUSH_PATH,
        summary="A node pushes its movements; the reply carries requests",
        include_in_schema=False,  # a binary, HMAC-signed frame: see docs/adr/0002
    )
    async def push(request: Request) -> Response:
        frame = await request.body()
        try:
            answer = await run_in_threadpool(endpoint.handle, frame)
        except PushRefused as refused:
            return Response(f"{refused.reason.value} {refused.detail}".strip(), 403)
        except ValueError:
            return Response("malformed frame", 400)
        return Response(answer, 200, media_type=FRAME_TYPE)

    return router
