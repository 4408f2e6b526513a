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
from typing import Any

import httpx

from microindex.domain.channels.webhook import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Decision,
    RetryPolicy,
    after_attempt,
    sign,
)


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


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


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
