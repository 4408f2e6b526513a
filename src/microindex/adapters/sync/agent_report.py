"""What an agent says of itself with each push: this software's version and the free space on
the filesystem that holds its workspace (the monthly audit reads both)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from microindex import __version__
from microindex.domain.sync.messages import AgentReport


def measured(workspace: Path) -> AgentReport:
    return AgentReport(__version__, shutil.disk_usage(workspace).free)


def reporter(workspace: Path) -> Callable[[], AgentReport]:
    """Measure at each push, so the hub keeps the latest figure."""
    return lambda: measured(workspace)
