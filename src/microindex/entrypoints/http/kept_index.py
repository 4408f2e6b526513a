"""A search index a server process keeps current, its long work done in the background.

Bringing an index up to date can take seconds to minutes: a first build, a catalog import of
100,000 rows, a node's catalog copy compared by digest after a pull. Those run in the one
background catch-up, started at start-up, after an import commits and after a node's sync
(`start`). A request that finds none running catches up itself (a few changes: its answer is
current with every commit); one that finds one running waits for it at most `WAIT_S`, then
searches the last commit. An index never built answers `IndexWarming` (503) with the build's
progress until its first commit. Searches never take the writer's lock: each reads the commit
that was current when it began (`TantivyIndex` swaps its searcher whole).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.service.indexing import IndexWarming, catch_up, is_built
from microindex.service.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
WAIT_S = 1.0  # how long a request waits for the background catch-up before reading


@dataclass(eq=False)
class KeptIndex:
    index: TantivyIndex
    database: UnitOfWorkFactory
    node: str | None  # None: the hub's index
    indexed: tuple[int, int] = (0, 0)  # a first build's progress: products indexed, of how many
    _worker: threading.Thread | None = field(default=None, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self) -> tuple[threading.Thread, bool]:
        """Start the background catch-up unless one runs: the one that runs (to wait on), and
        whether it was started now (so it includes every commit made before this call)."""
        with self._guard:
            worker = self._worker
            if worker is not None and worker.is_alive():
                return worker, False
            worker = self._worker = threading.Thread(
                target=self._catch_up, name=f"search-{self.node or 'hub'}", daemon=True
            )
            worker.start()
            return worker, True

    def current(self, wait_s: float = WAIT_S) -> TantivyIndex:
        """The index caught up with what was committed; as last committed when another
        catch-up (a build, an import's) is still running after `wait_s`; `IndexWarming` while
        it was never built."""
        worker, mine = self.start()
        worker.join(None if mine and is_built(self.index) else wait_s)
        if not is_built(self.index):
            raise IndexWarming(self.node or "hub", *self.indexed)
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

    def _catch_up(self) -> None:
        def told(done: int, total: int) -> None:
            self.indexed = (done, total)

        try:
            catch_up(self.index, self.database, self.node, told)
        except Exception:  # a worker: log it; the next request starts it again
            log.exception("catching up the %s search index failed", self.node or "hub")

    def close(self) -> None:
        """Wait for the background catch-up, then let the index's writer go."""
        self.settle()
        self.index.close()
