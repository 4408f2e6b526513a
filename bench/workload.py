"""The benchmark's query mix and known-item relevance queries, drawn from a generated catalog."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from bench.catalog import SYNONYMS, typo
from microindex.domain.product import Product
from microindex.domain.search.query import Synonyms, query_head
from microindex.domain.search.text import tokens

WANDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "wands" / "query.csv"


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # exact, multi-word, typo-1, typo-2, prefix, faceted, in-stock, wands
    text: str
    category: str | None = None  # faceted: filter by the product's category
    in_stock: bool = False


NODE = "shopfront"  # the node whose stock the in-stock queries filter on


def stocked(products: list[Product], seed: int = 3) -> dict[str, dict[str, int]]:
    """About 30% of the catalog on hand at `NODE`, the same for every engine."""
    rng = random.Random(seed)
    return {p.sku.value: {NODE: rng.randint(1, 9)} for p in products if rng.random() < 0.3}


def _words(product: Product) -> list[str]:
    return product.title.replace(",", "").split()


def one_typo(text: str, rng: random.Random) -> str | None:
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return None
    i = rng.choice(long)
    words[i] = _changed(words[i], rng)
    return " ".join(words)


def two_typos(text: str, rng: random.Random) -> str | None:
    words = text.split()
    nine = [i for i, w in enumerate(words) if len(w) >= 9 and w.isalpha()]
    five = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if nine and rng.random() < 0.5:
        i = rng.choice(nine)
        words[i] = _changed(_changed(words[i], rng), rng)
    elif len(five) >= 2:
        for i in rng.sample(five, 2):
            words[i] = _changed(words[i], rng)
    else:
        return None
    return " ".join(words)


def _changed(word: str, rng: random.Random) -> str:
    for _ in range(10):
        changed = typo(word, rng)
        if changed.lower() != word.lower():
            return changed
    return word


def with_synonym(text: str, synonyms: Synonyms, rng: random.Random) -> str | None:
    words = text.split()
    options = [i for i, w in enumerate(words) if synonyms.of(w.lower())]
    if not options:
        return None
    i = rng.choice(options)
    words[i] = rng.choice(synonyms.of(words[i].lower()))
    return " ".join(words)


def query_mix(products: list[Product], per_kind: int, seed: int = 11) -> list[Query]:
    rng = random.Random(seed)
    sample = rng.sample(products, per_kind * 2)
    mix: list[Query] = []
    for p in sample[:per_kind]:
        words = _words(p)
        mix.append(Query("exact", p.title))
        mix.append(Query("multi-word", " ".join(rng.sample(words[1:], min(2, len(words) - 1)))))
        mix.append(Query("typo-1", one_typo(" ".join(words[:3]), rng) or p.title))
        mix.append(Query("typo-2", two_typos(" ".join(words), rng) or p.title))
        cut = words[-1][: max(2, len(words[-1]) // 2)]
        mix.append(Query("prefix", " ".join([*words[1:-1], cut])))
    for p in sample[per_kind:]:
        noun = _words(p)[-1] if p.title.count(" in ") == 0 else p.title.split(" in ")[0].split()[-1]
        mix.append(Query("faceted", noun, category=p.category))
        mix.append(Query("in-stock", " ".join(_words(p)[1:3]), in_stock=True))
    return mix + wands_queries()


def wands_queries() -> list[Query]:
    if not WANDS.exists():
        return []
    with WANDS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Query("wands", row["query"]) for row in rows if row.get("query")]


def known_items(products: list[Product], count: int, seed: int = 5) -> list[tuple[str, str, str]]:
    """(form, query, sku): each query must find its product in the top 10."""
    rng = random.Random(seed)
    synonyms = Synonyms.parse(SYNONYMS)
    found: list[tuple[str, str, str]] = []
    for p in rng.sample(products, count):
        title = p.title.replace(",", "")
        forms = {
            "exact": title,
            "partial": " ".join(title.split()[:3]),
            "typo-1": one_typo(title, rng),
            "typo-2": two_typos(title, rng),
            "synonym": with_synonym(title, synonyms, rng),
        }
        found.extend((form, text, p.sku.value) for form, text in forms.items() if text)
    return found


def words_of(text: str) -> list[str]:
    """The words the plain engines get: microindex's words, so they are given the same bound."""
    return tokens(query_head(text)[0])
