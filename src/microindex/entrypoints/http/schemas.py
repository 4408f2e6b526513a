"""What the API reads and writes, as pydantic models: the OpenAPI document comes from these.

Requests forbid unknown fields and take numbers strictly (no "3" for 3, no 3.0 for 3): a client
that sends something else learns at once, and nothing is written.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel, ConfigDict, Field

from microindex.domain.access import Role
from microindex.domain.movement import MAX_QUANTITY, Tag
from microindex.domain.node import (
    DEFAULT_PRIORITY,
    LONGEST_OFFLINE_GAP_S,
    LOWEST_PRIORITY,
    NodeKind,
)
from microindex.domain.promise.order import KEY_PATTERN
from microindex.domain.sync.node import Override

Quantity = Annotated[int, Field(strict=True, gt=0, le=MAX_QUANTITY, description="Units, > 0.")]
Counted = Annotated[int, Field(strict=True, ge=0, le=MAX_QUANTITY, description="Units counted.")]
# The domain's own rules for codes (domain/codes.py), stated again so that the schema tells.
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$"
NODE_PATTERN = r"^[a-z0-9][a-z0-9\-]{0,31}$"
_HHMM = r"([01]\d|2[0-3]):[0-5]\d"
HOURS_PATTERN = rf"^([0-6] {_HHMM}-{_HHMM}(;|$))*$"

SkuText = Annotated[str, Field(strict=True, pattern=SKU_PATTERN, examples=["MUG-TIDE-350"])]
NodeText = Annotated[str, Field(strict=True, pattern=NODE_PATTERN, examples=["van"])]
Reference = Annotated[str, Field(strict=True, max_length=200, description="Order, note, reason.")]
Label = Annotated[str, Field(strict=True, max_length=200)]
SaleKey = Annotated[
    str | None,
    Header(
        pattern=KEY_PATTERN,
        description="One per walk-in sale: a retry with the same key and sale is answered with"
        " the sale first made and records nothing more; with another sale, 409"
        " idempotency_key_reused.",
    ),
]

ReceiptKey = Annotated[
    str | None,
    Header(
        pattern=KEY_PATTERN,
        description="One per delivery received: the same goods again under it (a retry, a"
        " second tap) are answered with the receipt first made and record nothing more;"
        " other goods, 409 idempotency_key_reused.",
    ),
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["out_of_stock"])
    message: str
    data: dict[str, Any]


class ErrorBody(BaseModel):
    error: ErrorDetail


class CapabilitiesBody(Request):
    pickup: Annotated[bool, Field(strict=True)] = False
    local_delivery_radius_km: Annotated[float, Field(strict=True, ge=0, le=1000)] = 0.0
    local_delivery_speed_kmh: Annotated[float, Field(strict=True, ge=0, le=1000)] = 0.0
    ships: Annotated[bool, Field(strict=True)] = False
    carrier_cutoff: time | None = None
    return_point: Annotated[bool, Field(strict=True)] = False
    preparation_minutes: Annotated[int, Field(strict=True, ge=0, le=100_000)] = 30


NodeZone = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="IANA time zone: the node's hours are local times there; omitted on add:"
        " the workspace's `time_zone` setting.",
        examples=["Europe/London"],
    ),
]


class NodeIn(Request):
    code: NodeText
    kind: NodeKind
    name: Annotated[str, Field(strict=True, min_length=1, max_length=200)]
    lat: Annotated[float, Field(strict=True, ge=-90, le=90)]
    lon: Annotated[float, Field(strict=True, ge=-180, le=180)]
    opening_hours: Annotated[
        str | None,
        Field(
            max_length=500,
            pattern=HOURS_PATTERN,
            description="'DAY HH:MM-HH:MM;...' with 0=Monday; omitted means always open.",
            examples=["0 10:00-18:00;1 10:00-18:00"],
        ),
    ] = None
    capabilities: CapabilitiesBody = Field(default_factory=CapabilitiesBody)
    zone: NodeZone | None = None


class CapabilitiesOut(BaseModel):
    pickup: bool
    local_delivery_radius_km: float
    local_delivery_speed_kmh: float
    ships: bool
    carrier_cutoff: str | None
    return_point: bool
    preparation_minutes: int


class NodeOut(BaseModel):
    code: str
    kind: str
    name: str
    lat: float
    lon: float
    opening_hours: str
    zone: str
    capabilities: CapabilitiesOut
    offline_gap_s: float | None = Field(
        description="The expected time offline the seller set (null: the kind's default)."
    )
    priority: int = Field(
        DEFAULT_PRIORITY,
        description="The seller's ranking of the node, 1 first: where plans tie, the order "
        "goes to the node ranked first.",
    )
    expected_offline_gap_s: float = Field(
        description="The time offline the node's local stock rights are sized for."
    )
    last_sync: datetime | None = Field(None, description="The node's last complete sync.")
    next_sync: datetime | None = Field(
        None, description="Its next heartbeat sync, at the interval the hub advised."
    )
    next_sync_why: str = Field("", description="Why then (or overdue: out of reach?).")
    agent_version: str | None = Field(
        None,
        description="The version its own agent reported at its last push (null: the node's "
        "ledger is in the hub's workspace, or its agent has not reported).",
    )
    agent_disk_free_mb: int | None = Field(
        None, description="Free disk its own agent reported at its last push, in MB."
    )


class NodeSettingsIn(Request):
    """What to change; a field left out stays as it is."""

    offline_gap_s: Annotated[
        float | None,
        Field(
            ge=0,
            le=LONGEST_OFFLINE_GAP_S,
            description="Seconds the node is expected to be out of reach at a time; null: "
            "the default for its kind (van and pop-up 4 h, locker and bench 1 h, store and "
            "warehouse 15 min).",
            examples=[14400],
        ),
    ] = None
    priority: Annotated[
        int | None,
        Field(
            ge=1,
            le=LOWEST_PRIORITY,
            description="The seller's ranking of the node, 1 first (default 100).",
            examples=[1],
        ),
    ] = None
    zone: NodeZone | None = None


class KitPartOut(BaseModel):
    sku: str
    quantity: int


class ProductOut(BaseModel):
    sku: str
    gtin: str | None
    title: str
    description: str
    brand: str
    category: str
    attributes: list[list[str]]
    price: str
    sale_price: str | None
    currency: str
    media: list[str]
    weight_g: int | None
    size: str | None
    fragility: str
    limited_edition: bool
    preorder_until: str | None
    tags: list[str]
    handle: str

    kit: list[KitPartOut] | None = Field(
        None,
        description="Set when a looked-up code names a kit: the parts a"
        " sale of one takes; a kit holds no stock of its own.",
    )


class ProductPageOut(BaseModel):
    items: list[ProductOut]
    total: int | None = Field(
        description="Every match; null with `q` (counting would read the whole catalog)."
    )
    limit: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
    next: str | None = Field(description="The next page's URL; null at the end.")


class StockLineOut(BaseModel):
    sku: str
    title: str
    node: str
    on_hand: int
    online: int = Field(
        description="Of on_hand, what the hub may promise online now (its stock rights there);"
        " the rest is the node's own for walk-in sales, set aside or unavailable."
    )


class MovementIn(Request):
    sku: SkuText
    quantity: Quantity
    reference: Reference = ""


class OverrideIn(Request):
    """Staff confirm a sale beyond the node's local rights, told it breaks online orders."""

    reason: Annotated[str, Field(strict=True, min_length=1, max_length=200)]
    actor: Label = ""  # who decided it; default: the token's holder


class SaleIn(MovementIn):
    override: Annotated[
        OverrideIn | None,
        Field(description="Sell units promised online anyway: recorded as an overdraft."),
    ] = None


def override_of(body: SaleIn, actor: str) -> Override | None:
    """The sale's override, decided by its own actor or else by `actor` (the token's)."""
    given = body.override
    return None if given is None else Override(given.actor or actor, given.reason)


class CountIn(Request):
    sku: SkuText
    counted: Counted
    position: Annotated[
        int | None,
        Field(strict=True, ge=0, description="Ledger head when counting began; default now."),
    ] = None
    reference: Reference = ""


class StockTransferIn(Request):
    to: NodeText
    sku: SkuText
    quantity: Quantity
    reference: Reference = ""


class MovementOut(BaseModel):
    node: str
    seq: int
    sku: str
    quantity: int
    kind: str
    at: str
    reference: str = Field(description="As the person who recorded it typed it.")
    actor: str
    tag: Tag | None = Field(
        default=None,
        description="What an internal movement is for (a rights move, an order's pick, a "
        "transfer order's step), set only by the hub and node services; null for staff's own.",
    )
    tag_id: str = Field(default="", description="What the tag is for: a reservation, a transfer.")


class CountOut(BaseModel):
    node: str
    sku: str
    counted: int
    position: int
    expected: int
    variance: int
    deficit: int
    adjustment: MovementOut | None


class QueuedOut(BaseModel):
    """202: a receive, write-off or count for a node whose agent keeps its ledger elsewhere,
    queued for its next sync and recorded there once (under `key`)."""

    node: str
    kind: str
    sku: str
    quantity: int = Field(description="Units received or written off; for a count, counted.")
    position: int | None = Field(description="A count's ledger position (the mirror's head).")
    reference: str
    request: int = Field(description="The request's number in the node's queue.")
    key: str
    message: str


class HeadOut(BaseModel):
    node: str
    head: int


class MovementPageOut(BaseModel):
    node: str
    head: int = Field(description="The ledger's head: poll again with after=head.")
    items: list[MovementOut]
    next_after: int = Field(description="Pass as `after` to read on.")


class RowErrorOut(BaseModel):
    row: int
    column: str
    reason: str
    value: str


class ImportOut(BaseModel):
    created: int
    updated: int
    skipped: list[RowErrorOut]


class StockImportOut(BaseModel):
    movements: list[MovementOut]
    skipped: list[RowErrorOut]


class TokenIn(Request):
    role: Role
    node: NodeText | None = None
    label: Label = ""


class TokenOut(BaseModel):
    id: str
    kind: str = Field(description="token (issued by an admin) or session (a dashboard sign-in).")
    parent: str | None = Field(description="A session's: the token or login link it came from.")
    role: str
    node: str | None
    label: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None


class IssuedTokenOut(TokenOut):
    secret: str = Field(description="Shown this once: it is stored only as a hash.")


class LineIn(Request):
    sku: SkuText
    quantity: Quantity


class CountedLineIn(Request):
    sku: SkuText
    quantity: Counted


class LineOut(BaseModel):
    sku: str
    quantity: int
