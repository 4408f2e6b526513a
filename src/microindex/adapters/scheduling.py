"""The governance cadence on APScheduler 3: one cron trigger per job of the job table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.base import BaseScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.blocking import BlockingScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from microindex.service.governance import Job

GRACE_S = 3600  # a run missed while the machine slept still happens within the hour


def schedule(
    run: Callable[[str], Any],
    jobs: Mapping[str, Job],
    blocking: bool = True,
    timezone: str = "UTC",
) -> BaseScheduler:
    """A scheduler (not started) calling `run(job name)` on each job's trigger; missed runs
    are coalesced into one and a job never overlaps itself."""
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=timezone)
    for job in jobs.values():
        scheduler.add_job(
            run,
            CronTrigger(timezone=timezone, **job.trigger),
            args=[job.name],
            id=job.name,
            name=f"{job.name} ({job.cadence})",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=GRACE_S,
        )
    return scheduler
