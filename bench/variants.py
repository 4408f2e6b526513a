"""A second catalog vocabulary, unlike `bench.catalog`'s homeware: a Shopify-style apparel and
hardware shop with variant families (one title per colour and size, colour and size last),
model codes with hyphens (`KZ-8989S`), short 4-letter words, and the queries shoppers type on it.

Nothing in microindex was tuned on these words: they are made up from syllables here.
"""

from __future__ import annotations

import random
import string
from decimal import Decimal

from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product

COLOURS = ("Rust", "Teal", "Sand", "Plum", "Jade", "Ruby", "Moss", "Clay", "Sage", "Slate")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
FITS = ("Slim Fit", "Relaxed Fit", "Regular", "Boxy", "Tapered")
FABRICS = ("Organic Cotton", "Linen", "Merino", "Wool Blend", "Hemp", "Corduroy", "Denim")
GARMENTS = ("Oxford Shirt", "Coat", "Vest", "Parka", "Tunic", "Cardigan", "Jacket", "Smock")
TOOLS = ("Cordless Drill", "Angle Grinder", "Jigsaw", "Heat Gun", "Impact Driver", "Sander")
_START = ("ash", "fen", "hol", "mar", "kes", "wyn", "dal", "bro", "tor", "lin", "quel", "vard")
_MIDDLE = ("grove", "haven", "wick", "mere", "stow", "ford", "combe", "ley", "thorn", "dene")
JUNK = ("🔨", "*", "'", "x" * 10_000, "((", "<!--", "=", "\x00\x1f", "---", "🧵🪡")


def names(count: int, rng: random.Random) -> list[str]:
    """Made-up line names (Fenhaven, Ashgrove), none of them English words."""
    made = sorted({(a + b).title() for a in _START for b in _MIDDLE})
    rng.shuffle(made)
    return made[:count]


def generate(families: int, seed: int = 11) -> list[Product]:
    """`families` apparel families of colour x size variants, and one tool per model code."""
    rng = random.Random(seed)
    lines = names(families, rng)
    products: list[Product] = []
    for i, line in enumerate(lines):
        fit, fabric, garment = rng.choice(FITS), rng.choice(FABRICS), rng.choice(GARMENTS)
        base = f"{line} Heritage {fit} {fabric} {garment}"
        for colour in rng.sample(COLOURS, 4):
            for size in SIZES:
                sku = Sku(f"AP{i:04d}-{COLOURS.index(colour)}-{size}")
                attributes = (("colour", colour), ("size", size), ("fabric", fabric))
                products.append(_product(sku, f"{base} - {colour} / {size}", attributes))
        code = _code(rng)
        tool = rng.choice(TOOLS)
        model: tuple[tuple[str, str], ...] = (("model", code),)
        products.append(_product(Sku(f"TL{i:04d}"), f"{line} {tool} {code}", model))
    return products


def _code(rng: random.Random) -> str:
    letters = "".join(rng.choices(string.ascii_uppercase, k=2))
    return f"{letters}-{rng.randint(1000, 9999)}{rng.choice('SPX')}"


def _product(sku: Sku, title: str, attributes: tuple[tuple[str, str], ...]) -> Product:
    return Product(
        sku,
        title,
        Money(Decimal("24.00"), "GBP"),
        description=f"{title}. Made to last, mended when it does not.",
        brand=title.split()[0],
        category="Tools" if sku.value.startswith("TL") else "Apparel",
        attributes=attributes,
    )


def typo(word: str, rng: random.Random) -> str:
    """One edit anywhere but the first letter: dropped, doubled, swapped or wrong."""
    at = rng.randrange(1, len(word))
    kind = rng.randrange(4) if at < len(word) - 1 else rng.choice((0, 1, 3))
    if kind == 0:
        return word[:at] + word[at + 1 :]
    if kind == 1:
        return word[:at] + word[at] + word[at:]
    if kind == 2:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    letter = rng.choice([c for c in "aeioustrnlk" if c != word[at].lower()])
    return word[:at] + letter + word[at + 1 :]


def queries(products: list[Product], count: int, seed: int = 5) -> list[tuple[str, str, str]]:
    """(form, text, wanted SKU): whole titles pasted, one typo in a word of 4 or more letters
    (line, fabric, garment and colour, with the size), model codes without their hyphen."""
    rng = random.Random(seed)
    apparel = [p for p in products if p.category == "Apparel"]
    tools = [p for p in products if p.category == "Tools"]
    found: list[tuple[str, str, str]] = []
    for p in rng.sample(apparel, min(count, len(apparel))):
        found.append(("whole-title", p.title, p.sku.value))
        held = dict(p.attributes)
        line, garment = p.title.split()[0], p.title.split(" - ")[0].split()[-1]
        fabric, colour, size = held["fabric"].split()[-1], held["colour"], held["size"]
        short = rng.choice(  # each names one product, or its sizes
            (
                [line, fabric, colour],  # "Fenhaven Linen Ble"
                [line, fabric, garment, colour],  # "Fenhaven Merino Coat Rst"
                [line, garment, colour, size],  # "Ashgrove Shirt Rust XXL"
            )
        )
        typed = [i for i, w in enumerate(short) if len(w) >= 4 and w.isalpha()]
        at = rng.choice(typed)
        short[at] = typo(short[at], rng)
        found.append(("typo-1", " ".join(short), p.sku.value))
    for p in rng.sample(tools, min(count, len(tools))):
        code = dict(p.attributes)["model"]
        found.append(("code-joined", code.replace("-", ""), p.sku.value))
    return found
