"""The CPU a PostgreSQL server process has spent, read from `/proc`, for the benches that
print the server's share of an operation beside the client's (`bench.promise`, `bench.ledger`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

ServerCpu = Callable[[], float]  # CPU seconds a server process has spent so far


def backend_cpu(conn: psycopg.Connection[Any]) -> ServerCpu | None:
    """The CPU seconds spent so far by the server process serving `conn`, read from `/proc`;
    None when that process is not on this machine (or not readable)."""
    process = Path(f"/proc/{conn.info.backend_pid}")
    stat = process / "stat"
    tick = os.sysconf("SC_CLK_TCK")

    def spent() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    try:
        spent()
        if not (process / "comm").read_text().startswith("postgres"):
            return None  # another process that happens to have its number
    except (OSError, IndexError, ValueError):
        return None
    return spent
