"""Pictures for the demo: product tiles and staff avatars, drawn with Pillow.

A tile is a clean square in the department's colour with a pictogram, the product's key
figure ("3x1.5", "B16", "12.5 mm") and its SKU, so that a catalog page looks like a catalog
and one product is told from its neighbour at a glance. Shapes are drawn at twice the size
and scaled down, which smooths their edges; the per-leaf background is drawn once and reused.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

TILE = 400
SCALE = 2
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Colour = tuple[int, int, int]


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = True) -> Font:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(name, size)
    except OSError:  # no system fonts: Pillow's bundled face is good enough
        return ImageFont.load_default(size=size)


def _rgb(hex_colour: str) -> Colour:
    value = hex_colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _mix(colour: Colour, other: Colour, share: float) -> Colour:
    r, g, b = (round(c * (1 - share) + o * share) for c, o in zip(colour, other, strict=True))
    return (r, g, b)


WHITE: Colour = (255, 255, 255)
INK: Colour = (33, 37, 41)

# --- pictograms, drawn into a box of side ``s`` at (x, y) ------------------------------------

Pictogram = Callable[[ImageDraw.ImageDraw, float, float, float, Colour], None]


def _bolt(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    points = [(0.58, 0.0), (0.18, 0.56), (0.46, 0.56), (0.36, 1.0), (0.82, 0.38), (0.54, 0.38)]
    d.polygon([(x + px * s, y + py * s) for px, py in points], fill=c)


def _bulb(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.ellipse((x + 0.18 * s, y, x + 0.82 * s, y + 0.64 * s), fill=c)
    d.rectangle((x + 0.36 * s, y + 0.58 * s, x + 0.64 * s, y + 0.72 * s), fill=c)
    for row in (0.76, 0.86):
        d.rounded_rectangle(
            (x + 0.35 * s, y + row * s, x + 0.65 * s, y + (row + 0.07) * s), 0.03 * s, fill=c
        )
    d.rectangle((x + 0.44 * s, y + 0.95 * s, x + 0.56 * s, y + s), fill=c)


def _wrench(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    # A hammer: a flat face on the right, a tapering claw on the left, and the handle.
    d.polygon(
        [
            (x + 0.06 * s, y + 0.1 * s),
            (x + 0.4 * s, y + 0.04 * s),
            (x + 0.8 * s, y + 0.04 * s),
            (x + 0.8 * s, y + 0.32 * s),
            (x + 0.4 * s, y + 0.32 * s),
            (x + 0.06 * s, y + 0.2 * s),
        ],
        fill=c,
    )
    d.rectangle((x + 0.8 * s, y + 0.01 * s, x + 0.94 * s, y + 0.35 * s), fill=c)
    d.rounded_rectangle((x + 0.42 * s, y + 0.28 * s, x + 0.58 * s, y + s), 0.05 * s, fill=c)


def _screw(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.rounded_rectangle((x + 0.22 * s, y, x + 0.78 * s, y + 0.18 * s), 0.05 * s, fill=c)
    d.polygon(
        [(x + 0.36 * s, y + 0.18 * s), (x + 0.64 * s, y + 0.18 * s), (x + 0.5 * s, y + s)], fill=c
    )
    for step in range(4):
        top = y + (0.3 + step * 0.15) * s
        d.line(
            (x + 0.28 * s, top, x + 0.72 * s, top + 0.08 * s), fill=c, width=max(2, int(s * 0.05))
        )


def _board(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    for layer in range(3):
        top = y + (0.18 + layer * 0.24) * s
        d.polygon(
            [
                (x + 0.08 * s, top + 0.12 * s),
                (x + 0.42 * s, top),
                (x + 0.92 * s, top + 0.1 * s),
                (x + 0.58 * s, top + 0.22 * s),
            ],
            fill=_mix(c, WHITE, 0.25 * layer),
        )


def _pipe(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    w = 0.22 * s
    d.rectangle((x + 0.1 * s, y + 0.15 * s, x + 0.1 * s + w, y + 0.9 * s), fill=c)
    d.rectangle((x + 0.1 * s, y + 0.9 * s - w, x + 0.9 * s, y + 0.9 * s), fill=c)
    d.rectangle((x + 0.04 * s, y + 0.08 * s, x + 0.16 * s + w, y + 0.2 * s), fill=c)
    d.rectangle((x + 0.84 * s, y + 0.84 * s - w, x + 0.96 * s, y + 0.96 * s), fill=c)


def _bucket(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.arc((x + 0.2 * s, y, x + 0.8 * s, y + 0.5 * s), 180, 360, fill=c, width=int(s * 0.05))
    d.polygon(
        [
            (x + 0.12 * s, y + 0.25 * s),
            (x + 0.88 * s, y + 0.25 * s),
            (x + 0.78 * s, y + s),
            (x + 0.22 * s, y + s),
        ],
        fill=c,
    )


def _tube(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.rounded_rectangle((x + 0.3 * s, y + 0.3 * s, x + 0.7 * s, y + s), 0.06 * s, fill=c)
    d.polygon([(x + 0.4 * s, y + 0.3 * s), (x + 0.6 * s, y + 0.3 * s), (x + 0.5 * s, y)], fill=c)


PICTOGRAMS: dict[str, Pictogram] = {
    "bolt": _bolt,
    "bulb": _bulb,
    "wrench": _wrench,
    "screw": _screw,
    "board": _board,
    "pipe": _pipe,
    "bucket": _bucket,
    "tube": _tube,
}


@lru_cache(maxsize=128)
def _background(picto: str, colour: str, caption: str) -> Image.Image:
    """The part of a tile shared by all products of a leaf, drawn once."""
    base = _rgb(colour)
    big = TILE * SCALE
    image = Image.new("RGB", (big, big), _mix(base, WHITE, 0.9))
    draw = ImageDraw.Draw(image)
    radius = 0.22 * big
    centre_x, centre_y = big / 2, 0.36 * big
    draw.ellipse(
        (centre_x - radius, centre_y - radius, centre_x + radius, centre_y + radius), fill=base
    )
    side = radius * 1.05
    PICTOGRAMS.get(picto, _bolt)(draw, centre_x - side / 2, centre_y - side / 2, side, WHITE)
    draw.rectangle((0, int(0.86 * big), big, big), fill=base)
    image = image.resize((TILE, TILE), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(image)
    _centred(draw, caption.upper(), TILE * 0.93, _font(17), WHITE)
    return image


def _centred(draw: ImageDraw.ImageDraw, text: str, y: float, font: Font, fill: Colour) -> None:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    width = right - left
    while width > TILE * 0.9 and len(text) > 4:
        text = text[:-2].rstrip() + "…"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        width = right - left
    draw.text(((TILE - width) / 2 - left, y - (bottom - top) / 2 - top), text, font=font, fill=fill)


def product_tile(*, picto: str, colour: str, caption: str, badge: str, sku: str) -> bytes:
    """A PNG tile for one product."""
    image = _background(picto, colour, caption).copy()
    draw = ImageDraw.Draw(image)
    if badge:
        _centred(draw, badge, TILE * 0.69, _font(38), _mix(_rgb(colour), INK, 0.55))
    _centred(draw, sku, TILE * 0.79, _font(19, bold=False), _mix(_rgb(colour), INK, 0.3))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=3)
    return out.getvalue()


def avatar(full_name: str, colour: str, size: int = 256) -> bytes:
    """A round avatar with the person's initials, on a transparent background."""
    initials = "".join(part[0] for part in full_name.split()[:2]).upper() or "?"
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, big - 1, big - 1), fill=(*_rgb(colour), 255))
    font = _font(int(big * 0.4))
    left, top, right, bottom = draw.textbbox((0, 0), initials, font=font)
    draw.text(
        ((big - (right - left)) / 2 - left, (big - (bottom - top)) / 2 - top),
        initials,
        font=font,
        fill=(255, 255, 255, 255),
    )
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
