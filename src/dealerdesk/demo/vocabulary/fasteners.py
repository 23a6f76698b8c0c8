"""Demo vocabulary: the Fasteners department.

Brand names are invented; none is meant to be a real trademark.
"""

from __future__ import annotations

from typing import Any

from dealerdesk.catalog.choices import Unit
from dealerdesk.demo.spec import Branch, Item, Leaf, num
from dealerdesk.demo.vocabulary.brands import FASTENER_BRANDS


def _box_of(dia: float, length: float) -> int:
    """How many screws or bolts of this size a trade box holds."""
    volume = dia * dia * length
    if volume <= 500:
        return 1000
    if volume <= 1200:
        return 500
    if volume <= 3000:
        return 200
    if volume <= 8000:
        return 100
    return 50 if volume <= 20000 else 25


def _box_item(name: str, count: int, piece_kg: float, attrs: dict[str, str], badge: str) -> Item:
    weight = count * piece_kg + 0.05
    side = max(60.0, min(220.0, 60 + weight * 40))
    return Item(
        name=name,
        unit=Unit.PACK,
        weight_kg=weight,
        dims=(side, side * 0.7, side * 0.5),
        outer=10 if weight < 2 else 0,
        attrs=attrs | {"pack-quantity": str(count)},
        badge=badge,
    )


def _sizes(diameters: tuple[float, ...], lengths: tuple[int, ...]) -> tuple[tuple[float, int], ...]:
    """Diameter-by-length pairs a maker actually produces (length 4-30 times the diameter)."""
    return tuple((d, n) for d in diameters for n in lengths if 4 * d <= n <= 30 * d)


def _chipboard(point: tuple[Any, ...]) -> Item:
    (dia, length), finish, head, drive = point
    count = _box_of(dia, length)
    return _box_item(
        f"Chipboard screw {num(dia)}x{length} {head} {drive}, {finish}, box of {count}",
        count,
        dia * dia * length * 0.0000055,
        {"diameter": num(dia), "length-mm": str(length), "finish": finish},
        f"{num(dia)}x{length}",
    )


def _drywall_screw(point: tuple[Any, ...]) -> Item:
    (dia, length), thread, finish = point
    return _box_item(
        f"Drywall screw {num(dia)}x{length} {thread} thread, {finish}, box of 1000",
        1000,
        dia * dia * length * 0.0000055,
        {"diameter": num(dia), "length-mm": str(length), "finish": finish},
        f"{num(dia)}x{length}",
    )


def _self_drilling(point: tuple[Any, ...]) -> Item:
    (dia, length), head, finish = point
    count = _box_of(dia, length)
    return _box_item(
        f"Self-drilling screw {num(dia)}x{length} {head}, {finish}, box of {count}",
        count,
        dia * dia * length * 0.0000065,
        {"diameter": num(dia), "length-mm": str(length), "finish": finish},
        f"{num(dia)}x{length}",
    )


def _construction_screw(point: tuple[Any, ...]) -> Item:
    (dia, length), head, finish = point
    count = _box_of(dia, length)
    return _box_item(
        f"Wood construction screw {dia}x{length} {head} TX, {finish}, box of {count}",
        count,
        dia * dia * length * 0.0000055,
        {"diameter": str(dia), "length-mm": str(length), "finish": finish},
        f"{dia}x{length}",
    )


def _threaded_rod(point: tuple[Any, ...]) -> Item:
    size, length, finish = point
    return Item(
        name=f"Threaded rod DIN 976 M{size} x {length} mm, {finish}",
        unit=Unit.PIECE,
        weight_kg=size * size * length * 0.0000052,
        dims=(length, size, size),
        outer=10,
        attrs={"thread": f"M{size}", "length-mm": str(length), "finish": finish},
        badge=f"M{size}",
    )


def _plug(point: tuple[Any, ...]) -> Item:
    (dia, length), kind, with_screw = point
    count = 100 if dia <= 8 else 50
    name = f"Nylon plug {kind} {dia}x{length} mm"
    name += f" with screw, box of {count}" if with_screw else f", box of {count}"
    return _box_item(
        name,
        count,
        dia * length * 0.00002 + (dia * dia * length * 0.000005 if with_screw else 0),
        {"diameter": str(dia), "length-mm": str(length), "material": "polyamide"},
        f"{dia}x{length}",
    )


def _frame_anchor(point: tuple[Any, ...]) -> Item:
    (dia, length), head = point
    count = 50 if dia <= 10 else 25
    return _box_item(
        f"Frame anchor {dia}x{length} mm {head}, zinc plated, box of {count}",
        count,
        dia * dia * length * 0.0000045,
        {"diameter": str(dia), "length-mm": str(length), "finish": "zinc plated"},
        f"{dia}x{length}",
    )


def _cavity_anchor(point: tuple[Any, ...]) -> Item:
    kind, thread, board = point
    return _box_item(
        f"{kind} {thread} for boards {board}, box of 50",
        50,
        0.006,
        {"thread": thread},
        thread,
    )


def _hex_bolt(point: tuple[Any, ...]) -> Item:
    (dia, length), grade, standard = point
    count = _box_of(dia, length)
    return _box_item(
        f"Hex bolt {standard} M{num(dia)}x{length} {grade}, box of {count}",
        count,
        dia * dia * length * 0.0000065 + dia * dia * dia * 0.000005,
        {"thread": f"M{num(dia)}", "length-mm": str(length), "finish": grade},
        f"M{num(dia)}x{length}",
    )


def _nut(point: tuple[Any, ...]) -> Item:
    (kind, factor), size, finish = point
    count = 200 if size <= 8 else 100 if size <= 12 else 50
    return _box_item(
        f"{kind} M{size} {finish}, box of {count}",
        count,
        size * size * size * 0.0000075 * factor,
        {"thread": f"M{size}", "finish": finish},
        f"M{size}",
    )


def _nail(point: tuple[Any, ...]) -> Item:
    kind, (dia, length), kilos = point
    return Item(
        name=f"{kind} {num(dia)}x{length} mm, {kilos} kg box",
        unit=Unit.PACK,
        weight_kg=kilos + 0.1,
        dims=(200, 130, 70) if kilos <= 2.5 else (240, 170, 110),
        attrs={"diameter": num(dia), "length-mm": str(length), "net-weight": num(kilos)},
        badge=f"{num(dia)}x{length}",
    )


SCREWS = Branch(
    "Screws",
    (
        Leaf(
            "SCRC",
            "Chipboard screws",
            (
                _sizes(
                    (3.0, 3.5, 4.0, 4.5, 5.0, 6.0),
                    (16, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 100, 120),
                ),
                ("zinc plated", "yellow zinc", "stainless A2"),
                ("countersunk", "pan head", "washer head"),
                ("PZ", "TX"),
            ),
            _chipboard,
            FASTENER_BRANDS,
            share=30,
        ),
        Leaf(
            "DWS",
            "Drywall screws",
            (
                (
                    (3.5, 25),
                    (3.5, 35),
                    (3.5, 45),
                    (3.5, 55),
                    (3.9, 35),
                    (3.9, 45),
                    (4.2, 65),
                    (4.8, 90),
                ),
                ("fine", "coarse"),
                ("phosphated", "zinc plated"),
            ),
            _drywall_screw,
            FASTENER_BRANDS,
            share=10,
        ),
        Leaf(
            "TEK",
            "Self-drilling screws",
            (
                _sizes((3.5, 3.9, 4.2, 4.8, 5.5, 6.3), (13, 16, 19, 25, 32, 38, 50, 70)),
                ("pan head PH", "hex washer head"),
                ("zinc plated", "stainless A2"),
            ),
            _self_drilling,
            FASTENER_BRANDS,
            share=10,
        ),
    ),
)


WOOD_CONSTRUCTION = Branch(
    "Wood construction",
    (
        Leaf(
            "WCS",
            "Wood construction screws",
            (
                _sizes(
                    (6, 8, 10, 12),
                    (60, 80, 100, 120, 140, 160, 180, 200, 240, 280, 300, 340, 400),
                ),
                ("countersunk", "washer head", "hex head"),
                ("yellow zinc", "stainless A2"),
            ),
            _construction_screw,
            FASTENER_BRANDS,
            share=10,
        ),
        Leaf(
            "ROD",
            "Threaded rods",
            (
                (6, 8, 10, 12, 16, 20),
                (1000, 2000),
                ("zinc plated", "stainless A2", "steel 8.8 zinc plated"),
            ),
            _threaded_rod,
            FASTENER_BRANDS,
            share=4,
        ),
    ),
)


ANCHORS = Branch(
    "Anchors & plugs",
    (
        Leaf(
            "PLUG",
            "Nylon plugs",
            (
                ((5, 25), (6, 30), (8, 40), (10, 50), (12, 60), (14, 70)),
                ("universal", "expansion"),
                (False, True),
            ),
            _plug,
            FASTENER_BRANDS,
            share=8,
        ),
        Leaf(
            "FRA",
            "Frame anchors",
            (
                _sizes((8, 10, 14), (60, 80, 100, 120, 140, 160, 200, 240)),
                ("countersunk", "hex head"),
            ),
            _frame_anchor,
            FASTENER_BRANDS,
            share=6,
        ),
        Leaf(
            "HWA",
            "Hollow wall anchors",
            (
                ("Metal cavity anchor", "Plasterboard anchor nylon", "Spring toggle"),
                ("M4", "M5", "M6", "M8"),
                ("up to 12.5 mm", "12.5-25 mm"),
            ),
            _cavity_anchor,
            FASTENER_BRANDS,
            share=5,
        ),
    ),
)


BOLTS = Branch(
    "Bolts, nuts & washers",
    (
        Leaf(
            "HEX",
            "Hex bolts",
            (
                _sizes(
                    (6, 8, 10, 12, 16, 20),
                    (20, 25, 30, 35, 40, 50, 60, 70, 80, 100, 120, 150),
                ),
                (
                    "steel 8.8 zinc plated",
                    "stainless A2-70",
                    "steel 8.8 hot-dip galvanised",
                ),
                ("DIN 933", "DIN 931"),
            ),
            _hex_bolt,
            FASTENER_BRANDS,
            share=15,
        ),
        Leaf(
            "NUT",
            "Nuts & washers",
            (
                (
                    ("Hex nut DIN 934", 0.5),
                    ("Nylon insert lock nut DIN 985", 0.6),
                    ("Flat washer DIN 125", 0.25),
                    ("Large washer DIN 9021", 0.5),
                ),
                (4, 5, 6, 8, 10, 12, 16, 20),
                ("zinc plated", "stainless A2"),
            ),
            _nut,
            FASTENER_BRANDS,
            share=10,
        ),
    ),
)


NAILS = Branch(
    "Nails",
    (
        Leaf(
            "NAIL",
            "Nails",
            (
                (
                    "Wire nail bright",
                    "Wire nail galvanised",
                    "Ring-shank nail",
                    "Clout nail galvanised",
                ),
                ((2.0, 40), (2.5, 55), (3.1, 70), (3.4, 90), (4.2, 110), (4.6, 130)),
                (2.5, 5),
            ),
            _nail,
            FASTENER_BRANDS,
            share=6,
        ),
    ),
)
