#!/usr/bin/env python3
"""One entry for people and CI: sets up .venv from the lock file, then runs what you ask.

    python3 dev.py demo    # build the demo shop and show it
    python3 dev.py test    # lint, types and the whole test suite
    python3 dev.py lock    # re-pin requirements.lock after changing pyproject.toml
    python3 dev.py docs    # regenerate docs/cli.md from the commands' help

Only Python 3.11 and pip are needed; everything else is installed into ./.venv.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".microindex-installed"
ZPL_RENDERER = ROOT / "tests" / "packaging" / "zpl_renderer"


def run(*args: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], cwd=ROOT, check=check).returncode


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_env() -> None:
    """Create .venv and install the pinned dependencies, unless they are already there."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"microindex needs Python 3.11; this is {sys.version.split()[0]}")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == fingerprint():
        return
    run(
        PY,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--require-hashes",
        "-r",
        LOCK,
    )
    run(
        PY,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-build-isolation",
        "-e",
        ".",
    )
    STAMP.write_text(fingerprint())


def ensure_test_tools() -> None:
    """The ZPL renderer the label tests print through (an npm package pinned in its own lock
    file), installed into .venv; without npm those tests skip, or fail under CI=true."""
    npm = shutil.which("npm")
    if npm is None:
        print("npm not found: the ZPL rendering tests will skip", flush=True)
        return
    target = VENV / "zpl-renderer"
    lock = (ZPL_RENDERER / "package-lock.json").read_bytes()
    stamp = target / ".installed"
    if stamp.exists() and stamp.read_bytes() == lock:
        return
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(ZPL_RENDERER / name, target / name)
    print(f"+ npm ci (in {target})", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=target, check=True)
    stamp.write_bytes(lock)


def demo(extra: list[str]) -> int:
    """Build the demo and serve its dashboard; this process becomes `microindex demo`, so
    Ctrl-C reaches the server directly and it stops cleanly."""
    ensure_env()
    command = [str(BIN / "microindex"), "demo", *extra]
    print("+", " ".join(command), flush=True)
    os.execv(command[0], command)


def test(extra: list[str]) -> int:
    """Lint, format, types, the layer contract, then the whole suite in a shuffled order
    (pytest-randomly prints its seed: `--randomly-seed=N` replays an order, `-p no:randomly`
    keeps the file order), with the wall time and the 15 slowest tests."""
    ensure_env()
    ensure_test_tools()
    for step in (
        (BIN / "ruff", "check", "src", "tests", "bench", "dev.py"),
        (BIN / "ruff", "format", "--check", "src", "tests", "bench", "dev.py"),
        (BIN / "mypy",),
        (BIN / "lint-imports",),
    ):
        if run(*step, check=False) != 0:
            return 1
    started = time.monotonic()
    code = run(PY, "-m", "pytest", "--durations=15", *extra, check=False)
    print(f"test suite wall time: {time.monotonic() - started:.0f} s", flush=True)
    return code


def lock(extra: list[str]) -> int:
    ensure_env()
    return run(
        BIN / "uv",
        "pip",
        "compile",
        "pyproject.toml",
        "--extra",
        "dev",
        "--generate-hashes",
        "--python-version",
        "3.11",
        "--python-platform",
        "linux",
        "--quiet",
        "-o",
        LOCK,
        *extra,
        check=False,
    )


def docs(extra: list[str]) -> int:
    """Regenerate docs/cli.md (or the file given), the command reference a test keeps current."""
    ensure_env()
    out = Path(extra[0]) if extra else ROOT / "docs" / "cli.md"
    subprocess.run(
        [
            str(PY),
            "-m",
            "typer",
            "microindex.entrypoints.cli.app",
            "utils",
            "docs",
            "--name",
            "microindex",
            "--output",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        env={"COLUMNS": "100", "PATH": "", "TERM": "dumb", "PYTHONPATH": str(ROOT / "src")},
    )
    out.write_text(examples_as_commands(out.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


EXAMPLE = re.compile(r"Example: (.+?)(?=\n\n|\Z)", re.S)


def examples_as_commands(reference: str) -> str:
    """Each `Example: ...` of the help (wrapped there to fit) as one line in a code block,
    to copy and run as it is."""
    return EXAMPLE.sub(
        lambda m: "Example:\n\n```sh\n" + " ".join(m[1].split()) + "\n```", reference
    )


COMMANDS = {"demo": demo, "test": test, "lock": lock, "docs": docs}

if __name__ == "__main__":
    if sys.argv[1:] in (["--help"], ["-h"], ["help"]):
        print(__doc__)
        sys.exit(0)
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
