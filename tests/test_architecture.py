"""The shape of the house: the domain stays pure, and nothing connects at import time."""

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "microindex"
DOMAIN = SRC / "domain"
IMPURE_STDLIB = {"os", "socket", "sqlite3", "subprocess", "threading", "time", "random", "io"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library_and_itself(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        if name.startswith("microindex."):
            assert name.startswith("microindex.domain"), f"{path.name} imports {name}"
            continue
        assert top in sys.stdlib_module_names or top == "__future__", f"{path.name}: {name}"
        assert top not in IMPURE_STDLIB, f"{path.name} reaches the outside world via {name}"


def test_the_domain_never_reads_the_clock() -> None:
    for path in DOMAIN.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", "date.today(", "datetime.utcnow(", "time.time("):
            assert call not in text, f"{path.name} reads the clock ({call})"


def test_no_module_connects_or_reads_the_environment_at_import() -> None:
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.Expr | ast.AnnAssign):
                source = ast.unparse(node)
                for risky in ("connect(", "os.environ[", "getenv(", "Thread(", "open("):
                    assert risky not in source, f"{path.relative_to(SRC)} runs {risky} at import"


def test_only_a_store_reading_its_own_rows_makes_unchecked_products() -> None:
    """`stored_product` skips every check: rows a store wrote from checked products only,
    never an import, the wire, a hub's reply or an outbox payload (ADR 0035)."""
    callers = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if "stored_product" in path.read_text(encoding="utf-8")
    }
    assert callers == {
        "domain/product.py",
        "adapters/sqlite/stores.py",
        "adapters/postgres/stores.py",
    }
