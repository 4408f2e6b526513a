"""Plain-data records of domain objects (str, int, float, bool, None, lists, dicts).

Storage adapters, the outbox and the wire all use these, so a product or a movement has one
flat shape everywhere.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from microindex.domain.codes import NodeCode, Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.movement import Movement, MovementKind, Tag
from microindex.domain.node import (
    DEFAULT_PRIORITY,
    Capabilities,
    Location,
    Node,
    NodeKind,
    OpeningHours,
)
from microindex.domain.product import Fragility, Product, Size

Record = dict[str, Any]


def product_record(product: Product) -> Record:
    return {
        "sku": product.sku.value,
        "gtin": product.gtin.digits if product.gtin else None,
        "title": product.title,
        "description": product.description,
        "brand": product.brand,
        "category": product.category,
        "attributes": [list(pair) for pair in product.attributes],
        "price": str(product.price.amount),
        "sale_price": str(product.sale_price.amount) if product.sale_price else None,
        "currency": product.price.currency,
        "media": list(product.media),
        "weight_g": product.weight_g,
        "size": str(product.size) if product.size else None,
        "fragility": product.fragility.value,
        "limited_edition": product.limited_edition,
        "preorder_until": product.preorder_until.isoformat() if product.preorder_until else None,
        "tags": list(product.tags),
        "handle": product.handle,
    }


def product_from_record(record: Record) -> Product:
    currency = record["currency"]
    sale = record.get("sale_price")
    preorder = record.get("preorder_until")
    size = record.get("size")
    return Product(
        sku=Sku(record["sku"]),
        gtin=Gtin(record["gtin"]) if record.get("gtin") else None,
        title=record["title"],
        description=record.get("description") or "",
        brand=record.get("brand") or "",
        category=record.get("category") or "",
        attributes=tuple((str(k), str(v)) for k, v in _listish(record.get("attributes"))),
        price=Money(Decimal(record["price"]), currency),
        sale_price=Money(Decimal(sale), currency) if sale else None,
        media=tuple(_listish(record.get("media"))),
        weight_g=record.get("weight_g"),
        size=Size.parse(size) if size else None,
        fragility=Fragility(record.get("fragility") or "sturdy"),
        limited_edition=bool(record.get("limited_edition")),
        preorder_until=date.fromisoformat(preorder) if preorder else None,
        tags=tuple(_listish(record.get("tags"))),
        handle=record.get("handle") or "",
    )


def movement_record(movement: Movement) -> Record:
    return {
        "node": movement.node,
        "seq": movement.seq,
        "sku": movement.sku,
        "quantity": movement.quantity,
        "kind": movement.kind.value,
        "at": movement.at.isoformat(),
        "reference": movement.reference,
        "actor": movement.actor,
        "tag": movement.tag.value if movement.tag else None,
        "tag_id": movement.tag_id,
    }


def movement_from_record(record: Record) -> Movement:
    at = record["at"]
    return Movement(
        node=record["node"],
        seq=int(record["seq"]),
        sku=record["sku"],
        quantity=int(record["quantity"]),
        kind=MovementKind(record["kind"]),
        at=at if isinstance(at, datetime) else datetime.fromisoformat(at),
        reference=record.get("reference") or "",
        actor=record.get("actor") or "",
        tag=Tag(record["tag"]) if record.get("tag") else None,
        tag_id=record.get("tag_id") or "",
    )


NODE_FIELDS = (
    "code",
    "kind",
    "name",
    "lat",
    "lon",
    "opening_hours",
    "capabilities",
    "offline_gap_s",
    "zone",
    "priority",
)  # a node record's keys: the columns of every node store


def node_record(node: Node) -> Record:
    caps = node.capabilities
    return {
        "code": node.code.value,
        "kind": node.kind.value,
        "name": node.name,
        "lat": node.location.lat,
        "lon": node.location.lon,
        "opening_hours": node.opening_hours.to_text(),
        "zone": node.zone,
        "capabilities": {
            "pickup": caps.pickup,
            "local_delivery_radius_km": caps.local_delivery_radius_km,
            "local_delivery_speed_kmh": caps.local_delivery_speed_kmh,
            "ships": caps.ships,
            "carrier_cutoff": caps.carrier_cutoff.isoformat() if caps.carrier_cutoff else None,
            "return_point": caps.return_point,
            "preparation_minutes": caps.preparation_minutes,
        },
        "offline_gap_s": node.offline_gap_s,
        "priority": node.priority,
    }


def node_from_record(record: Record) -> Node:
    caps = dict(_dictish(record.get("capabilities")))
    cutoff = caps.get("carrier_cutoff")
    caps["carrier_cutoff"] = time.fromisoformat(cutoff) if cutoff else None
    return Node(
        code=NodeCode(record["code"]),
        kind=NodeKind(record["kind"]),
        name=record["name"],
        location=Location(float(record["lat"]), float(record["lon"])),
        opening_hours=OpeningHours.from_text(record.get("opening_hours") or ""),
        capabilities=Capabilities(**caps),
        zone=record.get("zone") or "UTC",
        offline_gap_s=_float_or_none(record.get("offline_gap_s")),
        priority=int(record.get("priority") or DEFAULT_PRIORITY),
    )


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _listish(value: Any) -> list[Any]:
    if value is None or value == "[]":  # most products' media and tags: no JSON to parse
        return []
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value)


def _dictish(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        return dict(json.loads(value))
    return dict(value)
