"""How a Shopify product spreads over CSV rows: the columns, variant titles and images.

Shared by reading and writing, so both agree on what a variant's title and media are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from microindex.adapters.csvio.cells import gtin_text
from microindex.adapters.csvio.html_text import text_to_html
from microindex.adapters.csvio.order import consistent_order
from microindex.domain.product import Product

COLUMNS = (
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name",
    "Option3 Value", "Variant SKU", "Variant Grams", "Variant Inventory Tracker",
    "Variant Inventory Qty", "Variant Inventory Policy", "Variant Fulfillment Service",
    "Variant Price", "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable",
    "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card",
    "SEO Title", "SEO Description", "Variant Image", "Variant Weight Unit", "Cost per item",
    "Status",
)  # fmt: skip
REQUIRED = ("Handle", "Title", "Variant SKU", "Variant Price")
OPTIONS = 3
DEFAULT_TITLE = "Default Title"  # Shopify's only variant of a product without options

Cells = dict[str, str]


def variant_title(title: str, attributes: Sequence[tuple[str, str]], alone: bool) -> str:
    """'T-shirt - Red / S': the product's title and the variant's option values. A product's
    only variant keeps the product's title, as Shopify shows it (a used book's one copy,
    `condition: used`, is not "Dune - used"), so its own export reads back unrenamed."""
    if not attributes or alone:
        return title
    return f"{title} - {' / '.join(value for _, value in attributes)}"


def variant_media(images: tuple[str, ...], variant_image: str) -> tuple[str, ...]:
    """The product's images, the variant's own image first."""
    if not variant_image:
        return images
    return (variant_image, *(image for image in images if image != variant_image))


def group_rows(products: Sequence[Product], stock: Mapping[str, int]) -> Iterator[Cells]:
    for handle, variants in _by_handle(products).items():
        yield from _rows(handle, variants, stock)


def _by_handle(products: Sequence[Product]) -> dict[str, list[Product]]:
    taken = {product.handle for product in products if product.handle}
    groups: dict[str, list[Product]] = {}
    for product in products:
        handle = product.handle or _new_handle(product.sku.value, taken)
        groups.setdefault(handle, []).append(product)
    return groups


def _new_handle(sku: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", sku.lower()).strip("-") or "product"
    handle, number = base, 1
    while handle in taken:
        number += 1
        handle = f"{base}-{number}"
    taken.add(handle)
    return handle


def _rows(handle: str, variants: list[Product], stock: Mapping[str, int]) -> Iterator[Cells]:
    """Shopify's layout: variant n and image n share row n; extra images get rows of their own."""
    first = variants[0]
    names = [name for name, _ in first.attributes][:OPTIONS]
    images = _image_order(variants)
    for index in range(max(len(variants), len(images))):
        cells: Cells = {"Handle": handle}
        if index == 0:
            cells |= _product_cells(first, names, len(variants) == 1)
        if index < len(variants):
            cells |= _variant_cells(variants[index], names, images, stock)
        if index < len(images):
            cells |= {"Image Src": images[index], "Image Position": str(index + 1)}
        yield cells


def _product_cells(first: Product, names: list[str], alone: bool) -> Cells:
    suffix = variant_title("", first.attributes[:OPTIONS], alone)
    title = first.title.removesuffix(suffix) if suffix else first.title
    cells = {
        "Title": title,
        "Body (HTML)": text_to_html(first.description),
        "Vendor": first.brand,
        "Type": first.category,
        "Tags": ", ".join(first.tags),
        "Published": "true",
        "Gift Card": "false",
        "Status": "active",
    }
    for number, name in enumerate(names or ["Title"], start=1):
        cells[f"Option{number} Name"] = name
    return cells


def _variant_cells(
    variant: Product, names: list[str], images: tuple[str, ...], stock: Mapping[str, int]
) -> Cells:
    values = variant.attribute_map
    cells = {
        "Variant SKU": variant.sku.value,
        "Variant Grams": str(variant.weight_g or 0),
        "Variant Weight Unit": "g",
        "Variant Inventory Tracker": "shopify",
        "Variant Inventory Qty": str(stock.get(variant.sku.value, "")),
        "Variant Inventory Policy": "deny",
        "Variant Fulfillment Service": "manual",
        "Variant Price": str((variant.sale_price or variant.price).amount),
        "Variant Compare At Price": str(variant.price.amount) if variant.sale_price else "",
        "Variant Requires Shipping": "true",
        "Variant Taxable": "true",
        "Variant Barcode": gtin_text(variant.gtin),
        "Variant Image": "" if variant.media == images else variant.media[0],
    }
    for number, name in enumerate(names, start=1):
        cells[f"Option{number} Value"] = values.get(name, "")
    if not names:
        cells["Option1 Value"] = DEFAULT_TITLE
    return cells


def _image_order(variants: list[Product]) -> tuple[str, ...]:
    """An order of the handle's images from which each variant's media read back.

    Usually the variants agree on one order. Otherwise variant images were moved first, and
    past its first item a variant's media keep the images' order (see `variant_media`).
    """
    shared = consistent_order(variant.media for variant in variants)
    if shared is not None:
        return tuple(shared)
    order = consistent_order(variant.media[1:] for variant in variants) or []
    heads = (image for variant in variants for image in variant.media if image not in order)
    return (*order, *dict.fromkeys(heads))
