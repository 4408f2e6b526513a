"""The staff page for a phone at `/staff/{node}`: scan, then receive, sell or count.

The page is a shell: its script signs in with a staff token (kept in sessionStorage) and
does everything through the JSON API, so the API's access rules are the page's too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from microindex.domain.errors import DomainError
from microindex.entrypoints.http.context import hub_of
from microindex.entrypoints.http.templating import page
from microindex.service.nodes import get_node

router = APIRouter(include_in_schema=False)


@router.get("/staff/{node}", response_class=HTMLResponse)
def staff_page(request: Request, node: Annotated[str, Path(max_length=32)]) -> Response:
    try:
        found = get_node(hub_of(request).hub, node)
    except DomainError as error:
        return page(request, "missing.html", status=404, problem=str(error))
    return page(request, "staff.html", node=found)
