"""Render a CLI command's coloured output to SVG for the README.

    .venv/bin/python docs/img/make_cli_image.py docs/img/stock-show.svg -- \
        microindex -w microindex-demo stock show --node locker
"""

import io
import os
import subprocess
import sys

from rich.console import Console
from rich.text import Text

out, command = sys.argv[1], sys.argv[sys.argv.index("--") + 1 :]
env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "96", "TTY_COMPATIBLE": "1"}
shown = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
console = Console(record=True, width=96, file=io.StringIO())
console.print(Text.from_ansi("\n".join(shown.splitlines()[:24]) + "\n…"))
console.save_svg(out, title="$ microindex " + " ".join(command[1:]))
