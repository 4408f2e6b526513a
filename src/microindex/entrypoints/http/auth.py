"""Who is asking: the bearer token of an API request, checked against the token store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from microindex.domain.access import AccessToken
from microindex.entrypoints.http.context import Hub, hub_dependency, hub_of
from microindex.service.access import authenticate

bearer = HTTPBearer(
    auto_error=False,
    description="An access token from `microindex token create` (admin, staff or channel).",
)


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AccessToken:
    hub = hub_of(request)
    secret = credentials.credentials if credentials is not None else None
    return authenticate(hub.tokens, secret, hub.now())


HubDep = Annotated[Hub, Depends(hub_dependency)]
TokenDep = Annotated[AccessToken, Depends(authenticated)]
