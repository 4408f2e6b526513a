"""In-memory packaging store: the fake service tests use, held to the SQLite store's contract."""

from __future__ import annotations

from microindex.domain.packaging import PackageTemplate, PackageUsed


class MemoryPackagingStore:
    def __init__(self) -> None:
        self._templates: dict[tuple[str, str], PackageTemplate] = {}
        self._used: dict[str, PackageUsed] = {}

    def save_template(self, node: str, template: PackageTemplate) -> None:
        self._templates[(node, template.code)] = template

    def templates(self, node: str) -> list[PackageTemplate]:
        return [t for (n, code), t in sorted(self._templates.items()) if n == node]

    def record(self, used: PackageUsed) -> None:
        self._used[used.order_ref] = used

    def for_order(self, order_ref: str) -> PackageUsed | None:
        return self._used.get(order_ref)

    def used(self, node: str | None = None) -> list[PackageUsed]:
        found = [u for u in self._used.values() if node is None or u.node == node]
        return sorted(found, key=lambda u: (u.at, u.order_ref))
