"""A local HTTP server standing in for the Merchant API: it records every request and answers
each one as the test's `answer` says (per item: accept, refuse, or fail for a while)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def offer(self) -> str:
        """The item's id: the body's offerId, or the product segment of a local path."""
        return str(self.body.get("offerId") or self.path.split("/")[6])


# (request, nth try of it) -> (status, body) or (status, body, headers)
Answer = Callable[[Seen, int], tuple[Any, ...]]


def accept(seen: Seen, attempt: int) -> tuple[int, dict[str, Any]]:
    return 200, {}


def error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"code": status, "message": message, "status": "INVALID_ARGUMENT"}}


@dataclass
class MerchantServer:
    url: str
    seen: list[Seen] = field(default_factory=list)
    answer: Answer = accept
    tries: dict[str, int] = field(default_factory=dict)

    def paths(self, part: str) -> list[Seen]:
        return [s for s in self.seen if part in s.path]


@contextmanager
def merchant_server() -> Iterator[MerchantServer]:
    server_box: list[MerchantServer] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state = server_box[0]
            length = int(self.headers.get("Content-Length", "0"))
            split = urlsplit(self.path)
            seen = Seen(
                split.path,
                parse_qs(split.query),
                dict(self.headers.items()),
                json.loads(self.rfile.read(length) or b"{}"),
            )
            state.seen.append(seen)
            key = f"{split.path}#{seen.offer}"
            state.tries[key] = state.tries.get(key, 0) + 1
            status, body, *more = state.answer(seen, state.tries[key])
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in (more[0] if more else {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_box.append(MerchantServer(f"http://127.0.0.1:{httpd.server_address[1]}"))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_box[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
