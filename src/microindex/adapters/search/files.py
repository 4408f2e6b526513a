"""Where search indexes live in a workspace: `search/hub/`, `search/nodes/<code>/`, and the
shop's synonyms in `search/synonyms.txt` (one group per line: `sofa, couch, settee`)."""

from __future__ import annotations

from pathlib import Path

from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.codes import NodeCode
from microindex.domain.search.query import Synonyms

SYNONYMS_FILE = "synonyms.txt"


def search_dir(workspace: Path) -> Path:
    return workspace / "search"


def index_path(workspace: Path, node: str | None) -> Path:
    if node is None:
        return search_dir(workspace) / "hub"
    return search_dir(workspace) / "nodes" / NodeCode(node).value


def open_index(workspace: Path, node: str | None) -> TantivyIndex:
    return TantivyIndex(index_path(workspace, node))


def load_synonyms(workspace: Path) -> Synonyms:
    file = search_dir(workspace) / SYNONYMS_FILE
    if not file.exists():
        return Synonyms()
    return Synonyms.parse(file.read_text(encoding="utf-8").splitlines())
