"""Signed webhooks: an HMAC-SHA256 signature over the timestamp and body, and retry rules."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from microindex.domain.errors import InvalidValue

SIGNATURE_HEADER = "X-Microindex-Signature"
TIMESTAMP_HEADER = "X-Microindex-Timestamp"
EVENT_HEADER = "X-Microindex-Event"
DELIVERY_HEADER = "X-Microindex-Delivery"
TOLERANCE_S = 300  # a receiver refuses a signature older (or newer) than this


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """`v1=<hex>`: HMAC-SHA256 of `<timestamp>.<body>`; the timestamp stops replays."""
    if not secret:
        raise InvalidValue("secret", "", "a webhook needs a secret")
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: bytes, timestamp: int, body: bytes, signature: str, now_s: float) -> bool:
    """What a receiver checks: the signature, in constant time, and the timestamp's age."""
    if abs(now_s - timestamp) > TOLERANCE_S:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    GIVE_UP = "give-up"


RETRYABLE = frozenset({408, 425, 429})


def outcome(status: int | None) -> Outcome:
    """None (no answer: a network error or time-out), 408, 425, 429 and 5xx are retried;
    2xx is delivered; any other answer is final."""
    if status is None or status in RETRYABLE or status >= 500:
        return Outcome.RETRY
    return Outcome.DELIVERED if 200 <= status < 300 else Outcome.GIVE_UP


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    first_delay_s: float = 30.0
    factor: float = 2.0
    longest_delay_s: float = 6 * 3600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.first_delay_s <= 0 or self.factor < 1:
            raise InvalidValue("retry_policy", str(self), "attempts >= 1, delays > 0, factor >= 1")


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    retry_at: datetime | None = None


def after_attempt(
    policy: RetryPolicy,
    attempt: int,
    status: int | None,
    now: datetime,
    jitter: float,
    retry_after_s: float | None = None,
) -> Decision:
    """What to do after attempt number `attempt` (1-based) answered `status`: exponential
    back-off with full jitter (`jitter` in [0, 1), drawn by the caller), never sooner than a
    Retry-After the receiver asked for, given up after `max_attempts`."""
    result = outcome(status)
    if result is not Outcome.RETRY:
        return Decision(result)
    if attempt >= policy.max_attempts:
        return Decision(Outcome.GIVE_UP)
    delay = backoff_s(policy, attempt, jitter, retry_after_s)
    return Decision(Outcome.RETRY, now + timedelta(seconds=delay))


def backoff_s(
    policy: RetryPolicy, attempt: int, jitter: float, retry_after_s: float | None = None
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): exponential, with
    `jitter` in [0, 1) spreading it over its upper half, never below a Retry-After."""
    ceiling = min(policy.longest_delay_s, policy.first_delay_s * policy.factor ** (attempt - 1))
    delay = ceiling / 2 + ceiling / 2 * min(max(jitter, 0.0), 1.0)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, policy.longest_delay_s))
    return delay


class EventKind(StrEnum):
    """What a subscriber may hear of."""

    STOCK_CHANGED = "stock.changed"  # a node's on-hand of a SKU, as the hub learned it
    SOLD_OUT = "stock.sold_out"  # ... and it went from some to none
    ORDER_STEPPED = "order.stepped"  # one node's part moved on (picked, handed over, ...)
    ORDER_AT_RISK = "order.at_risk"  # its goods are gone and no node can take them
    ORDER_REROUTED = "order.rerouted"  # re-promised from another node
    STOCK_LOW = "stock.low"  # a node's on-hand fell to its reorder point (once, until restocked)


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"  # given up: on the dead-letter list


@dataclass(frozen=True, slots=True)
class Subscription:
    """A URL that hears of `events`, each POST signed with `secret`; `after` is the hub's
    outbox position when it subscribed (it hears of nothing from before)."""

    id: str
    url: str
    secret: str
    events: frozenset[EventKind]
    created_at: datetime
    after: int = 0
    removed_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")) or len(self.url) > 2000:
            raise InvalidValue("url", self.url[:200], "use an http(s):// address")
        if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in self.url):
            raise InvalidValue("url", self.url[:200], "an address has no spaces")
        try:
            parts = urlsplit(self.url)
            host = parts.hostname if parts.port is None or parts.port > 0 else None
        except ValueError:  # brackets left open, a port out of range
            host = None
        if not host:
            raise InvalidValue("url", self.url[:200], "an address names a host")
        if not self.events:
            raise InvalidValue("events", "", "subscribe to one event or more")

    def hears(self, kind: EventKind) -> bool:
        return self.removed_at is None and kind in self.events


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one subscription: attempted until delivered or dead."""

    subscription: str
    event: str  # the event's id: the same on every attempt, so a subscriber drops repeats
    kind: EventKind
    payload: str  # the JSON body, fixed when the event was fanned out
    created_at: datetime
    next_at: datetime
    attempts: int = 0
    state: DeliveryState = DeliveryState.PENDING
    last_status: int | None = None
    last_error: str = ""
