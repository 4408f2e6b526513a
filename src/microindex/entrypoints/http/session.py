"""The dashboard's sign-in: an admin token, once, in exchange for an HttpOnly cookie.

The cookie holds the token itself, so revoking the token ends the session at once and any
hub worker can check it. A one-time login link (`microindex serve` prints one) stands for a
token for a single visit. The API never reads the cookie: it wants a bearer header, so a
page elsewhere cannot make a signed-in browser write anything.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microindex.domain.access import AccessToken, Action, require
from microindex.domain.errors import DomainError
from microindex.entrypoints.http.context import hub_of
from microindex.entrypoints.http.templating import page
from microindex.service.access import authenticate

COOKIE = "microindex_session"
MAX_AGE = 12 * 3600
MAX_FORM = 4096

router = APIRouter(include_in_schema=False)


def admin_session(request: Request) -> AccessToken | None:
    """The admin token in the session cookie, or None when there is none (or it is no good)."""
    hub = hub_of(request)
    try:
        token = authenticate(hub.tokens, request.cookies.get(COOKIE), hub.now())
        require(token.grant, Action.VIEW_DASHBOARD)
    except DomainError:
        return None
    return token


def signed_in(request: Request, secret: str) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        secret,
        max_age=MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return page(request, "login.html", problem="")


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = parse_qs((await request.body())[:MAX_FORM].decode("utf-8", "replace"))
    secret = (form.get("token") or [""])[0].strip()
    hub = hub_of(request)
    try:
        token = authenticate(hub.tokens, secret, hub.now())
        require(token.grant, Action.VIEW_DASHBOARD)
    except DomainError as error:
        return page(request, "login.html", status=401, problem=str(error))
    return signed_in(request, secret)


@router.get("/login/once/{code}", response_class=HTMLResponse)
def login_once(request: Request, code: Annotated[str, Path(max_length=100)]) -> Response:
    secret = hub_of(request).logins.take(code)
    if secret is None:
        problem = "this login link was used already or never existed: sign in with a token"
        return page(request, "login.html", status=401, problem=problem)
    return signed_in(request, secret)


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
