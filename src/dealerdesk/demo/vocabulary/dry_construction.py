"""Demo vocabulary: the Dry construction department.

Brand names are invented; none is meant to be a real trademark.
"""

from __future__ import annotations

from typing import Any

from dealerdesk.catalog.choices import Unit
from dealerdesk.demo.spec import VAT_REDUCED, Branch, Item, Leaf, num
from dealerdesk.demo.vocabulary.brands import BOARD_BRANDS


def _gypsum(point: tuple[Any, ...]) -> Item:
    (kind, density), thickness, (width, length), edge = point
    area = width * length / 1e6
    return Item(
        name=f"{kind} {num(thickness)} mm {width}x{length}, {edge}",
        unit=Unit.PIECE,
        weight_kg=area * thickness * density,
        dims=(length, width, thickness),
        attrs={"thickness": num(thickness), "length-mm": str(length), "width-mm": str(width)},
        badge=f"{num(thickness)} mm",
    )


def _cement_board(point: tuple[Any, ...]) -> Item:
    thickness, (width, length) = point
    area = width * length / 1e6
    return Item(
        name=f"Cement board {num(thickness)} mm {width}x{length} for wet areas",
        unit=Unit.PIECE,
        weight_kg=area * thickness * 1.15,
        dims=(length, width, thickness),
        attrs={"thickness": num(thickness), "length-mm": str(length), "width-mm": str(width)},
        badge=f"{num(thickness)} mm",
    )


def _stud(point: tuple[Any, ...]) -> Item:
    kind, width, length, thickness = point
    depth = 50 if kind == "CW" else 40
    return Item(
        name=f"{kind} profile {width}x{depth}x{num(thickness)} mm, {length} mm",
        unit=Unit.PIECE,
        weight_kg=(width + 2 * depth) * thickness * length * 7.85e-6,
        dims=(length, width, depth),
        outer=8 if width >= 100 else 12,
        attrs={"thickness": num(thickness), "length-mm": str(length), "width-mm": str(width)}
        | {"material": "galvanised steel"},
        badge=f"{kind} {width}",
    )


def _ceiling_profile(point: tuple[Any, ...]) -> Item:
    (kind, width, depth), length, thickness = point
    return Item(
        name=f"{kind} profile {width}/{depth}x{num(thickness)} mm, {length} mm",
        unit=Unit.PIECE,
        weight_kg=(width + 2 * depth) * thickness * length * 7.85e-6,
        dims=(length, width, depth),
        outer=12,
        attrs={"thickness": num(thickness), "length-mm": str(length)}
        | {"material": "galvanised steel"},
        badge=kind,
    )


def _profile_accessory(point: tuple[Any, ...]) -> Item:
    (kind, piece_kg), count = point
    return Item(
        name=f"{kind} for CD 60/27, bag of {count}",
        unit=Unit.PACK,
        weight_kg=piece_kg * count,
        dims=(300, 200, 80 if count <= 50 else 150),
        attrs={"pack-quantity": str(count), "material": "galvanised steel"},
        badge="CD 60",
    )


def _filler(point: tuple[Any, ...]) -> Item:
    (kind, ready_mixed), kilos = point
    container = "bucket" if ready_mixed else "bag"
    return Item(
        name=f"{kind}, {kilos} kg {container}",
        unit=Unit.PIECE if ready_mixed else Unit.BAG,
        weight_kg=kilos + (0.6 if ready_mixed else 0.1),
        dims=(300, 300, 320) if ready_mixed else (450 + kilos * 6, 300, 60 + kilos * 3),
        attrs={"net-weight": str(kilos)},
        badge=f"{kilos} kg",
    )


def _tape(point: tuple[Any, ...]) -> Item:
    (kind, length, unit_kg), count = point
    pack = "" if count == 1 else f", carton of {count}"
    bead = kind.startswith("Corner bead")
    dims = (length * 1000, 40.0, 40.0) if bead else (120.0, 120.0, 55.0)
    return Item(
        name=f"{kind}{pack}",
        unit=Unit.PIECE if count == 1 else Unit.PACK,
        weight_kg=unit_kg * count,
        dims=dims if count == 1 else (300, 300, 200),
        attrs={"pack-quantity": str(count)} if count > 1 else {},
        badge="bead" if bead else "tape",
    )


def _wool(point: tuple[Any, ...]) -> Item:
    (kind, lam, form, density), thickness = point
    area = round(max(1.2, 1200 / thickness), 1)
    unit = Unit.ROLL if form == "roll" else Unit.PACK
    return Item(
        name=f"{kind} λ {lam}, {thickness} mm, {area} m² per {form}",
        unit=unit,
        weight_kg=area * thickness / 1000 * density,
        dims=(1200, 600, 600) if form == "roll" else (1200, 600, min(600, thickness * 6)),
        attrs={"thickness": str(thickness), "thermal-conductivity": lam},
        badge=f"{thickness} mm",
    )


def _foam_board(point: tuple[Any, ...]) -> Item:
    (kind, lam, density), thickness = point
    boards = max(2, 300 // thickness)
    area = round(boards * 0.5, 1)
    return Item(
        name=f"{kind} λ {lam}, {thickness} mm, 1000x500 mm, {area} m² per pack",
        unit=Unit.PACK,
        weight_kg=area * thickness / 1000 * density,
        dims=(1000, 500, boards * thickness),
        attrs={"thickness": str(thickness), "thermal-conductivity": lam},
        badge=f"{thickness} mm",
    )


BOARDS = Branch(
    "Boards",
    (
        Leaf(
            "GKB",
            "Gypsum boards",
            (
                (
                    ("Gypsum board", 0.68),
                    ("Gypsum board moisture-resistant", 0.72),
                    ("Gypsum board fire-rated", 0.8),
                    ("Gypsum board impact-resistant", 1.0),
                    ("Gypsum board acoustic", 0.9),
                    ("Gypsum board fire-rated moisture-resistant", 0.82),
                ),
                (9.5, 12.5, 15, 18, 25),
                ((1200, 2000), (1200, 2500), (1200, 2600), (1200, 3000), (625, 2000)),
                ("tapered edge", "half-round tapered edge"),
            ),
            _gypsum,
            BOARD_BRANDS,
            share=25,
        ),
        Leaf(
            "CEMB",
            "Cement boards",
            ((8, 10, 12.5), ((900, 1200), (1200, 1200), (1200, 2500))),
            _cement_board,
            BOARD_BRANDS,
            share=4,
        ),
    ),
)


METAL_PROFILES = Branch(
    "Metal profiles",
    (
        Leaf(
            "CWUW",
            "Stud & track profiles",
            (("CW", "UW"), (50, 75, 100, 125), (2600, 2750, 3000, 4000), (0.6, 0.7)),
            _stud,
            BOARD_BRANDS,
            share=12,
        ),
        Leaf(
            "CDUD",
            "Ceiling profiles",
            ((("CD", 60, 27), ("UD", 28, 27)), (3000, 4000), (0.6, 0.7)),
            _ceiling_profile,
            BOARD_BRANDS,
            share=4,
        ),
        Leaf(
            "PACC",
            "Profile accessories",
            (
                (
                    ("Direct hanger", 0.04),
                    ("Cross connector", 0.03),
                    ("Longitudinal connector", 0.03),
                    ("Nonius hanger top part", 0.05),
                    ("Anchor hanger", 0.02),
                ),
                (50, 100),
            ),
            _profile_accessory,
            BOARD_BRANDS,
            share=3,
        ),
    ),
)


JOINTING = Branch(
    "Joint compounds & tapes",
    (
        Leaf(
            "FILL",
            "Joint fillers",
            (
                (
                    ("Gypsum joint filler", False),
                    ("Lightweight joint filler", False),
                    ("Ready-mixed finishing compound", True),
                ),
                (5, 10, 25),
            ),
            _filler,
            BOARD_BRANDS,
            share=4,
        ),
        Leaf(
            "JTAP",
            "Joint tapes & corner beads",
            (
                (
                    ("Paper joint tape 50 mm, 75 m roll", 75, 0.25),
                    ("Paper joint tape 50 mm, 150 m roll", 150, 0.5),
                    ("Fibreglass mesh tape 48 mm self-adhesive, 20 m roll", 20, 0.08),
                    ("Fibreglass mesh tape 48 mm self-adhesive, 90 m roll", 90, 0.3),
                    ("Corner bead aluminium 25x25 mm, 2.5 m", 2.5, 0.2),
                    ("Corner bead galvanised 31x31 mm, 3.0 m", 3.0, 0.45),
                ),
                (1, 10),
            ),
            _tape,
            BOARD_BRANDS,
            share=3,
        ),
    ),
)


INSULATION = Branch(
    "Insulation",
    (
        Leaf(
            "MW",
            "Mineral wool",
            (
                (
                    ("Glass wool", "0.035", "roll", 18),
                    ("Glass wool", "0.040", "roll", 14),
                    ("Stone wool slab", "0.035", "pack", 40),
                    ("Acoustic partition roll", "0.040", "roll", 16),
                ),
                (40, 50, 60, 80, 100, 120, 140, 160, 200),
            ),
            _wool,
            BOARD_BRANDS,
            share=8,
            vat=VAT_REDUCED,
        ),
        Leaf(
            "EPS",
            "EPS & XPS boards",
            (
                (
                    ("EPS 035 facade board", "0.035", 15),
                    ("EPS 100 floor board", "0.035", 20),
                    ("XPS board 300 kPa", "0.034", 32),
                ),
                (20, 30, 40, 50, 60, 80, 100, 120, 140, 160, 200),
            ),
            _foam_board,
            BOARD_BRANDS,
            share=5,
            vat=VAT_REDUCED,
        ),
    ),
)
