"""A deterministic, Wayfair-like catalog generator, shared by the benchmark and the tests.

`generate(n)` gives n products with realistic titles (collection, material, noun, colour),
brands, categories, attributes, prices and valid GTINs; the same n and seed give the same
catalog on every machine. `SYNONYMS` are the synonym groups the catalog's nouns use.
"""

from __future__ import annotations

import random
from decimal import Decimal

from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin, gs1_check_digit
from microindex.domain.money import Money
from microindex.domain.product import Product

# category: (nouns, price range, materials)
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[int, int], tuple[str, ...]]] = {
    "Sofas": (
        ("sofa", "loveseat", "sectional", "futon", "chesterfield sofa", "sleeper sofa"),
        (299, 2499),
        ("velvet", "linen", "leather", "boucle", "microfiber"),
    ),
    "Accent Chairs": (
        ("armchair", "accent chair", "wingback chair", "club chair", "recliner"),
        (129, 999),
        ("velvet", "linen", "leather", "rattan", "boucle"),
    ),
    "Dining Tables": (
        ("dining table", "drop leaf table", "pedestal table", "bistro table"),
        (149, 1899),
        ("oak", "walnut", "pine", "marble", "glass", "acacia"),
    ),
    "Coffee Tables": (
        ("coffee table", "cocktail table", "lift top coffee table", "nesting tables"),
        (89, 899),
        ("oak", "walnut", "glass", "marble", "metal", "mango wood"),
    ),
    "Beds": (
        ("platform bed", "sleigh bed", "canopy bed", "daybed", "bunk bed", "storage bed"),
        (199, 2199),
        ("oak", "metal", "velvet", "pine", "upholstered", "rattan"),
    ),
    "Dressers": (
        ("dresser", "chest of drawers", "tallboy", "nightstand", "wardrobe"),
        (99, 1499),
        ("oak", "walnut", "pine", "mango wood", "rattan"),
    ),
    "Area Rugs": (
        ("area rug", "runner rug", "shag rug", "round rug", "outdoor rug"),
        (39, 899),
        ("wool", "jute", "cotton", "polypropylene", "sisal"),
    ),
    "Lighting": (
        ("floor lamp", "table lamp", "pendant light", "chandelier", "wall sconce"),
        (29, 799),
        ("brass", "ceramic", "glass", "rattan", "metal", "linen"),
    ),
    "Wall Decor": (
        ("wall mirror", "canvas print", "wall clock", "framed print", "wall shelf"),
        (19, 399),
        ("oak", "metal", "glass", "canvas", "brass"),
    ),
    "Bedding": (
        ("duvet cover", "quilt", "sheet set", "comforter set", "throw blanket"),
        (25, 349),
        ("cotton", "linen", "bamboo", "flannel", "silk"),
    ),
    "Cushions": (
        ("throw pillow", "cushion", "floor cushion", "lumbar pillow", "bolster"),
        (12, 129),
        ("velvet", "linen", "cotton", "boucle", "wool"),
    ),
    "Kitchen": (
        ("mug", "teapot", "serving bowl", "dinner plate", "cutting board", "kettle"),
        (8, 199),
        ("ceramic", "stoneware", "porcelain", "acacia", "enamel", "glass"),
    ),
    "Storage": (
        ("bookcase", "storage bench", "shoe rack", "basket", "storage cabinet"),
        (19, 699),
        ("oak", "metal", "rattan", "seagrass", "pine"),
    ),
    "Outdoor": (
        ("patio set", "hammock", "garden bench", "sun lounger", "fire pit", "planter"),
        (39, 1999),
        ("teak", "aluminium", "rattan", "concrete", "acacia"),
    ),
    "Office": (
        ("desk", "office chair", "filing cabinet", "standing desk", "desk lamp"),
        (59, 1299),
        ("oak", "metal", "walnut", "mesh", "leather"),
    ),
    "Bathroom": (
        ("bath towel", "bath mat", "vanity", "shower curtain", "faucet", "mirror cabinet"),
        (9, 999),
        ("cotton", "bamboo", "marble", "brass", "chrome"),
    ),
    "Kids": (
        ("toddler bed", "toy box", "kids desk", "play tent", "bean bag"),
        (29, 599),
        ("pine", "cotton", "canvas", "plastic", "velvet"),
    ),
}
COLOURS = (
    "navy",
    "ivory",
    "charcoal",
    "sage",
    "terracotta",
    "mustard",
    "blush",
    "black",
    "white",
    "grey",
    "emerald",
    "teal",
    "cream",
    "natural",
    "walnut brown",
    "rust",
    "olive",
    "indigo",
    "burgundy",
    "sand",
    "gold",
    "silver",
    "beige",
    "taupe",
    "coral",
)
STYLES = (
    "modern",
    "rustic",
    "scandinavian",
    "industrial",
    "farmhouse",
    "mid century",
    "bohemian",
    "coastal",
    "traditional",
    "minimalist",
    "art deco",
    "japandi",
)
SIZES = (
    "small",
    "medium",
    "large",
    "extra large",
    "twin",
    "queen",
    "king",
    "2 seater",
    "3 seater",
    "60 inch",
    "72 inch",
    "set of 2",
    "set of 4",
)
_SYLLABLES = (
    "ash",
    "bel",
    "cor",
    "dal",
    "el",
    "fen",
    "gar",
    "hal",
    "is",
    "kel",
    "lan",
    "mar",
    "nor",
    "or",
    "pen",
    "quin",
    "ros",
    "sel",
    "tor",
    "wyn",
    "bri",
    "cal",
    "dor",
    "ev",
    "har",
    "lo",
    "mel",
    "rey",
    "sto",
    "val",
)
_ENDINGS = (
    "by",
    "ton",
    "ley",
    "wood",
    "ford",
    "ridge",
    "more",
    "field",
    "ham",
    "well",
    "stead",
    "cote",
    "worth",
    "dale",
    "mont",
    "ville",
)
_FIRST = (
    "Wade",
    "Mercury",
    "Lark",
    "Birch",
    "Willa",
    "August",
    "Greyleigh",
    "Gracie",
    "Zipcode",
    "Red Barrel",
    "Ebern",
    "Three Posts",
    "Latitude",
    "Laurel",
    "Rosalind",
    "Foundstone",
    "Hashtag",
    "Trule",
    "Union",
    "Sand",
    "Beachcrest",
    "Millwood",
    "Highland",
    "Canora",
    "Orren",
    "Loon",
    "Dakota",
    "Andover",
    "Alcott",
    "Steelside",
)
_LAST = (
    "Logan",
    "Row",
    "Manor",
    "Lane",
    "Arlo",
    "Grove",
    "Oaks",
    "Designs",
    "Home",
    "Studio",
    "Mills",
    "Pines",
    "Peak",
    "Wheeler",
    "Ellis",
    "Rural",
    "House",
    "Co",
    "Works",
    "Hill",
)
SYNONYMS = (
    "sofa, couch, settee",
    "rug, carpet",
    "cushion, pillow",
    "duvet, comforter",
    "wardrobe, armoire, closet",
    "faucet, tap",
    "mug, cup",
    "sideboard, buffet",
    "lamp, light",
    "nightstand, bedside",
)
_FILLER = (
    "Built to last with a sturdy frame and careful finishing.",
    "Easy to clean and simple to assemble at home.",
    "A relaxed piece that brings warmth to any room.",
    "Pairs well with natural textures and soft lighting.",
    "Designed in a small studio and made in limited runs.",
    "Ships flat packed with every tool you need.",
)


def collections(count: int, rng: random.Random) -> list[str]:
    names = sorted(
        {
            (a + b + c).capitalize()
            for a in _SYLLABLES
            for b in ("", *_SYLLABLES[:6])
            for c in _ENDINGS
        }
    )
    rng.shuffle(names)
    return names[:count]


def brands(rng: random.Random) -> list[str]:
    names = [f"{first} {last}" for first in _FIRST for last in _LAST]
    rng.shuffle(names)
    return names[:180]


def gtin_for(i: int) -> Gtin:
    body = f"50{i:010d}"
    return Gtin.parse(body + str(gs1_check_digit(body)))


def generate(count: int, seed: int = 7, currency: str = "GBP") -> list[Product]:
    rng = random.Random(seed)
    names = collections(max(200, count // 25), rng)
    makers = brands(rng)
    kinds = sorted(CATEGORIES)
    seen: set[str] = set()
    products: list[Product] = []
    i = 0
    while len(products) < count:
        i += 1
        category = kinds[rng.randrange(len(kinds))]
        product = _product(i, category, rng.choice(names), rng.choice(makers), rng, currency)
        key = product.title.lower()
        if key in seen:
            continue
        seen.add(key)
        products.append(product)
    return products


def _product(
    i: int, category: str, collection: str, brand: str, rng: random.Random, currency: str
) -> Product:
    nouns, (low, high), materials = CATEGORIES[category]
    noun, material, colour = rng.choice(nouns), rng.choice(materials), rng.choice(COLOURS)
    style = rng.choice(STYLES)
    size = rng.choice(SIZES) if rng.random() < 0.35 else ""
    shape = rng.random()
    words = [collection, material.title(), noun.title()]
    if shape < 0.4:
        words.insert(1, style.title())
    title = " ".join(words) + (f" in {colour.title()}" if shape > 0.3 else "")
    title += f", {size.title()}" if size else ""
    price = Decimal(rng.randint(low, high)) - Decimal("0.01")
    description = (
        f"The {collection} {noun} in {colour} {material} brings a {style} look to your home. "
        + " ".join(rng.sample(_FILLER, 3))
    )
    attributes = [("colour", colour), ("material", material), ("style", style)]
    if size:
        attributes.append(("size", size))
    return Product(
        sku=Sku(f"{category[:3].upper()}-{i:06d}"),
        title=title,
        price=Money(max(price, Decimal("0.99")), currency),
        gtin=gtin_for(i),
        description=description,
        brand=brand,
        category=category,
        attributes=tuple(attributes),
    )


def typo(word: str, rng: random.Random) -> str:
    """One edit a shopper makes: a letter dropped, doubled, swapped with the next, or wrong."""
    if len(word) < 3:
        return word
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:at] + word[at + 1 :]
    if kind == 1:
        return word[:at] + word[at] + word[at:]
    if kind == 2:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    letter = rng.choice([c for c in "aeioustrnl" if c != word[at]])
    return word[:at] + letter + word[at + 1 :]


if __name__ == "__main__":  # the catalog import bench: see bench/catalog_import.py
    import sys

    from bench.catalog_import import main

    sys.exit(main())
