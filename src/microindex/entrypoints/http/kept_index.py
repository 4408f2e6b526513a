"""A search index a server process keeps current, its long work done in the background.

Bringing an index up to date can take seconds to minutes: a first build, a catalog import of
100,000 rows, a node's catalog copy compared by digest after a pull. Those run in the one
background catch-up, started at start-up, after an import commits and after a node's sync
(`start`). A request answers from the last commit when that commit already holds everything
committed before the request arrived (a few one-row reads tell). Otherwise it waits for a
catch-up that began after it arrived (so includes its commit), starting one when none runs and
again when one could not get the writer (another process kept it); past `ceiling_s` it answers
`IndexWarming` (503), never a stale page silently. An index never built answers `IndexWarming`
with the build's progress after `WAIT_S`. Searches never take the writer's lock: each reads the
commit that was current when it began (`TantivyIndex` swaps its searcher whole).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.service.indexing import (
    IndexBehind,
    IndexWarming,
    apply_changes,
    is_built,
    is_current,
)
from microindex.service.ports import DatabaseReads

log = logging.getLogger(__name__)
WAIT_S = 1.0  # how long a request waits for a first build before answering with its progress
CEILING_S = 30.0  # how long a request waits for the catch-up that includes its commit
_RETRY_S = 0.1  # before starting again a catch-up that failed


@dataclass(eq=False)
class KeptIndex:
    index: TantivyIndex
    database: DatabaseReads
    node: str | None  # None: the hub's index
    indexed: tuple[int, int] = (0, 0)  # a first build's progress: products indexed, of how many
    ceiling_s: float = CEILING_S
    _worker: threading.Thread | None = field(default=None, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _started: int = 0  # catch-ups started, in order
    _caught: int = 0  # the latest-started catch-up that finished as the writer

    def start(self) -> threading.Thread:
        """Start the background catch-up unless one runs; the one that runs, to wait on."""
        with self._guard:
            worker = self._worker
            if worker is not None and worker.is_alive():
                return worker
            self._started += 1
            worker = self._worker = threading.Thread(
                target=self._catch_up,
                args=(self._started,),
                name=f"search-{self.node or 'hub'}",
                daemon=True,
            )
            worker.start()
            return worker

    def current(self) -> TantivyIndex:
        """The index holding every commit made before this call: its last commit when that is
        so, else once a catch-up started after this call finishes; `IndexWarming` while it was
        never built (after `WAIT_S`) or when that catch-up is not done within `ceiling_s`."""
        arrived = self._started  # a catch-up started later reads the database after this call
        deadline = time.monotonic() + self.ceiling_s
        while not is_current(self.index, self.database, self.node):
            worker = self.start()
            left = deadline - time.monotonic()
            worker.join(max(left if is_built(self.index) else min(left, WAIT_S), 0.0))
            if self._caught > arrived:
                break
            if worker.is_alive() or time.monotonic() + _RETRY_S >= deadline:
                late = IndexBehind if is_built(self.index) else IndexWarming
                raise late(self.node or "hub", *self.indexed)
            if self._caught < self._started:  # it failed (logged) or another process kept
                time.sleep(_RETRY_S)  # the writer; else it began before this call: look again
        return self.index

    def settle(self) -> None:
        """Wait for the background catch-up, if one runs."""
        worker = self._worker
        if worker is not None:
            worker.join()

    def busy(self) -> bool:
        """Whether a background catch-up is running."""
        worker = self._worker
        return worker is not None and worker.is_alive()

    def _catch_up(self, started: int) -> None:
        def told(done: int, total: int) -> None:
            self.indexed = (done, total)

        try:
            with self.index.writing() as writer:
                if writer:
                    apply_changes(self.index, self.database, self.node, told)
                    self._caught = max(self._caught, started)
        except Exception:  # a worker: log it; the next request starts it again
            log.exception("catching up the %s search index failed", self.node or "hub")

    def close(self) -> None:
        """Wait for the background catch-up, then let the index's writer go."""
        self.settle()
        self.index.close()
