"""Product pictures for the demo shop, drawn with Pillow and taken in through real capture.

Each product line has one silhouette (mug, bowl, vase...) drawn in the product's glaze colour
on a plain background; the pictures are deterministic, so the same catalog gives the same
files. They are ingested at the shopfront (signed manifests and all) and approved.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime

from PIL import Image, ImageDraw

from microindex.adapters.media.wiring import open_capture
from microindex.bootstrap import Workspace
from microindex.domain.capture.asset import ProofState
from microindex.domain.product import Product
from microindex.service.capture import CaptureTools, Upload, approve, ingest

SIDE = 800
NODE = "shopfront"
AUTHOR = "demo-photographer"
BACKGROUND = (244, 241, 236)
GLAZE_RGB: dict[str, tuple[int, int, int]] = {
    "TIDE": (52, 96, 140),
    "MOSS": (96, 112, 64),
    "OAT": (214, 196, 160),
    "CHAR": (58, 58, 62),
    "SPKW": (236, 232, 224),
    "TERR": (186, 96, 62),
    "CELA": (150, 184, 160),
    "OCHR": (204, 150, 50),
    "PLUM": (104, 56, 88),
    "SAGE": (150, 166, 130),
    "COBA": (40, 70, 160),
    "RUST": (150, 70, 40),
    "HONY": (210, 160, 70),
    "ASH": (150, 150, 150),
}
Box = tuple[int, int, int, int]


def _body(draw: ImageDraw.ImageDraw, box: Box, colour: tuple[int, int, int]) -> None:
    draw.rounded_rectangle(box, radius=40, fill=colour)


def _mug(draw: ImageDraw.ImageDraw, c: tuple[int, int, int]) -> None:
    draw.ellipse((480, 330, 640, 520), outline=c, width=34)
    _body(draw, (220, 250, 540, 620), c)


def _bowl(draw: ImageDraw.ImageDraw, c: tuple[int, int, int]) -> None:
    draw.chord((150, 200, 650, 640), 0, 180, fill=c)
    draw.rectangle((330, 630, 470, 660), fill=c)


def _plate(draw: ImageDraw.ImageDraw, c: tuple[int, int, int]) -> None:
    draw.ellipse((130, 300, 670, 560), fill=c)
    draw.ellipse((230, 350, 570, 510), outline=BACKGROUND, width=6)


def _vase(draw: ImageDraw.ImageDraw, c: tuple[int, int, int]) -> None:
    draw.ellipse((250, 330, 550, 660), fill=c)
    draw.rectangle((355, 150, 445, 400), fill=c)


def _teapot(draw: ImageDraw.ImageDraw, c: tuple[int, int, int]) -> None:
    draw.ellipse((220, 280, 580, 620), fill=c)
    draw.polygon(((560, 430), (700, 320), (690, 350), (570, 500)), fill=c)
    draw.ellipse((150, 360, 260, 520), outline=c, width=26)
    draw.ellipse((360, 230, 440, 300), fill=c)


def _low(draw: ImageDraw.ImageDraw, c: tuple[int, int, int]) -> None:
    _body(draw, (180, 480, 620, 600), c)


SHAPES: dict[str, Callable[[ImageDraw.ImageDraw, tuple[int, int, int]], None]] = {
    "MUG": _mug,
    "CUP": _mug,
    "JUG": _mug,
    "BWL": _bowl,
    "PLN": _bowl,
    "PLT": _plate,
    "PLR": _plate,
    "VAS": _vase,
    "CND": _vase,
    "TPT": _teapot,
    "BTD": _low,
    "SPR": _low,
}


def product_picture(line: str, glaze: str, label: str) -> bytes:
    """A JPEG of the line's silhouette in the glaze colour, with a soft shadow and the size
    title (so each product is its own picture): 800x800."""
    image = Image.new("RGB", (SIDE, SIDE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.ellipse((170, 640, 630, 700), fill=(222, 218, 210))
    colour = GLAZE_RGB.get(glaze, (160, 140, 120))
    SHAPES.get(line, _low)(draw, colour)
    draw.text((40, 750), label, fill=(120, 112, 100), font_size=28)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _picture_for(product: Product) -> bytes:
    line, glaze, *_ = [*product.sku.value.split("-"), "", ""]
    return product_picture(line, glaze, product.title)


def add_demo_media(workspace: Workspace, products: Sequence[Product], at: datetime) -> CaptureTools:
    """Give every product one approved front shot, through the real capture pipeline."""
    tools = open_capture(
        workspace.storage, workspace.hub, workspace.settings.capture, durable=False
    )
    for product in products:
        sku = product.sku.value
        data = _picture_for(product)
        upload = Upload(f"{sku}_front.jpg", io.BytesIO(data), NODE, AUTHOR, sku=sku, shot="front")
        asset = ingest(tools, upload, at).asset
        if asset.state is ProofState.PENDING:
            approve(tools, asset.id, AUTHOR, at)
    return tools
