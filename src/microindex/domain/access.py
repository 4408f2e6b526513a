"""Who may do what: roles, the actions they ask for, and the one policy that decides.

Three roles. An **admin** runs the shop: everything. **Staff** work at one node and act only
for it: its ledger, its counts, its stock (reading the catalog and the node list to do so).
A **channel** (a marketplace, a feed job, the web shop) reads the catalog and stock, and
places, reads and cancels online orders, and opens returns; staff read, advance and pack the
orders with a part at their node, and check in and decide the returns sent to it. Governance
(triage, past sales, jobs, KPIs, listing accuracy) and package templates are the admin's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from microindex.domain.codes import NodeCode
from microindex.domain.errors import DomainError, InvalidValue


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    CHANNEL = "channel"


class TokenKind(StrEnum):
    """A **token** is issued by an admin (CLI or API) and lives until revoked or expired; a
    **session** is made when someone signs in to the dashboard (with a token or a login link)
    and ends at logout, when its parent is revoked, or after 12 hours."""

    TOKEN = "token"
    SESSION = "session"


class Action(StrEnum):
    READ_CATALOG = "read-catalog"
    READ_NODES = "read-nodes"
    READ_STOCK = "read-stock"
    READ_LEDGER = "read-ledger"
    WRITE_STOCK = "write-stock"
    WRITE_CATALOG = "write-catalog"
    MANAGE_NODES = "manage-nodes"
    MANAGE_TOKENS = "manage-tokens"
    MANAGE_WEBHOOKS = "manage-webhooks"
    MANAGE_PURCHASING = "manage-purchasing"  # purchase orders and reorder points
    READ_ACCOUNTS = "read-accounts"  # the accountant's sales and stock value files
    VIEW_DASHBOARD = "view-dashboard"
    PLACE_ORDER = "place-order"
    READ_ORDERS = "read-orders"
    ADVANCE_ORDER = "advance-order"
    CANCEL_ORDER = "cancel-order"
    PACK = "pack"  # read the node's package templates, pack its part of an order
    OPEN_RETURN = "open-return"  # against a sale or an order at a node
    HANDLE_RETURNS = "handle-returns"  # read, check in and decide returns at a return point
    GOVERN = "govern"  # triage, past sales, stock targets, jobs, KPIs, listing accuracy


# Actions about one node's stock: staff may take them for their own node only.
NODE_ACTIONS = frozenset(
    {
        Action.READ_STOCK,
        Action.READ_LEDGER,
        Action.WRITE_STOCK,
        Action.READ_ORDERS,
        Action.ADVANCE_ORDER,
        Action.PACK,
        Action.OPEN_RETURN,
        Action.HANDLE_RETURNS,
    }
)

_STAFF = frozenset({Action.READ_CATALOG, Action.READ_NODES}) | NODE_ACTIONS
_CHANNEL = frozenset(
    {
        Action.READ_CATALOG,
        Action.READ_NODES,
        Action.READ_STOCK,
        Action.PLACE_ORDER,
        Action.READ_ORDERS,
        Action.CANCEL_ORDER,
        Action.OPEN_RETURN,
    }
)


@dataclass(frozen=True, slots=True)
class Grant:
    """What a token stands for: a role and, for staff, the one node they work at."""

    role: Role
    node: str | None = None

    def __post_init__(self) -> None:
        if self.role is Role.STAFF:
            if self.node is None:
                raise InvalidValue("node", "", "a staff token is bound to one node")
            NodeCode(self.node)
        elif self.node is not None:
            raise InvalidValue("node", self.node, f"a {self.role} token is not bound to a node")


def may(grant: Grant, action: Action, node: str | None = None) -> bool:
    """Whether `grant` may take `action`, for `node` when the action is about one node.

    A node action with `node=None` means every node: staff never may.
    """
    if grant.role is Role.ADMIN:
        return True
    if grant.role is Role.CHANNEL:
        return action in _CHANNEL
    if action not in _STAFF:
        return False
    return action not in NODE_ACTIONS or node == grant.node


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A token as stored: never its secret, only the secret's hash."""

    id: str
    grant: Grant
    label: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    kind: TokenKind = TokenKind.TOKEN
    parent: str | None = None  # a session's: the token or login link that signed it in

    def active(self, at: datetime) -> bool:
        expired = self.expires_at is not None and at >= self.expires_at
        return self.revoked_at is None and not expired

    @property
    def actor(self) -> str:
        """How the ledger names who used this token."""
        return f"{self.label} ({self.id})" if self.label else self.id


@dataclass(frozen=True, slots=True)
class LoginLink:
    """A one-time sign-in to the dashboard for `grant`: good once, until `expires_at`."""

    id: str
    grant: Grant
    label: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def refusal(self, at: datetime) -> str | None:
        """Why this link signs no one in at `at`, or None when it still may."""
        if self.used_at is not None:
            return "this login link was used already"
        if at >= self.expires_at:
            return "this login link expired"
        return None


@dataclass(eq=False)
class Unauthenticated(DomainError):
    """No token, or one that is unknown, expired or revoked."""

    reason: str
    code = "unauthenticated"

    def __str__(self) -> str:
        return f"not signed in: {self.reason}"


@dataclass(eq=False)
class AccessDenied(DomainError):
    role: str
    action: str
    node: str | None
    code = "access_denied"

    def __str__(self) -> str:
        where = f" for node {self.node!r}" if self.node else ""
        return f"a {self.role} token may not {self.action}{where}"


@dataclass(eq=False)
class UnknownToken(DomainError):
    token: str
    code = "unknown_token"

    def __str__(self) -> str:
        return f"no token with id {self.token!r}"


def require(grant: Grant, action: Action, node: str | None = None) -> None:
    """`may`, as a guard: raises `AccessDenied` when the answer is no."""
    if not may(grant, action, node):
        raise AccessDenied(grant.role.value, action.value, node)
