"""The hub's timer thread: started and stopped with the app (its lifespan) by `serve`."""

from __future__ import annotations

import os
import socket
import threading

from microindex.bootstrap import Workspace
from microindex.service.timers import TICK_S, run_due, run_timers


class TimerThread:
    """Calls `run_due` at the workspace's clock now and every `every_s` until stopped; each
    tick sets `ticked` (what a test waits on, instead of the wall clock)."""

    def __init__(self, workspace: Workspace, every_s: float = TICK_S) -> None:
        self.by = f"{socket.gethostname()}:{os.getpid()}"
        self.ticked = threading.Event()
        self._stop = threading.Event()
        timers, claims = workspace.timers(), workspace.timer_claims()

        def tick() -> None:
            run_due(timers, claims, workspace.clock(), self.by)
            self.ticked.set()

        self._thread = threading.Thread(
            target=run_timers, args=(tick, self._stop.wait, every_s), name="hub-timers", daemon=True
        )

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
