"""The dashboard's sign-in: an admin token or a one-time login link, in exchange for a
session in an HttpOnly cookie.

A session is kept in the hub's database (`microindex token list` shows it), so any hub process
checks it and logout ends it for all of them; revoking the token that signed it in ends it too.
A login link (`microindex serve` and `microindex token login-link` print one) works once,
within 15 minutes. The API never reads the cookie: it wants a bearer header, so a page
elsewhere cannot make a signed-in browser write anything.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microindex.domain.access import AccessToken, Action, Unauthenticated, require
from microindex.domain.errors import DomainError
from microindex.entrypoints.http.context import hub_of
from microindex.entrypoints.http.templating import page
from microindex.service import access

COOKIE = "microindex_session"
MAX_AGE = int(access.SESSION_VALID.total_seconds())
MAX_FORM = 4096

router = APIRouter(include_in_schema=False)


def admin_session(request: Request) -> AccessToken | None:
    """The admin token in the session cookie, or None when there is none (or it is no good)."""
    hub = hub_of(request)
    try:
        token = access.authenticate(hub.tokens, request.cookies.get(COOKIE), hub.now())
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
        session = access.sign_in(hub.tokens, secret, hub.now())
    except DomainError as error:
        return page(request, "login.html", status=401, problem=str(error))
    return signed_in(request, session.secret)


@router.get("/login/once/{code}", response_class=HTMLResponse)
def login_once(request: Request, code: Annotated[str, Path(max_length=100)]) -> Response:
    hub = hub_of(request)
    try:
        session = access.sign_in_with_link(hub.links, hub.tokens, code, hub.now())
    except Unauthenticated as refused:
        problem = f"{refused.reason}: ask for a new one, or sign in with a token"
        return page(request, "login.html", status=401, problem=problem)
    return signed_in(request, session.secret)


@router.post("/logout")
def logout(request: Request) -> Response:
    hub = hub_of(request)
    access.sign_out(hub.tokens, request.cookies.get(COOKIE), hub.now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
