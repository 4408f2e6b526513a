"""The `SearchIndex` port on tantivy: a directory in the workspace, or RAM for tests.

An index directory has one writer at a time across every process that opens it (hub workers,
a node agent, a CLI search): `writing()` takes an exclusive lock on a file beside it, waits up to
`WRITER_WAIT_S` for it, then loads the last commit (documents and marks together) before the
caller brings it up to date; tantivy's own writer is opened inside and closed before the lock is
let go. A caller that cannot get the lock in time reads the last commit instead of failing.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any

import tantivy

from microindex.adapters.search import schema as f
from microindex.adapters.search.clauses import match_clause
from microindex.adapters.search.queries import (
    ATTRIBUTE_PREFIX,
    BRANDS,
    CATEGORIES,
    any_of,
    facet_request,
    plan_query,
    unknown_words,
    without_typos,
)
from microindex.adapters.search.vocabulary import Vocabulary
from microindex.domain.product import Product
from microindex.domain.search.facets import (
    ATTRIBUTE_VALUES,
    Facets,
    FacetValue,
    PriceBand,
    count_facets,
    facet_names,
    ranked,
    ranked_by_value,
)
from microindex.domain.search.query import QueryTerm
from microindex.domain.search.request import SortOrder
from microindex.domain.search.searched import searched
from microindex.service.search import EngineHit, EnginePage, IndexEntry, SearchPlan

MARKS_FILE = "marks.json"
LOCK_SUFFIX = ".writer.lock"  # beside the directory, whatever the schema
STAGING = ".new-"  # a new index's directory before it is renamed into place
WRITER_WAIT_S = 10.0  # how long a caller waits for another process's write before reading
_RETRY_S = 0.02
WRITER_HEAP = 200_000_000  # an upper bound: 100,000 products fit one segment
KEPT_WORDS = 50_000  # words a commit's view remembers whether typos find (then starts over)
KEPT_HITS = 5_000  # decoded documents a commit's view keeps (about 1.7 kB each), then starts over


class TantivyIndex:
    """Derived data: a schema change, or a Python whose marshal may read the stored data
    otherwise (`schema.schema_stamp`), starts a new directory (the writer removes the old one),
    and the next catch-up builds it."""

    def __init__(
        self, path: Path | None = None, writer_threads: int = 1, wait_s: float = WRITER_WAIT_S
    ) -> None:
        self._path = path
        self._wait_s = wait_s
        self._threads = writer_threads
        self._schema = f.build_schema()
        self._marks: dict[str, str] = {}
        self._generation = -1  # of the commit last loaded (counted in the marks file)
        # The index of this schema: a directory of its own, so opening never wipes files
        # another process (on this schema or an older one) is reading or writing.
        self._home = None if path is None else path / f.schema_stamp()
        if self._home is None:
            self._index = tantivy.Index(self._schema)
        else:
            self._index = self._open(self._home)
        f.register_analyzer(self._index)
        self._writer: Any = None
        self._view = _View(self._index.searcher(), self._schema)
        # SKUs written since the index was last known empty (None: it may hold any): a SKU
        # not written since needs no delete before its add, which keeps a build fast.
        self._added: set[str] | None = set() if self._view.searcher.num_docs == 0 else None

    def _open(self, home: Path) -> tantivy.Index:
        if not (home / "meta.json").exists():
            self._create(home)
        self._load_marks(self._stored_marks())
        return tantivy.Index(self._schema, path=str(home))

    def _create(self, home: Path) -> None:
        """An empty index made aside and renamed into place: of processes opening a new index
        at once, one rename wins and the others open what it made."""
        home.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=home.name + STAGING, dir=home.parent))
        tantivy.Index(self._schema, path=str(staging))
        try:
            staging.rename(home)
        except OSError:  # another process made it first
            shutil.rmtree(staging, ignore_errors=True)

    def _load_marks(self, stored: Mapping[str, Any]) -> None:
        self._marks = {k: str(v) for k, v in stored.items() if k not in ("schema", "generation")}
        self._generation = int(stored.get("generation", 0))

    def _stored_marks(self) -> dict[str, Any]:
        assert self._home is not None
        marks_file = self._home / MARKS_FILE
        found: dict[str, Any] = json.loads(marks_file.read_text()) if marks_file.exists() else {}
        return found

    def _drop_other_schemas(self) -> None:
        """As the writer: remove what older schemas left beside this one's directory."""
        assert self._path is not None and self._home is not None
        for old in self._path.iterdir():
            if old.name == self._home.name or old.name.startswith(self._home.name + STAGING):
                continue
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)

    def refresh(self) -> None:
        """Load the last commit, whoever made it (the marks first: the documents are written
        before the marks, so they are at least as new as the marks loaded)."""
        if self._home is None:
            return
        stored = self._stored_marks()
        if int(stored.get("generation", 0)) == self._generation:
            return
        self._load_marks(stored)
        self._index.reload()
        self._reopened()

    def _reopened(self) -> None:
        # One swap: a search running keeps its own.
        self._view = _View(self._index.searcher(), self._schema)

    @contextmanager
    def writing(self) -> Iterator[bool]:
        """Be the index's one writer while inside (True), on the last commit; False when
        another process kept it past `wait_s`: the last commit is loaded, to read."""
        if self._path is None:
            yield True
            return
        lock_file = self._path.with_name(self._path.name + LOCK_SUFFIX)
        handle = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            held = _lock(handle, self._wait_s)
            self.refresh()
            if held:
                self._drop_other_schemas()
                self._added = set() if self._view.searcher.num_docs == 0 else None
            try:
                yield held
            finally:
                self.close()  # tantivy's writer (and its own lock) goes before ours
                self._added = None
        finally:
            os.close(handle)  # lets the lock go

    def _writing(self) -> Any:
        if self._writer is None:
            self._writer = self._index.writer(WRITER_HEAP, self._threads)
        return self._writer

    def upsert(self, entries: Sequence[IndexEntry]) -> None:
        writer, added = self._writing(), self._added
        documents = f.Documents(f.facet_columns(entries, self._view.named_products()))
        for entry in entries:
            sku = entry.values[0]
            if added is None or sku in added:
                writer.delete_documents_by_term(f.CODES, sku)
            else:
                added.add(sku)
            writer.add_document(documents.make(entry))

    def delete(self, skus: Sequence[str]) -> None:
        if skus:
            writer = self._writing()
            for sku in skus:
                writer.delete_documents_by_term(f.CODES, sku)

    def clear(self) -> None:
        self._writing().delete_all_documents()
        self._added = set()

    def commit(self, marks: Mapping[str, str]) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._index.reload()
            self._reopened()
            self._added = None  # a build is one commit: keep no set of every SKU after it
        self._marks = dict(marks)
        self._generation += 1
        if self._home is not None:
            last = int(self._stored_marks().get("generation", 0))
            self._generation = max(self._generation, last + 1)
            temporary = self._home / (MARKS_FILE + ".tmp")
            stored = {**self._marks, "generation": self._generation}
            temporary.write_text(json.dumps(stored))
            temporary.replace(self._home / MARKS_FILE)

    def marks(self) -> dict[str, str]:
        return dict(self._marks)

    def differing(self, products: Iterable[Product]) -> set[str]:
        searcher = self._view.searcher
        found = searcher.search(tantivy.Query.all_query(), max(searcher.num_docs, 1), False)
        indexed = {}
        for _, address in found.hits:
            values = f.held_in_data(searcher.doc(address).get_first(f.DATA))
            indexed[values[0]] = values
        changed = set()
        for product in products:
            if indexed.pop(product.sku.value, None) != searched(product):
                changed.add(product.sku.value)
        return changed | indexed.keys()  # and those gone

    def search(self, plan: SearchPlan) -> EnginePage:
        """The scored query finds the page and the count. Facets are counted from the page when
        it holds every hit or when words were let go (a relaxed query matches much of the
        catalog: its facets count the hits shown), else by one unscored pass of a narrower
        query matching the same set. (Running that pass on a second thread beside the scored
        one was slower on two busy cores: handing the GIL over costs more than the pass.)
        A relaxed step that keeps several words is counted unscored first (`_any_match`); a step
        needing more words than can match (the index lacks them, and their typos, counted once
        a commit, find nothing) is not asked at all (ADR 0047)."""
        view = self._view  # this commit's, whatever a writer thread commits meanwhile
        searcher = view.searcher
        relaxed = plan.must_match < len(plan.query.terms)
        loose, unmatched = unknown_words(view.vocabulary, plan, relaxed)
        if relaxed and loose:  # the words all must match found nothing: some typos may not
            gone = frozenset(t.text for t in plan.query.terms if view.finds_nothing(t, loose))
            plan, unmatched = without_typos(plan, gone), unmatched + len(gone)
        elif loose and not plan.query.codes and view.found_nothing(plan.query.terms, loose):
            unmatched += 1  # a word every hit must hold is known to match nothing
        if unmatched > len(plan.query.terms) - plan.must_match or (
            relaxed and plan.must_match > 1 and not self._any_match(view, plan, loose)
        ):
            return EnginePage([], 0, Facets() if plan.request.facets else None, loose)
        found, ordered = self._page(view, plan, loose)
        total = int(getattr(found, "count", 0) or 0)  # the stubs omit `count`
        hits = [view.hit(0.0 if ordered else score, address) for score, address in found.hits]
        facets: Facets | None = None
        if plan.request.facets and total:
            if relaxed or (plan.request.offset == 0 and len(hits) == total):
                facets = count_facets(hits, plan.bands, view.attribute_names())
            if facets is None:
                shown = hits if relaxed else None
                fixed = _fixed(plan) if shown is None else {}
                raw = searcher.aggregate(*self._facet_query(view, plan, loose, shown, fixed))
                facets = _facets(raw, plan.bands, {k: ((v, total),) for k, v in fixed.items()})
        elif plan.request.facets:
            facets = Facets()
        return EnginePage(hits, total, facets, loose)

    def _any_match(self, view: _View, plan: SearchPlan, loose: frozenset[str]) -> bool:
        """Whether the plan finds anything, by its unscored query: a relaxed step that still
        needs several words ("all but one" of a longer query) usually finds nothing, and then
        the scored query, several times dearer, is not run."""
        matched = plan_query(self._schema, view.vocabulary, plan, loose, scored=False)
        unscored = tantivy.Query.const_score_query(matched, 0.0)  # no BM25 for its top 1
        return bool(getattr(view.searcher.search(unscored, 1, True), "count", 0))

    def _facet_query(
        self,
        view: _View,
        plan: SearchPlan,
        loose: frozenset[str],
        shown: list[EngineHit] | None,
        fixed: Mapping[str, str],
    ) -> tuple[Any, dict[str, Any]]:
        """The documents facets count: the plan's, or only those `shown`; the facets `fixed`
        by a filter are not asked for."""
        if shown is not None:
            matched = any_of(self._schema, f.CODES, [h.sku for h in shown])
        else:
            matched = plan_query(self._schema, view.vocabulary, plan, loose, scored=False)
        return matched, facet_request(plan.bands, view.attribute_names(), frozenset(fixed))

    def _page(self, view: _View, plan: SearchPlan, loose: frozenset[str]) -> tuple[Any, bool]:
        request = plan.request
        order: dict[str, Any] = {}
        if request.sort in (SortOrder.PRICE_ASC, SortOrder.PRICE_DESC):
            ascending = request.sort is SortOrder.PRICE_ASC
            order = {
                "order_by_field": f.PRICE,
                "order": tantivy.Order.Asc if ascending else tantivy.Order.Desc,
            }
        query = plan_query(self._schema, view.vocabulary, plan, loose)
        found = view.searcher.search(query, request.limit, True, offset=request.offset, **order)
        return found, bool(order)

    def size_bytes(self) -> int:
        if self._home is None:
            return 0
        return sum(p.stat().st_size for p in self._home.rglob("*") if p.is_file())

    def close(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None


class _View:
    """One commit as searches see it: its searcher, what its term dictionary says, the
    attribute names that get facets (read once), and the words whose typos find nothing."""

    def __init__(self, searcher: Any, schema: tantivy.Schema) -> None:
        self.searcher = searcher
        self.vocabulary = Vocabulary(searcher)
        self._schema = schema
        self._names: tuple[str, ...] | None = None
        self._nothing: dict[QueryTerm, bool] = {}
        self._shown: dict[tuple[int, int], f.HitParts] = {}

    def hit(self, score: float, address: Any) -> EngineHit:
        """The hit at `address` with `score`: its stored document read and decoded once for
        this commit (a commit's documents never change, and a catalog's popular products come
        up in search after search), at most `KEPT_HITS` of them at a time."""
        key = (address.segment_ord, address.doc)
        parts = self._shown.get(key)
        if parts is None:
            if len(self._shown) >= KEPT_HITS:
                self._shown.clear()
            raw = self.searcher.doc(address).get_first(f.DATA)
            parts = self._shown[key] = f.hit_parts(raw)
        return f.hit_of(score, parts)

    def finds_nothing(self, term: QueryTerm, loose: frozenset[str]) -> bool:
        """Whether `term`, a word the index lacks looked up with typos (in `loose`), matches no
        document at all, typos and completions counted, by one unscored count remembered for
        this commit. Asked once every word together found nothing: a typo no indexed word is
        near (most of a shopper's words the catalog lacks) then counts as a word that cannot
        match, and each relaxed step leaves its typo automata out (two for the scored query,
        one for the count; each costs 20-120 microseconds to build and run; ADR 0047)."""
        if term.text not in loose:
            return False
        found = self._nothing.get(term)
        if found is None:
            if len(self._nothing) > KEPT_WORDS:
                self._nothing.clear()
            clause = self.vocabulary.clause(
                (False, term, True), lambda: match_clause(self._schema, self.vocabulary, term, True)
            )
            found = self._nothing[term] = not self.searcher.search(clause, 1, True).count
        return found

    def found_nothing(self, terms: Iterable[QueryTerm], loose: frozenset[str]) -> bool:
        """Whether one of `terms` looked up with typos (in `loose`) is known, from an earlier
        search of this commit, to match nothing (`finds_nothing`): then no document holds every
        word, and the scored query that would find none is not run (asks the engine nothing)."""
        nothing = self._nothing
        return any(nothing.get(t, False) for t in terms if t.text in loose)

    def named_products(self) -> list[tuple[str, int]]:
        """(attribute name, products having it) of this commit."""
        return f.named_products(self.searcher.terms_with_prefix(f.ATTRIBUTE_NAMES, ""))

    def attribute_names(self) -> tuple[str, ...]:
        if self._names is None:
            self._names = facet_names(self.named_products())
        return self._names


def _lock(handle: int, wait_s: float) -> bool:
    """Take the exclusive lock on `handle`, trying until `wait_s` has passed."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_RETRY_S)


_KEY_COUNT = itemgetter("key", "doc_count")  # a bucket as a (value, count) pair


def _fixed(plan: SearchPlan) -> dict[str, str]:
    """The facets a filter on one value fixes ("categories", "brands"), with that value: every
    hit holds it, so its facet is that value counted once a hit, and the engine need not
    aggregate it (ADR 0039)."""
    filters = plan.request.filters
    fixed = {}
    if len(filters.categories) == 1:
        fixed[CATEGORIES] = filters.categories[0]
    if len(filters.brands) == 1:
        fixed[BRANDS] = filters.brands[0]
    return fixed


def _facets(
    raw: dict[str, Any],
    bands: tuple[PriceBand, ...],
    fixed: Mapping[str, Iterable[tuple[str, int]]],
) -> Facets:
    def values(found: dict[str, Any] | None) -> tuple[FacetValue, ...]:
        if not found:
            return ()
        pairs = sorted(map(_KEY_COUNT, found["buckets"]))  # made and sorted in C
        if pairs and pairs[0][0] == f.NO_VALUE:  # an attribute column's blank sorts first
            del pairs[0]
        return ranked_by_value(pairs, ATTRIBUTE_VALUES)

    attributes = {}
    for key in sorted(raw):
        if key.startswith(ATTRIBUTE_PREFIX) and (found := values(raw[key])):
            attributes[key.removeprefix(ATTRIBUTE_PREFIX)] = found
    buckets = raw.get("prices", {}).get("buckets", ())
    if bands is f.BANDED or bands == f.BANDED:  # counted by band position
        by_position = {int(b["key"]): int(b["doc_count"]) for b in buckets}
        prices = tuple((band, by_position.get(i, 0)) for i, band in enumerate(bands))
    else:  # by range, keyed by label
        by_label = {str(b["key"]): int(b["doc_count"]) for b in buckets}
        prices = tuple((band, by_label.get(band.label, 0)) for band in bands)
    categories, brands = fixed.get(CATEGORIES), fixed.get(BRANDS)
    return Facets(
        ranked(categories) if categories is not None else values(raw.get(CATEGORIES)),
        ranked(brands) if brands is not None else values(raw.get(BRANDS)),
        attributes,
        prices,
    )
