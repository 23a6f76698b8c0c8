"""Demo vocabulary: the Tools department.

Brand names are invented; none is meant to be a real trademark.
"""

from __future__ import annotations

from typing import Any

from dealerdesk.catalog.choices import Unit
from dealerdesk.demo.spec import Branch, Item, Leaf, num
from dealerdesk.demo.vocabulary.brands import TOOL_BRANDS


def _drill(point: tuple[Any, ...]) -> Item:
    (kind, weight), volts, kit = point
    name = f"Cordless {kind} {volts} V, {kit}"
    battery_kg = 0 if kit.startswith("body only") else 0.9
    return Item(
        name=name,
        unit=Unit.PIECE,
        weight_kg=weight + battery_kg + (1.8 if "case" in kit else 0.3),
        dims=(400, 330, 120) if "case" in kit else (260, 220, 90),
        attrs={"voltage": str(volts)},
        badge=f"{volts} V",
    )


def _grinder(point: tuple[Any, ...]) -> Item:
    disc, watts, feature = point
    return Item(
        name=f"Angle grinder {disc} mm {watts} W, {feature}",
        unit=Unit.PIECE,
        weight_kg=1.5 + watts / 1000 * 2.2,
        dims=(340 + disc, 130, 120),
        attrs={"power": str(watts), "diameter": str(disc), "voltage": "230"},
        badge=f"{disc} mm",
    )


def _hammer(point: tuple[Any, ...]) -> Item:
    (chuck, energy, watts), case = point
    return Item(
        name=f"Rotary hammer {chuck} {watts} W, {num(energy)} J" + (", in case" if case else ""),
        unit=Unit.PIECE,
        weight_kg=1.5 + energy * 0.6 + (1.8 if case else 0),
        dims=(420 + energy * 20, 320, 120),
        attrs={"power": str(watts), "voltage": "230"},
        badge=f"{num(energy)} J",
    )


def _screwdriver(point: tuple[Any, ...]) -> Item:
    tip, blade, insulated = point
    kind = "VDE screwdriver" if insulated else "Screwdriver"
    return Item(
        name=f"{kind} {tip} x {blade} mm" + (", insulated to 1000 V" if insulated else ""),
        unit=Unit.PIECE,
        weight_kg=0.06 + blade * 0.0004,
        dims=(blade + 110, 35, 35),
        outer=6,
        attrs={"length-mm": str(blade)} | ({"voltage": "1000"} if insulated else {}),
        badge=tip,
    )


def _pliers(point: tuple[Any, ...]) -> Item:
    kind, length, insulated = point
    return Item(
        name=f"{'VDE ' if insulated else ''}{kind} {length} mm"
        + (", insulated to 1000 V" if insulated else ""),
        unit=Unit.PIECE,
        weight_kg=length * 0.0012,
        dims=(length, 60, 20),
        outer=6,
        attrs={"length-mm": str(length)} | ({"voltage": "1000"} if insulated else {}),
        badge=f"{length} mm",
    )


def _level(point: tuple[Any, ...]) -> Item:
    length, profile, magnetic = point
    return Item(
        name=f"Spirit level {length} cm, aluminium {profile} profile"
        + (", magnetic" if magnetic else ""),
        unit=Unit.PIECE,
        weight_kg=0.15 + length * 0.006,
        dims=(length * 10, 60, 25),
        attrs={"length-mm": str(length * 10), "material": "aluminium"},
        badge=f"{length} cm",
    )


def _tape(point: tuple[Any, ...]) -> Item:
    length, width, casing = point
    return Item(
        name=f"Tape measure {length} m x {width} mm, class II, {casing} casing",
        unit=Unit.PIECE,
        weight_kg=0.1 + length * 0.04,
        dims=(70 + length * 2, 70 + length * 2, 40),
        outer=12,
        attrs={"length-m": str(length), "width-mm": str(width)},
        badge=f"{length} m",
    )


def _masonry_bit(point: tuple[Any, ...]) -> Item:
    shank, dia, reach = point
    length = int(dia * reach + 60) // 10 * 10
    if shank == "SDS-plus":
        name = f"SDS-plus hammer drill bit {num(dia)}x{length} mm"
    else:
        name = f"Masonry drill bit {num(dia)}x{length} mm, cylindrical shank"
    return Item(
        name=name,
        unit=Unit.PIECE,
        weight_kg=dia * dia * length * 0.000006 + 0.01,
        dims=(length + 20, 30, 15),
        outer=10,
        attrs={"diameter": num(dia), "length-mm": str(length), "material": "carbide tip"},
        badge=f"Ø{num(dia)}",
    )


def _metal_bit(point: tuple[Any, ...]) -> Item:
    grade, dia, (standard, factor), count = point
    length = int(dia * factor + 30)
    pack = "single" if count == 1 else f"pack of {count}"
    return Item(
        name=f"{grade} twist drill {num(dia)} mm {standard}, {pack}",
        unit=Unit.PIECE if count == 1 else Unit.PACK,
        weight_kg=count * (dia * dia * length * 0.000006 + 0.002),
        dims=(length + 20, 20 + count, 10),
        outer=10,
        attrs={"diameter": num(dia), "length-mm": str(length), "material": grade}
        | ({"pack-quantity": str(count)} if count > 1 else {}),
        badge=f"Ø{num(dia)}",
    )


def _disc(point: tuple[Any, ...]) -> Item:
    (kind, thickness), dia, count = point
    pack = "single" if count == 1 else f"pack of {count}"
    return Item(
        name=f"{kind} {dia}x{num(thickness)} mm, {pack}",
        unit=Unit.PIECE if count == 1 else Unit.PACK,
        weight_kg=count * dia * dia * thickness * 0.0000025,
        dims=(dia + 5, dia + 5, max(5, count * thickness + 4)),
        attrs={"diameter": str(dia), "thickness": num(thickness)}
        | ({"pack-quantity": str(count)} if count > 1 else {}),
        badge=f"{dia} mm",
    )


def _hole_saw(point: tuple[Any, ...]) -> Item:
    (kind, depth), dia = point
    return Item(
        name=f"{kind} hole saw Ø{dia} mm, cutting depth {depth} mm",
        unit=Unit.PIECE,
        weight_kg=0.03 + dia * dia * 0.00002,
        dims=(dia + 10, dia + 10, depth + 20),
        attrs={"diameter": str(dia)},
        badge=f"Ø{dia}",
    )


def _bit(point: tuple[Any, ...]) -> Item:
    tip, length, count = point
    pack = "single" if count == 1 else f"pack of {count}"
    return Item(
        name=f'Screwdriver bit {tip} x {length} mm, 1/4" hex, {pack}',
        unit=Unit.PIECE if count == 1 else Unit.PACK,
        weight_kg=count * length * 0.0002,
        dims=(length + 20, 30 + count * 3, 12),
        outer=10,
        attrs={"length-mm": str(length)} | ({"pack-quantity": str(count)} if count > 1 else {}),
        badge=tip,
    )


POWER_TOOLS = Branch(
    "Power tools",
    (
        Leaf(
            "DRIL",
            "Drill drivers",
            (
                (("drill driver", 1.2), ("combi drill", 1.4), ("impact driver", 1.1)),
                (12, 18),
                (
                    "body only",
                    "body only, in case",
                    "2x2.0 Ah batteries, charger, case",
                    "2x4.0 Ah batteries, charger, case",
                ),
            ),
            _drill,
            TOOL_BRANDS,
            share=6,
        ),
        Leaf(
            "GRIN",
            "Angle grinders",
            (
                (115, 125, 150, 230),
                (720, 900, 1200, 2000, 2400),
                ("standard switch", "soft start", "paddle switch"),
            ),
            _grinder,
            TOOL_BRANDS,
            share=5,
        ),
        Leaf(
            "SDS",
            "Rotary hammers",
            (
                (
                    ("SDS-plus", 2.0, 800),
                    ("SDS-plus", 2.7, 900),
                    ("SDS-plus", 3.5, 1100),
                    ("SDS-max", 8, 1500),
                    ("SDS-max", 12, 1700),
                ),
                (False, True),
            ),
            _hammer,
            TOOL_BRANDS,
            share=4,
        ),
    ),
)


HAND_TOOLS = Branch(
    "Hand tools",
    (
        Leaf(
            "SCRV",
            "Screwdrivers",
            (
                ("SL 3.5", "SL 5.5", "PH1", "PH2", "PZ1", "PZ2", "TX20", "TX25"),
                (75, 100, 125, 150),
                (False, True),
            ),
            _screwdriver,
            TOOL_BRANDS,
            share=8,
        ),
        Leaf(
            "PLI",
            "Pliers & cutters",
            (
                (
                    "Combination pliers",
                    "Long nose pliers",
                    "Side cutters",
                    "Wire strippers",
                    "Cable cutters",
                    "Water pump pliers",
                ),
                (160, 180, 200, 250),
                (False, True),
            ),
            _pliers,
            TOOL_BRANDS,
            share=8,
        ),
        Leaf(
            "LEVL",
            "Spirit levels",
            ((30, 40, 60, 80, 100, 120, 150, 180, 200), ("box", "I-beam"), (False, True)),
            _level,
            TOOL_BRANDS,
            share=5,
        ),
        Leaf(
            "TAPE",
            "Tape measures",
            ((3, 5, 8, 10), (16, 19, 25, 27), ("rubber", "ABS")),
            _tape,
            TOOL_BRANDS,
            share=4,
        ),
    ),
)


BITS_AND_DISCS = Branch(
    "Drill bits & discs",
    (
        Leaf(
            "BITM",
            "Masonry drill bits",
            (
                ("SDS-plus", "cylindrical"),
                (4, 5, 6, 6.5, 8, 10, 12, 14, 16, 18, 20),
                (8, 14, 25),
            ),
            _masonry_bit,
            TOOL_BRANDS,
            share=10,
        ),
        Leaf(
            "BITH",
            "Metal drill bits",
            (
                ("HSS-G", "HSS-Co 5%"),
                tuple(x / 2 for x in range(2, 27)),
                (("DIN 338", 11), ("DIN 340 long series", 20)),
                (1, 10),
            ),
            _metal_bit,
            TOOL_BRANDS,
            share=10,
        ),
        Leaf(
            "HSAW",
            "Hole saws",
            (
                (("Bi-metal", 38), ("Carbide-tipped", 50), ("Diamond", 60)),
                (
                    16,
                    20,
                    22,
                    25,
                    29,
                    32,
                    35,
                    38,
                    44,
                    51,
                    57,
                    64,
                    68,
                    76,
                    83,
                    92,
                    102,
                    114,
                    127,
                    152,
                ),
            ),
            _hole_saw,
            TOOL_BRANDS,
            share=5,
        ),
        Leaf(
            "BITS",
            "Screwdriver bits",
            (
                (
                    "PH1",
                    "PH2",
                    "PH3",
                    "PZ1",
                    "PZ2",
                    "PZ3",
                    "TX10",
                    "TX15",
                    "TX20",
                    "TX25",
                    "TX30",
                    "TX40",
                    "SL 5.5",
                    "HEX 4",
                ),
                (25, 50, 90),
                (1, 10),
            ),
            _bit,
            TOOL_BRANDS,
            share=6,
        ),
        Leaf(
            "DISC",
            "Cutting & grinding discs",
            (
                (
                    ("Cutting disc for steel", 1.0),
                    ("Cutting disc for stainless steel", 1.0),
                    ("Cutting disc for stone", 2.5),
                    ("Grinding disc for steel", 6.0),
                    ("Diamond blade universal", 2.2),
                ),
                (115, 125, 230),
                (1, 10, 25),
            ),
            _disc,
            TOOL_BRANDS,
            share=8,
        ),
    ),
)
