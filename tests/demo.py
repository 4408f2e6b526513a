"""The demo shop for tests: built once per run (`pristine_demo` in tests/conftest.py), then
only copied, each copy with its clock stopped at the demo's noon."""

from __future__ import annotations

import shutil
from pathlib import Path

from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import build_demo
from microindex.settings import Settings
from tests.clock import DEMO_DAY, DEMO_NOW, Clock


def build_pristine(root: Path) -> Path:
    """Build the demo shop at `root` and close it, to be copied."""
    workspace = bootstrap(Settings(root), clock=Clock(DEMO_NOW))
    build_demo(workspace, seed=7, today=DEMO_DAY)
    workspace.close()
    return root


def open_copy(pristine: Path, root: Path) -> Workspace:
    """A copy of the demo shop, its clock stopped at the demo's noon."""
    shutil.copytree(pristine, root)
    return bootstrap(Settings(root), clock=Clock(DEMO_NOW))
