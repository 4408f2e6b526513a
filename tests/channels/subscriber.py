"""A webhook subscriber on loopback: a real HTTP server in a thread that checks each POST's
signature, records what it got, and answers as the test scripts it (e.g. 503 for a while)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from microindex.domain.channels.webhook import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)


@dataclass
class Received:
    event: str  # the delivery id header
    kind: str
    body: dict[str, Any]
    signed: bool  # the signature matched the secret
    answered: int


@dataclass
class Subscriber:
    secret: bytes = b""
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # then 200
    received: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> tuple[int, dict[str, str]]:
        with self.lock:
            return self.answers.pop(0) if self.answers else (200, {})

    def accepted(self) -> list[Received]:
        """What it took (a 2xx), each event's first time only: what a subscriber acts on."""
        seen: set[str] = set()
        kept = []
        for got in self.received:
            if 200 <= got.answered < 300 and got.event not in seen:
                seen.add(got.event)
                kept.append(got)
        return kept


def _handler(subscriber: Subscriber) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            stamp = int(self.headers.get(TIMESTAMP_HEADER, "0"))
            signed = sign(subscriber.secret, stamp, body) == self.headers.get(SIGNATURE_HEADER)
            status, headers = subscriber.answer()
            with subscriber.lock:
                subscriber.received.append(
                    Received(
                        self.headers.get(DELIVERY_HEADER, ""),
                        self.headers.get(EVENT_HEADER, ""),
                        json.loads(body),
                        signed,
                        status,
                    )
                )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@contextmanager
def listening(subscriber: Subscriber) -> Iterator[Subscriber]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(subscriber))
    subscriber.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield subscriber
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
