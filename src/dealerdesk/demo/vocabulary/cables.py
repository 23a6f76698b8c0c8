"""Demo vocabulary: cables and wires, terminals and connectors.

Brand names are invented; none is meant to be a real trademark.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from dealerdesk.catalog.choices import Unit
from dealerdesk.demo.spec import Branch, Item, Leaf, num, per_metre_volume
from dealerdesk.demo.vocabulary.brands import ELECTRICAL_BRANDS

CROSS_SECTIONS = (1.5, 2.5, 4, 6, 10, 16)


def _cable_diameter(cores: int, cross_section: float) -> float:
    return 2.2 * math.sqrt(cores * cross_section) + 4


def _cable_weight(cores: int, cross_section: float, diameter: float) -> float:
    copper = cores * cross_section * 0.00896
    sheath = (math.pi / 4 * diameter * diameter - cores * cross_section) * 0.0014
    return copper + sheath


def coil_item(name: str, length: int, diameter: float, weight_per_m: float) -> Item:
    """A cable or conduit sold per metre in whole coils of ``length`` metres."""
    return Item(
        name=name,
        unit=Unit.METRE,
        pack=length,
        weight_kg=weight_per_m,
        volume_m3=per_metre_volume(diameter),
    )


def _nym(point: tuple[Any, ...]) -> Item:
    variant, cores, cs, (length, put_up) = point
    d = _cable_diameter(cores, cs)
    item = coil_item(
        f"Cable NYM-{variant} {cores}x{num(cs)} mm², {length} m {put_up}",
        length,
        d,
        _cable_weight(cores, cs, d),
    )
    attrs = {
        "cross-section": num(cs),
        "cores": str(cores),
        "voltage": "300/500",
        "length-m": str(length),
        "colour": "grey",
        "material": "copper, PVC sheath",
    }
    return replace(item, attrs=attrs, badge=f"{cores}x{num(cs)}")


def _nyy(point: tuple[Any, ...]) -> Item:
    cores, cs, put_up = point
    d = _cable_diameter(cores, cs) + 2
    weight = _cable_weight(cores, cs, d)
    attrs = {
        "cross-section": num(cs),
        "cores": str(cores),
        "voltage": "600/1000",
        "colour": "black",
        "material": "copper, PVC sheath",
    }
    if put_up == 0:
        item = Item(
            name=f"Cable NYY-J {cores}x{num(cs)} mm², cut to length from drum",
            unit=Unit.METRE,
            pack=1,
            min_qty=10,
            weight_kg=weight,
            volume_m3=per_metre_volume(d),
        )
    else:
        form = "drum" if put_up >= 500 else "coil"
        item = coil_item(f"Cable NYY-J {cores}x{num(cs)} mm², {put_up} m {form}", put_up, d, weight)
        attrs["length-m"] = str(put_up)
    return replace(item, attrs=attrs, badge=f"{cores}x{num(cs)}")


def _flex(point: tuple[Any, ...]) -> Item:
    (kind, voltage, colour), cores, cs, length = point
    d = _cable_diameter(cores, cs) + (1.5 if kind == "H07RN-F" else 0)
    item = coil_item(
        f"Flexible cord {kind} {cores}G{num(cs)} mm² {colour}, {length} m coil",
        length,
        d,
        _cable_weight(cores, cs, d),
    )
    attrs = {
        "cross-section": num(cs),
        "cores": str(cores),
        "voltage": voltage,
        "colour": colour,
        "length-m": str(length),
        "material": "copper, PVC sheath" if kind.startswith("H05VV") else "copper, rubber sheath",
    }
    return replace(item, attrs=attrs, badge=f"{cores}G{num(cs)}")


def _data_cable(point: tuple[Any, ...]) -> Item:
    (category, screen, d), sheath, (length, put_up) = point
    item = coil_item(
        f"Installation cable {category} {screen} 4x2xAWG23 {sheath}, {length} m {put_up}",
        length,
        d,
        0.045 + d * 0.002,
    )
    attrs = {"cores": "8", "colour": "violet" if sheath == "LSZH" else "grey"}
    attrs |= {"length-m": str(length), "material": f"copper, {sheath} sheath"}
    return replace(item, attrs=attrs, badge=category)


def _connector(point: tuple[Any, ...]) -> Item:
    (kind, max_cs), poles, count = point
    return Item(
        name=f"{kind} {poles}-pole, 0.5-{num(max_cs)} mm², box of {count}",
        unit=Unit.PACK,
        weight_kg=count * (0.002 + poles * 0.0012),
        dims=(120, 80, 40 if count <= 50 else 70),
        outer=10,
        attrs={"poles": str(poles), "cross-section": f"0.5-{num(max_cs)}"}
        | {"pack-quantity": str(count), "voltage": "450"},
        badge=f"{poles}-pole",
    )


def _lug(point: tuple[Any, ...]) -> Item:
    cs, bolt, (kind, material) = point
    count = 100 if cs <= 16 else 50 if cs <= 70 else 25
    return Item(
        name=f"{kind} {num(cs)} mm² {bolt}, {material}, box of {count}",
        unit=Unit.PACK,
        weight_kg=count * cs * 0.0009 + 0.05,
        dims=(150, 100, 50),
        attrs={"cross-section": num(cs), "thread": bolt, "material": material}
        | {"pack-quantity": str(count)},
        badge=f"{num(cs)} mm²",
    )


def _heat_shrink(point: tuple[Any, ...]) -> Item:
    (before, after), colour, put_up = point
    if put_up == 1:
        name = f"Heat-shrink tubing {num(before)}/{num(after)} mm {colour}, 1 m length"
        unit, pack = Unit.PIECE, 1
    else:
        name = f"Heat-shrink tubing {num(before)}/{num(after)} mm {colour}, {put_up} m reel"
        unit, pack = Unit.METRE, put_up
    return Item(
        name=name,
        unit=unit,
        pack=pack,
        weight_kg=before * 0.0006,
        dims=(1000, before + 2, 2) if put_up == 1 else None,
        volume_m3=None if put_up == 1 else per_metre_volume(before),
        attrs={"diameter": num(before), "colour": colour, "material": "polyolefin 2:1"},
        badge=f"{num(before)}/{num(after)}",
    )


CABLES_AND_WIRES = Branch(
    "Cables & wires",
    (
        Leaf(
            "NYM",
            "Power cables NYM",
            (
                ("J", "O"),
                (2, 3, 4, 5, 7),
                CROSS_SECTIONS,
                ((25, "coil"), (50, "coil"), (100, "coil"), (500, "drum")),
            ),
            _nym,
            ELECTRICAL_BRANDS,
            share=30,
            blurb="Sheathed installation cable for fixed laying indoors, on, in and "
            "under plaster. Sold per metre in whole coils or drums.",
        ),
        Leaf(
            "NYY",
            "Underground cables NYY",
            ((3, 4, 5), (*CROSS_SECTIONS, 25, 35), (0, 50, 100, 500)),
            _nyy,
            ELECTRICAL_BRANDS,
            share=20,
            blurb="Power cable for laying in the ground, in water and outdoors.",
        ),
        Leaf(
            "FLEX",
            "Flexible cords",
            (
                (
                    ("H05VV-F", "300/500", "white"),
                    ("H05VV-F", "300/500", "black"),
                    ("H05VV-F", "300/500", "grey"),
                    ("H05RR-F", "300/500", "black"),
                    ("H07RN-F", "450/750", "black"),
                ),
                (2, 3, 4, 5),
                (0.75, 1, 1.5, 2.5),
                (25, 50, 100),
            ),
            _flex,
            ELECTRICAL_BRANDS,
            share=15,
        ),
        Leaf(
            "DATA",
            "Data cables",
            (
                (
                    ("Cat5e", "U/UTP", 5.2),
                    ("Cat5e", "F/UTP", 5.8),
                    ("Cat6", "U/UTP", 6.2),
                    ("Cat6", "U/FTP", 6.9),
                    ("Cat6A", "S/FTP", 7.3),
                    ("Cat7", "S/FTP", 7.8),
                ),
                ("PVC", "LSZH"),
                ((305, "box"), (500, "drum")),
            ),
            _data_cable,
            ELECTRICAL_BRANDS,
            share=6,
        ),
    ),
)


TERMINALS = Branch(
    "Terminals & connectors",
    (
        Leaf(
            "CONN",
            "Push-in connectors",
            (
                (
                    ("Push-in connector", 2.5),
                    ("Lever connector", 4.0),
                    ("Lever connector", 6.0),
                ),
                (2, 3, 4, 5, 8),
                (50, 100),
            ),
            _connector,
            ELECTRICAL_BRANDS,
            share=6,
        ),
        Leaf(
            "LUG",
            "Cable lugs",
            (
                (6, 10, 16, 25, 35, 50, 70, 95, 120, 150, 185, 240),
                ("M6", "M8", "M10", "M12", "M16"),
                (
                    ("Tubular cable lug", "tinned copper"),
                    ("Tubular cable lug", "aluminium"),
                ),
            ),
            _lug,
            ELECTRICAL_BRANDS,
            share=5,
        ),
        Leaf(
            "SHRK",
            "Heat-shrink tubing",
            (
                (
                    (1.6, 0.8),
                    (2.4, 1.2),
                    (3.2, 1.6),
                    (4.8, 2.4),
                    (6.4, 3.2),
                    (9.5, 4.8),
                    (12.7, 6.4),
                    (19.1, 9.5),
                    (25.4, 12.7),
                    (38.1, 19.1),
                ),
                ("black", "red", "blue", "green-yellow", "transparent"),
                (1, 10, 50),
            ),
            _heat_shrink,
            ELECTRICAL_BRANDS,
            share=4,
        ),
    ),
)
