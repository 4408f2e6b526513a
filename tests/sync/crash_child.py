"""Applies a push frame to a hub SQLite file and stops inside the transaction (for a kill).

    python -m tests.sync.crash_child HUB_FILE FRAME_FILE

Prints "inside" once the movements are written but not committed, then waits to be killed.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from microindex.adapters.sqlite.rights_store import SqliteAccounts, SqliteSyncDatabase
from microindex.adapters.sync.transport import HubEndpoint
from microindex.domain.sync.account import NodeAccount

SECRETS = {"van": b"van-secret"}


def _stall(self: SqliteAccounts, account: NodeAccount) -> None:
    print("inside", flush=True)
    time.sleep(120)


def main() -> None:
    hub_file, frame_file = sys.argv[1:3]
    SqliteAccounts.save = _stall  # type: ignore[method-assign]
    hub = SqliteSyncDatabase(hub_file)
    HubEndpoint(hub, SECRETS, lambda: datetime.now(UTC)).handle(Path(frame_file).read_bytes())


if __name__ == "__main__":
    main()
