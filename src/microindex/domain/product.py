"""Products of the catalog, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum
from urllib.parse import urlsplit

from microindex.domain.codes import Sku
from microindex.domain.errors import InvalidValue
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money

MAX_TITLE = 150  # Google Merchant's limit; longer titles are refused rather than cut.
MAX_DESCRIPTION = 5000
MAX_WEIGHT_G = 1_000_000  # a tonne, the most a package template takes
MAX_LENGTH_MM = 100_000  # a hundred metres: past it, a size was typed in other units
MAX_URL = 2000  # Google's image_link and link: up to 2,000 characters
CONDITION = "condition"  # attribute: new (the default), used or refurbished
RESTOCK_DATE = "restock_date"  # attribute: when a backordered product is expected (YYYY-MM-DD)
_FACTS = frozenset({CONDITION, RESTOCK_DATE})


class ItemCondition(StrEnum):
    """The state a product is sold in, in the words Google, Meta and schema.org share."""

    NEW = "new"
    USED = "used"
    REFURBISHED = "refurbished"


def web_url(text: str, name: str = "media") -> str:
    """`text` when it is an http(s) address a channel can fetch: a scheme, a host, no spaces
    or control characters, at most 2,000 characters. Anything else can never be an image
    link, so an import refuses it."""
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(text) > MAX_URL
        or not text.isprintable()
        or any(c.isspace() for c in text)
    ):
        raise InvalidValue(name, text[:80], "use an http(s):// address with a host, no spaces")
    return text


class Fragility(StrEnum):
    STURDY = "sturdy"
    FRAGILE = "fragile"
    VERY_FRAGILE = "very_fragile"


@dataclass(frozen=True, slots=True)
class Size:
    """Outer size in millimetres."""

    length_mm: int
    width_mm: int
    height_mm: int

    def __post_init__(self) -> None:
        sides = (self.length_mm, self.width_mm, self.height_mm)
        if min(sides) <= 0:
            raise InvalidValue("size", str(self), "every side is a positive number of mm")
        if max(sides) > MAX_LENGTH_MM:
            shown = str(self) if len(str(self)) <= 80 else f"{str(self)[:77]}..."
            raise InvalidValue("size", shown, f"a side is at most {MAX_LENGTH_MM} mm (100 m)")

    def __str__(self) -> str:
        return f"{self.length_mm}x{self.width_mm}x{self.height_mm}"

    @classmethod
    def parse(cls, text: str) -> Size:
        try:
            a, b, c = (int(part) for part in text.lower().split("x"))
        except ValueError:
            raise InvalidValue("size", text, "expected LxWxH in mm, e.g. 120x90x90") from None
        return cls(a, b, c)


@dataclass(frozen=True, slots=True, init=False)
class Product:
    sku: Sku
    title: str
    price: Money
    gtin: Gtin | None = None
    description: str = ""
    brand: str = ""
    category: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    sale_price: Money | None = None
    media: tuple[str, ...] = ()
    weight_g: int | None = None
    size: Size | None = None
    fragility: Fragility = Fragility.STURDY
    limited_edition: bool = False
    preorder_until: date | None = None
    tags: tuple[str, ...] = field(default=())
    handle: str = ""

    def __init__(
        self,
        sku: Sku,
        title: str,
        price: Money,
        gtin: Gtin | None = None,
        description: str = "",
        brand: str = "",
        category: str = "",
        attributes: tuple[tuple[str, str], ...] = (),
        sale_price: Money | None = None,
        media: tuple[str, ...] = (),
        weight_g: int | None = None,
        size: Size | None = None,
        fragility: Fragility = Fragility.STURDY,
        limited_edition: bool = False,
        preorder_until: date | None = None,
        tags: tuple[str, ...] = (),
        handle: str = "",
    ) -> None:
        """The generated `__init__` of a frozen dataclass, checks first, and each field written
        through its slot's setter, as `Movement`'s (ADR 0023): a catalog import makes one a
        row, and the generated one calls `object.__setattr__` for each of the 17 fields."""
        stripped = title.strip()
        if not stripped:
            raise InvalidValue("title", title, "a product needs a title")
        if len(stripped) > MAX_TITLE:
            raise InvalidValue("title", title[:40] + "…", f"longer than {MAX_TITLE} characters")
        if len(description) > MAX_DESCRIPTION:
            raise InvalidValue("description", description[:40] + "…", "longer than 5000")
        if weight_g is not None and weight_g < 0:
            raise InvalidValue("weight_g", str(weight_g), "cannot be negative")
        if weight_g is not None and weight_g > MAX_WEIGHT_G:
            raise InvalidValue("weight_g", str(weight_g), f"at most {MAX_WEIGHT_G:,} g (a tonne)")
        if sale_price is not None:
            if sale_price.currency != price.currency:
                raise InvalidValue("sale_price", str(sale_price), "must be in the price's currency")
            if sale_price.amount > price.amount:
                raise InvalidValue("sale_price", str(sale_price), "is above the price")
        if attributes:
            names = [name for name, _ in attributes]
            if len(names) != len(set(names)):
                shown = ", ".join(names)
                raise InvalidValue("attributes", shown, "an attribute name appears twice")
            if not _FACTS.isdisjoint([name.strip().lower() for name in names]):
                _check_facts(attributes)
        _sku(self, sku)
        _title(self, title)
        _price(self, price)
        _gtin(self, gtin)
        _description(self, description)
        _brand(self, brand)
        _category(self, category)
        _attributes(self, attributes)
        _sale_price(self, sale_price)
        _media(self, media)
        _weight_g(self, weight_g)
        _size(self, size)
        _fragility(self, fragility)
        _limited_edition(self, limited_edition)
        _preorder_until(self, preorder_until)
        _tags(self, tags)
        _handle(self, handle)

    def _fact(self, name: str) -> str:
        """The attribute called `name` (in any case), or ""."""
        return _fact(self.attributes, name)

    @property
    def condition(self) -> ItemCondition:
        return ItemCondition(self._fact(CONDITION).lower() or ItemCondition.NEW)

    @property
    def restock_date(self) -> date | None:
        restock = self._fact(RESTOCK_DATE)
        return date.fromisoformat(restock) if restock else None

    @property
    def attribute_map(self) -> dict[str, str]:
        return dict(self.attributes)

    def effective_price(self) -> Decimal:
        return (self.sale_price or self.price).amount


def stored_product(
    sku: str,
    gtin: str | None,
    title: str,
    description: str,
    brand: str,
    category: str,
    attributes: tuple[tuple[str, str], ...],
    price: str,
    sale_price: str | None,
    currency: str,
    media: tuple[str, ...],
    weight_g: int | None,
    size: Size | None,
    fragility: Fragility,
    limited_edition: bool,
    preorder_until: date | None,
    tags: tuple[str, ...],
    handle: str,
) -> Product:
    """A product as a store holds it, read back from the store's own rows: every value was
    checked by `Product.__init__` (and `Sku`, `Gtin`, `Money`) before the store wrote it, so
    none is checked again (ADR 0035). ONLY for a store reading its own tables: a product from
    an import, the wire, a hub's reply or an outbox payload is built by `Product(...)`."""
    product = object.__new__(Product)
    code = object.__new__(Sku)
    _sku_value(code, sku)
    _sku(product, code)
    _title(product, title)
    _price(product, _money(price, currency))
    if gtin:
        digits = object.__new__(Gtin)
        _gtin_digits(digits, gtin)
        _gtin(product, digits)
    else:
        _gtin(product, None)
    _description(product, description)
    _brand(product, brand)
    _category(product, category)
    _attributes(product, attributes)
    _sale_price(product, _money(sale_price, currency) if sale_price else None)
    _media(product, media)
    _weight_g(product, weight_g)
    _size(product, size)
    _fragility(product, fragility)
    _limited_edition(product, limited_edition)
    _preorder_until(product, preorder_until)
    _tags(product, tags)
    _handle(product, handle)
    return product


def _money(amount: str, currency: str) -> Money:
    money = object.__new__(Money)
    _money_amount(money, Decimal(amount))
    _money_currency(money, currency)
    return money


# Each field's slot setter, which `Product.__init__` writes through (see `Movement`'s).
(
    _sku, _title, _price, _gtin, _description, _brand, _category, _attributes, _sale_price,
    _media, _weight_g, _size, _fragility, _limited_edition, _preorder_until, _tags, _handle,
) = (getattr(Product, f.name).__set__ for f in fields(Product))  # fmt: skip
# ...and those of the values `stored_product` makes unchecked.
_sku_value, _gtin_digits, _money_amount, _money_currency = (
    getattr(cls, name).__set__
    for cls, name in ((Sku, "value"), (Gtin, "digits"), (Money, "amount"), (Money, "currency"))
)


def _fact(attributes: tuple[tuple[str, str], ...], name: str) -> str:
    """The attribute called `name` (in any case), or ""."""
    return next((v.strip() for n, v in attributes if n.strip().lower() == name), "")


def _check_facts(attributes: tuple[tuple[str, str], ...]) -> None:
    """Attributes channels read as facts hold values every channel knows."""
    condition = _fact(attributes, CONDITION)
    if condition and condition.lower() not in tuple(ItemCondition):
        raise InvalidValue(CONDITION, condition, "use new, used or refurbished")
    restock = _fact(attributes, RESTOCK_DATE)
    if restock:
        try:
            date.fromisoformat(restock)
        except ValueError:
            raise InvalidValue(RESTOCK_DATE, restock, "expected a date as YYYY-MM-DD") from None
