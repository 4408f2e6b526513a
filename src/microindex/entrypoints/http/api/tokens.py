"""Access tokens, for admins: issue (the secret is in this one response), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, status

from microindex.domain.access import AccessToken, Action, Grant, require
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import IssuedTokenOut, TokenIn, TokenOut
from microindex.service import access

api = router("tokens")


def token_out(token: AccessToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        kind=token.kind.value,
        parent=token.parent,
        role=token.grant.role.value,
        node=token.grant.node,
        label=token.label,
        created_at=token.created_at.isoformat(),
        expires_at=token.expires_at.isoformat() if token.expires_at else None,
        revoked_at=token.revoked_at.isoformat() if token.revoked_at else None,
    )


@api.get("/tokens", response_model=list[TokenOut], summary="List access tokens (never secrets)")
def list_tokens(hub: HubDep, token: TokenDep) -> list[TokenOut]:
    require(token.grant, Action.MANAGE_TOKENS)
    return [token_out(t) for t in access.list_tokens(hub.tokens)]


@api.post(
    "/tokens",
    response_model=IssuedTokenOut,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a token; its secret is shown in this response only",
)
def issue_token(body: TokenIn, hub: HubDep, token: TokenDep) -> IssuedTokenOut:
    require(token.grant, Action.MANAGE_TOKENS)
    issued = access.issue(hub.tokens, hub.hub, Grant(body.role, body.node), hub.now(), body.label)
    return IssuedTokenOut(**token_out(issued.token).model_dump(), secret=issued.secret)


@api.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke a token at once")
def revoke_token(
    hub: HubDep, token: TokenDep, token_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> TokenOut:
    require(token.grant, Action.MANAGE_TOKENS)
    return token_out(access.revoke(hub.tokens, token_id, hub.now()))
