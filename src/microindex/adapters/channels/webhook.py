"""Webhooks for any other channel: a signed POST, with the domain's retry rules.

`WebhookSender.deliver` makes one attempt and says what to do next (delivered, retry at, give
up); a worker loop keeps the attempts. The HTTP goes through an `httpx.Client` (tests give it
a `MockTransport`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from microindex.domain.channels.webhook import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Decision,
    Delivery,
    Outcome,
    RetryPolicy,
    Subscription,
    after_attempt,
    sign,
)
from microindex.service.webhooks import Attempted, Post


def body_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def signed_headers(
    secret: bytes, event: str, delivery: str, body: bytes, at: datetime
) -> dict[str, str]:
    timestamp = int(at.timestamp())
    return {
        "Content-Type": "application/json",
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def _retry_after(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Retry-After in seconds, or as an HTTP date (seconds from `now`); None when absent."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if now is None or when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


@dataclass
class WebhookSender:
    client: httpx.Client
    url: str
    secret: bytes
    policy: RetryPolicy
    jitter: Callable[[], float]  # e.g. random.random, drawn here so the rules stay pure

    def deliver(
        self, event: str, delivery: str, payload: dict[str, Any], attempt: int, now: datetime
    ) -> Decision:
        """One attempt (1-based) to deliver `payload`; the same `delivery` id on every retry
        lets the receiver drop duplicates."""
        body = body_bytes(payload)
        headers = signed_headers(self.secret, event, delivery, body, now)
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.TransportError:
            return after_attempt(self.policy, attempt, None, now, self.jitter())
        return after_attempt(
            self.policy, attempt, response.status_code, now, self.jitter(), _retry_after(response)
        )


TIMEOUT_S = 5.0  # a subscriber answers within this, or the attempt counts as no answer


def poster(client: httpx.Client, policy: RetryPolicy, jitter: Callable[[], float]) -> Post:
    """The webhook timer's POST: signed with the subscription's secret, the event's id as the
    delivery id on every attempt."""

    def post(
        subscription: Subscription, delivery: Delivery, attempt: int, now: datetime
    ) -> Attempted:
        body = delivery.payload.encode()
        secret = subscription.secret.encode()
        headers = signed_headers(secret, delivery.kind.value, delivery.event, body, now)
        try:
            answer = client.post(subscription.url, content=body, headers=headers, timeout=TIMEOUT_S)
        except httpx.InvalidURL as error:  # never deliverable: given up at once
            return Attempted(Decision(Outcome.GIVE_UP), None, f"InvalidURL: {error}")
        except httpx.HTTPError as error:
            decision = after_attempt(policy, attempt, None, now, jitter())
            return Attempted(decision, None, f"{type(error).__name__}: {error}")
        status = answer.status_code
        decision = after_attempt(policy, attempt, status, now, jitter(), _retry_after(answer, now))
        return Attempted(decision, status, "" if answer.is_success else answer.text[:200])

    return post
