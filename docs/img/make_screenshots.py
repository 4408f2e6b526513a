#!/usr/bin/env python3
"""Retake docs/img/dashboard.png and docs/img/staff.png: the browser tests, saving here.

    .venv/bin/python docs/img/make_screenshots.py

Needs Playwright for Python and Debian's Chromium (/usr/bin/chromium), as the tests do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

if __name__ == "__main__":
    env = {**os.environ, "MICROINDEX_SCREENSHOTS": str(HERE), "CI": "true"}
    command = [sys.executable, "-m", "pytest", "-q", "tests/browser", "-p", "no:cacheprovider"]
    sys.exit(subprocess.run(command, cwd=ROOT, env=env, check=False).returncode)
