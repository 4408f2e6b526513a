"""About 200 ceramics products, generated deterministically from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin, gs1_check_digit
from microindex.domain.money import Money
from microindex.domain.product import Fragility, Product, Size

BRAND = "Hackney Clay Co."
COMPANY_PREFIX = "5069412"  # a made-up UK (50) GS1 company prefix
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """A product line: one shape, made in several glazes and sizes."""

    code: str
    name: str
    category: str
    price: int  # pounds for the smallest size
    sizes: tuple[tuple[str, str, Size, int], ...]  # (code, label, outer size, grams)
    fragility: Fragility
    blurb: str


_S = Size
LINES: tuple[Line, ...] = (
    Line(
        "MUG",
        "Mug",
        "Kitchen & Dining > Drinkware > Mugs",
        24,
        (("250", "250 ml", _S(110, 85, 95), 320), ("350", "350 ml", _S(125, 95, 105), 410)),
        Fragility.FRAGILE,
        "Thrown on the wheel in Hackney, with a generous handle.",
    ),
    Line(
        "CUP",
        "Espresso cup",
        "Kitchen & Dining > Drinkware > Cups",
        16,
        (("90", "90 ml", _S(70, 70, 60), 150),),
        Fragility.FRAGILE,
        "A small cup with a thick wall that keeps espresso hot.",
    ),
    Line(
        "BWL",
        "Bowl",
        "Kitchen & Dining > Tableware > Bowls",
        28,
        (("S", "small", _S(130, 130, 60), 330), ("L", "large", _S(180, 180, 80), 620)),
        Fragility.FRAGILE,
        "An everyday bowl for noodles, salads and porridge.",
    ),
    Line(
        "PLT",
        "Plate",
        "Kitchen & Dining > Tableware > Plates",
        30,
        (
            ("S", "side, 20 cm", _S(200, 200, 25), 480),
            ("D", "dinner, 27 cm", _S(270, 270, 30), 820),
        ),
        Fragility.FRAGILE,
        "A flat-rimmed stoneware plate, glazed inside and out.",
    ),
    Line(
        "VAS",
        "Bud vase",
        "Home Decor > Vases",
        32,
        (("S", "small", _S(70, 70, 120), 260), ("M", "medium", _S(90, 90, 180), 430)),
        Fragility.VERY_FRAGILE,
        "A narrow-necked vase for a single stem.",
    ),
    Line(
        "PLN",
        "Planter",
        "Home & Garden > Planters",
        38,
        (("12", "12 cm", _S(130, 130, 120), 700), ("18", "18 cm", _S(190, 190, 170), 1400)),
        Fragility.FRAGILE,
        "A planter with a drainage hole and a matching saucer.",
    ),
    Line(
        "JUG",
        "Jug",
        "Kitchen & Dining > Serveware > Jugs",
        42,
        (("500", "500 ml", _S(150, 110, 150), 690),),
        Fragility.VERY_FRAGILE,
        "A pouring jug with a pulled lip that does not drip.",
    ),
    Line(
        "TPT",
        "Teapot",
        "Kitchen & Dining > Serveware > Teapots",
        78,
        (("4", "four cups", _S(220, 150, 160), 1100),),
        Fragility.VERY_FRAGILE,
        "A four-cup teapot with a built-in strainer.",
    ),
    Line(
        "PLR",
        "Serving platter",
        "Kitchen & Dining > Serveware > Platters",
        64,
        (("O", "oval, 36 cm", _S(360, 240, 35), 1500),),
        Fragility.VERY_FRAGILE,
        "A wide oval platter for sharing.",
    ),
    Line(
        "CND",
        "Candle holder",
        "Home Decor > Candle Holders",
        18,
        (("T", "taper", _S(80, 80, 60), 210),),
        Fragility.STURDY,
        "A heavy candle holder for a dinner candle.",
    ),
    Line(
        "SPR",
        "Spoon rest",
        "Kitchen & Dining > Kitchen Tools > Spoon Rests",
        14,
        (("1", "one size", _S(130, 80, 25), 160),),
        Fragility.STURDY,
        "Keeps the counter clean while you cook.",
    ),
    Line(
        "BTD",
        "Butter dish",
        "Kitchen & Dining > Serveware > Butter Dishes",
        36,
        (("1", "one size", _S(170, 110, 80), 620),),
        Fragility.FRAGILE,
        "A lidded dish that fits a 250 g block.",
    ),
)

GLAZES: tuple[tuple[str, str, str], ...] = (
    ("TIDE", "Tide Blue", "blue"),
    ("MOSS", "Moss", "green"),
    ("OAT", "Oatmeal", "beige"),
    ("CHAR", "Charcoal", "black"),
    ("SPKW", "Speckled White", "white"),
    ("TERR", "Terracotta", "orange"),
    ("CELA", "Celadon", "green"),
    ("OCHR", "Ochre", "yellow"),
    ("PLUM", "Plum", "purple"),
    ("SAGE", "Sage", "green"),
    ("COBA", "Cobalt", "blue"),
    ("RUST", "Rust", "red"),
    ("HONY", "Honey", "yellow"),
    ("ASH", "Ash Grey", "grey"),
)


def _gtin(rng: random.Random, used: set[str]) -> Gtin:
    while True:
        body = COMPANY_PREFIX + f"{rng.randrange(100000):05d}"
        if body not in used:
            used.add(body)
            return Gtin("0" + body + str(gs1_check_digit(body)))


def demo_products(seed: int = 7, target: int = 200) -> list[Product]:
    """About `target` products: every line in a seeded choice of glazes, in all its sizes."""
    rng = random.Random(seed)
    products: list[Product] = []
    used: set[str] = set()
    per_line = round(target / sum(len(line.sizes) for line in LINES))
    for line in LINES:
        count = min(len(GLAZES), per_line + rng.choice((-1, 0, 0, 1)))
        for glaze_code, glaze, colour in rng.sample(GLAZES, k=count):
            for index, (size_code, label, size, grams) in enumerate(line.sizes):
                products.append(
                    _product(
                        rng,
                        used,
                        line,
                        (glaze_code, glaze, colour),
                        index,
                        (size_code, label, size, grams),
                    )
                )
    return products


def _product(
    rng: random.Random,
    used: set[str],
    line: Line,
    glaze: tuple[str, str, str],
    index: int,
    size: tuple[str, str, Size, int],
) -> Product:
    glaze_code, glaze_name, colour = glaze
    size_code, label, outer, grams = size
    price = Decimal(line.price + index * round(line.price * 0.35)).quantize(CENT)
    sale = (price * Decimal("0.8")).quantize(CENT) if rng.random() < 0.08 else None
    return Product(
        sku=Sku(f"{line.code}-{glaze_code}-{size_code}"),
        gtin=_gtin(rng, used),
        title=f"{glaze_name} {line.name.lower()}, {label}",
        description=f"{line.blurb} Glazed in {glaze_name.lower()}. "
        "Dishwasher and microwave safe. Each piece varies slightly.",
        brand=BRAND,
        category=line.category,
        attributes=(
            ("colour", colour),
            ("glaze", glaze_name),
            ("size", label),
            ("material", "stoneware"),
        ),
        price=Money(price, "GBP"),
        sale_price=Money(sale, "GBP") if sale is not None else None,
        weight_g=grams,
        size=outer,
        fragility=line.fragility,
        limited_edition=glaze_code == "PLUM",
        tags=("handmade", "stoneware", colour),
        handle=f"{line.name.lower().replace(' ', '-')}-{glaze_code.lower()}",
        media=(f"https://hackneyclay.example/img/{line.code}-{glaze_code}.jpg",),
    )
