"""Runs `microindex catalog import FILE --stock-node NODE` on the demo's clock (for a kill).

python -m tests.e2e.import_child WORKSPACE FILE NODE
"""

from __future__ import annotations

import sys

from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day


def main() -> None:
    workspace, file, node = sys.argv[1:4]
    app(["-w", workspace, "catalog", "import", file, "--stock-node", node], obj=on_demo_day())


if __name__ == "__main__":
    main()
