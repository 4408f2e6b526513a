"""Work that makes many short-lived tracked objects, none in a cycle, run with Python's cyclic
garbage collector paused: each collection would scan them, and the rest of the heap, for
nothing (ADR 0054 for a push's decoded rows, ADR 0063 for a search build's documents)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection within (reference counting still frees what it can), and
    the collector as it was after: on again only if it was on. Another thread that pauses it
    too while this one runs finds it off and leaves it to this one to turn back on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
