"""Demo vocabulary: cable management and installation boxes.

Brand names are invented; none is meant to be a real trademark.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dealerdesk.catalog.choices import Unit
from dealerdesk.demo.spec import Branch, Item, Leaf, num
from dealerdesk.demo.vocabulary.brands import ELECTRICAL_BRANDS
from dealerdesk.demo.vocabulary.cables import coil_item


def _corrugated(point: tuple[Any, ...]) -> Item:
    diameter, (grade, force), colour, length = point
    item = coil_item(
        f"Corrugated conduit PVC {diameter} mm {force} {grade}, {colour}, {length} m coil",
        length,
        diameter * 1.1,
        diameter * 0.004,
    )
    attrs = {"diameter": str(diameter), "colour": colour, "length-m": str(length)}
    return replace(item, attrs=attrs | {"material": "PVC"}, badge=f"Ø{diameter}")


def _rigid(point: tuple[Any, ...]) -> Item:
    diameter, force, colour, length = point
    item = Item(
        name=f"Rigid conduit PVC {diameter} mm {force} {colour}, {length} m length",
        unit=Unit.METRE,
        pack=length,
        weight_kg=diameter * 0.007,
        volume_m3=diameter * diameter * 1000 / 1e9,
        outer=(30 if diameter <= 25 else 15) * length,  # metres in a bundle of lengths
    )
    attrs = {"diameter": str(diameter), "colour": colour, "material": "PVC"}
    return replace(item, attrs=attrs, badge=f"Ø{diameter}")


def _trunking(point: tuple[Any, ...]) -> Item:
    (width, height), colour = point
    item = Item(
        name=f"Cable trunking PVC {width}x{height} mm {colour}, 2 m length",
        unit=Unit.METRE,
        pack=2,
        weight_kg=(width + height) * 0.0045,
        volume_m3=width * height * 1000 / 1e9,
    )
    attrs = {"width-mm": str(width), "colour": colour, "material": "PVC"}
    return replace(item, attrs=attrs, badge=f"{width}x{height}")


def _ties(point: tuple[Any, ...]) -> Item:
    (width, length), colour, count = point
    return Item(
        name=f"Cable tie {num(width)}x{length} mm {colour}, pack of {count}",
        unit=Unit.PACK,
        weight_kg=width * length * count * 0.0000025,
        dims=(length + 20, 60, 25),
        outer=50,
        attrs={
            "width-mm": num(width),
            "length-mm": str(length),
            "colour": colour,
            "pack-quantity": str(count),
            "material": "polyamide 6.6",
        },
        badge=f"{num(width)}x{length}",
    )


def _flush_box(point: tuple[Any, ...]) -> Item:
    (kind, diameter, depth), gangs, count = point
    label = "" if gangs == 1 else f" {gangs}-gang"
    return Item(
        name=f"{kind}{label} Ø{diameter} mm, depth {depth} mm, bag of {count}",
        unit=Unit.PACK,
        weight_kg=0.03 * gangs * count,
        dims=(350, 250, 60 + count * 3),
        attrs={"diameter": str(diameter), "pack-quantity": str(count), "material": "PP"},
        badge=f"Ø{diameter}",
    )


def _junction_box(point: tuple[Any, ...]) -> Item:
    (length, width, depth), ip, colour = point
    return Item(
        name=f"Junction box {ip} {length}x{width}x{depth} mm, {colour}, with grommets",
        unit=Unit.PIECE,
        weight_kg=length * width * depth * 0.00000035 + 0.05,
        dims=(length, width, depth),
        outer=10,
        attrs={"ip-rating": ip, "colour": colour, "material": "polypropylene"},
        badge=ip,
    )


CABLE_MANAGEMENT = Branch(
    "Cable management",
    (
        Leaf(
            "CNDF",
            "Corrugated conduits",
            (
                (16, 20, 25, 32, 40, 50),
                (("light", "320N"), ("medium", "750N")),
                ("grey", "black", "orange"),
                (25, 50, 100),
            ),
            _corrugated,
            ELECTRICAL_BRANDS,
            share=10,
        ),
        Leaf(
            "CNDR",
            "Rigid conduits",
            ((16, 20, 25, 32, 40, 50), ("750N", "1250N"), ("grey", "white"), (2, 3)),
            _rigid,
            ELECTRICAL_BRANDS,
            share=8,
        ),
        Leaf(
            "TRNK",
            "Cable trunking",
            (
                (
                    (15, 10),
                    (20, 10),
                    (25, 16),
                    (40, 25),
                    (40, 40),
                    (60, 40),
                    (80, 40),
                    (100, 60),
                ),
                ("white", "grey", "black"),
            ),
            _trunking,
            ELECTRICAL_BRANDS,
            share=8,
        ),
        Leaf(
            "TIES",
            "Cable ties",
            (
                ((2.5, 100), (3.6, 140), (3.6, 200), (4.8, 200), (4.8, 300), (7.6, 370)),
                ("natural", "black UV-resistant"),
                (100, 500),
            ),
            _ties,
            ELECTRICAL_BRANDS,
            share=6,
        ),
    ),
)


INSTALLATION_BOXES = Branch(
    "Installation boxes",
    (
        Leaf(
            "FBOX",
            "Flush-mounted boxes",
            (
                (
                    ("Flush box", 60, 45),
                    ("Flush box deep", 60, 61),
                    ("Cavity wall box", 68, 47),
                    ("Cavity wall box deep", 68, 61),
                ),
                (1, 2, 3),
                (25, 50),
            ),
            _flush_box,
            ELECTRICAL_BRANDS,
            share=8,
        ),
        Leaf(
            "JBOX",
            "Junction boxes",
            (
                (
                    (85, 85, 40),
                    (100, 100, 50),
                    (150, 110, 70),
                    (190, 140, 70),
                    (240, 190, 90),
                ),
                ("IP54", "IP65", "IP67"),
                ("grey", "white"),
            ),
            _junction_box,
            ELECTRICAL_BRANDS,
            share=8,
        ),
    ),
)
