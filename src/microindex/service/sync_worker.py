"""A node's sync worker: sync when SYNC.md's triggers say so, retry on a timer with jitter.

Retries do not wait for the next local write (a failed upload is retried on its own timer), and
back off exponentially while the hub stays unreachable. Time, sleep and randomness are injected.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from microindex.domain.sync.messages import PushRefused
from microindex.domain.sync.node import LedgerBehindHub, SyncReason
from microindex.service.rights import prune_sale_keys
from microindex.service.sync import sync_due, sync_node
from microindex.service.sync_ports import HubUnreachable, SyncTransport, SyncUnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    poll_s: float = 15.0  # how often the triggers are looked at
    retry_s: float = 30.0  # first retry after a failed exchange, doubled up to `longest_retry_s`
    longest_retry_s: float = 900.0
    jitter: float = 0.2  # each wait is stretched or shrunk by up to this fraction


@dataclass
class WorkerState:
    last_sync: datetime | None = None
    failures: int = 0
    refused: PushRefused | LedgerBehindHub | None = None
    pruned_on: date | None = None  # the day sale keys past their month were last forgotten


def run_node(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    transport: SyncTransport,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    keep_going: Callable[[], bool],
    settings: WorkerSettings | None = None,
    rng: random.Random | None = None,
    synced: Callable[[], None] = lambda: None,
) -> WorkerState:
    """Run until `keep_going()` is false or the hub refuses this node (a credential problem);
    `synced` is told after each sync that went through (the staff page's index catches up)."""
    settings, rng, state = settings or WorkerSettings(), rng or random.Random(), WorkerState()
    while keep_going():
        now = clock()
        if state.pruned_on != now.date():  # the agent's nightly upkeep, the hub's timer's
            prune_sale_keys(node_db, now)
            state.pruned_on = now.date()
        idle = float("inf") if state.last_sync is None else (now - state.last_sync).total_seconds()
        if state.failures or sync_due(node_db, node, idle) is not SyncReason.NOTHING:
            try:
                sync_node(node_db, node, transport, now)
            except HubUnreachable as error:
                state.failures += 1
                log.info("sync of %s failed (%s), retry %d", node, error, state.failures)
            except (PushRefused, LedgerBehindHub) as refused:  # by name, in the log
                state.refused = refused
                log.error("the hub refuses %s: %s", node, refused)
                return state
            else:
                state.last_sync, state.failures = now, 0
                synced()
        sleep(_wait(settings, state.failures, rng))
    return state


def _wait(settings: WorkerSettings, failures: int, rng: random.Random) -> float:
    base = (
        settings.poll_s
        if not failures
        else min(settings.longest_retry_s, settings.retry_s * 2 ** (failures - 1))
    )
    return base * (1 + rng.uniform(-settings.jitter, settings.jitter))
