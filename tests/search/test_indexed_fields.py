"""What a document holds of a product's codes (ADR 0043): its SKU as one term of `codes`, beside
its GTIN and, when the SKU mixes cases, its folded SKU; every code still found whatever its case,
and replacing a product's document never touches another's. And a word found in one part of a
product alone (the description, brand, category, an attribute, a tag) is found exactly, with a
typo and as a prefix."""

from __future__ import annotations

from microindex.adapters.search import schema
from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.gtin import Gtin
from microindex.domain.search.request import SearchRequest
from microindex.service.search import IndexEntry, search
from tests.search.conftest import product

CATALOG = [
    product(
        "LMP-1",
        "Desk Lamp",
        brand="Brightwood",
        category="Lighting",
        attributes=(("finish", "verdigris"),),
        tags=("studio",),
        description="Its shade is hand spun from copper.",
        gtin=Gtin.parse("5012345678900"),
    ),
    product("Kz-89aB", "Floor Lamp", brand="Ostrander", description="Tall and slim."),
    product("05012345678917", "Table Lamp", description="A lamp for a table."),
    product("gh-7", "Wall Lamp", description="Lights a wall."),
]


def built() -> TantivyIndex:
    index = TantivyIndex()
    index.upsert([IndexEntry.of(p, {}) for p in CATALOG])
    index.commit({"built": "1"})
    return index


def found(index: TantivyIndex, text: str) -> list[str]:
    return [h.sku for h in search(index, SearchRequest(text), None).hits]


def test_a_document_holds_its_sku_once_and_no_field_of_its_own() -> None:
    made = schema.document(IndexEntry.of(CATALOG[0], {})).to_dict()
    assert made[schema.CODES] == ["LMP-1", schema.GTIN_MARK + "05012345678900"]
    assert "sku" not in made
    mixed = schema.document(IndexEntry.of(CATALOG[1], {})).to_dict()
    assert mixed[schema.CODES] == ["Kz-89aB", schema.FOLDED_MARK + "kz-89ab"]
    assert schema.document(IndexEntry.of(CATALOG[3], {})).to_dict()[schema.CODES] == ["gh-7"]


def test_a_word_of_any_one_field_is_found_exactly_with_a_typo_and_as_a_prefix() -> None:
    index = built()
    for word, typo, prefix in (
        ("copper", "coper", "copp"),  # the description alone
        ("brightwood", "brigthwood", "brightw"),  # the brand alone
        ("lighting", "lightinq", "lightin"),  # the category alone
        ("verdigris", "verdigirs", "verdig"),  # an attribute's value alone
        ("studio", "studoi", "studi"),  # a tag alone
    ):
        assert found(index, word) == ["LMP-1"], word
        assert found(index, typo) == ["LMP-1"], typo
        assert found(index, prefix) == ["LMP-1"], prefix
        assert found(index, f"desk {typo}") == ["LMP-1"], typo


def test_a_sku_is_found_as_typed_in_either_case_and_first() -> None:
    index = built()
    for text in ("LMP-1", "lmp-1", "Kz-89aB", "KZ-89AB", "kz-89ab", "GH-7", "gh-7"):
        hits = found(index, text)
        assert hits and hits[0] in ("LMP-1", "Kz-89aB", "gh-7"), text
        assert hits[0].lower() == text.lower(), text
    assert found(index, "5012345678900")[0] == "LMP-1"
    assert found(index, "05012345678917")[0] == "05012345678917"  # a SKU of 14 digits


def test_replacing_a_product_whose_sku_is_anothers_gtin_keeps_the_other() -> None:
    """Deleting by SKU deletes the product alone: a GTIN or a folded SKU is marked."""
    index = built()
    again = product("05012345678900", "Pendant Lamp", description="Hangs low.")
    index.upsert([IndexEntry.of(again, {})])
    index.commit({"built": "1"})
    index.upsert([IndexEntry.of(again, {}), IndexEntry.of(product("kz-89ab", "Lamp"), {})])
    index.commit({"built": "1"})
    assert found(index, "desk lamp") == ["LMP-1"]
    assert found(index, "floor lamp") == ["Kz-89aB"]
    assert found(index, "pendant") == ["05012345678900"]
    assert set(found(index, "05012345678900")[:2]) == {"LMP-1", "05012345678900"}
