"""Several hub processes on one PostgreSQL hub: `serve --workers N` has uvicorn start N
processes on one socket, each building its own app with `hub_app` (an app factory).

Each process opens the workspace `serve` names in the environment (`MICROINDEX_WORKSPACE`,
`MICROINDEX_HUB_URL`), runs the hub's timers (each due run is claimed once in the database)
and keeps its own connections; any request, sync push or order may land on any of them.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from microindex.bootstrap import bootstrap
from microindex.entrypoints.http.app import create_app
from microindex.service.timers import TICK_S
from microindex.settings import Settings

FACTORY = "microindex.entrypoints.http.workers:hub_app"
TICK_ENV = "MICROINDEX_TIMER_TICK_S"  # serve's --tick, handed to each process


def hub_app() -> FastAPI:
    """One hub process's app, with its timers, over the workspace the environment names."""
    tick = float(os.environ.get(TICK_ENV, TICK_S))
    return create_app(bootstrap(Settings.load(None)), timers=True, tick_s=tick)
