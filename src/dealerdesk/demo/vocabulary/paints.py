"""Demo vocabulary: Paints & coatings and Building chemicals.

Brand names are invented; none is meant to be a real trademark.
"""

from __future__ import annotations

from typing import Any

from dealerdesk.catalog.choices import Unit
from dealerdesk.demo.spec import Branch, Item, Leaf, num
from dealerdesk.demo.vocabulary.brands import CHEMICAL_BRANDS, PAINT_BRANDS


def _paint(kind: str, colour: str, litres: float) -> Item:
    side = 180 + litres * 10
    return Item(
        name=f"{kind}, {colour}, {num(litres)} l",
        unit=Unit.PIECE,
        weight_kg=litres * 1.45 + 0.3,
        dims=(side, side, side * 1.1),
        attrs={"contents": num(litres), "colour": colour},
        badge=f"{num(litres)} l",
    )


def _wall_paint(point: tuple[Any, ...]) -> Item:
    kind, colour, litres = point
    return _paint(kind, colour, litres)


def _primer(point: tuple[Any, ...]) -> Item:
    kind, litres = point
    return _paint(kind, "colourless" if "deep" in kind else "white", litres)


def _masonry_paint(point: tuple[Any, ...]) -> Item:
    kind, colour, litres = point
    return _paint(kind, colour, litres)


def _roller(point: tuple[Any, ...]) -> Item:
    width, pile, material = point
    return Item(
        name=f"Paint roller {width} mm, {material}, {pile} pile",
        unit=Unit.PIECE,
        weight_kg=0.05 + width * 0.0006,
        dims=(width + 20, 60, 60),
        outer=10,
        attrs={"width-mm": str(width), "material": material},
        badge=f"{width} mm",
    )


def _brush(point: tuple[Any, ...]) -> Item:
    kind, width, bristle = point
    return Item(
        name=f"{kind} {width} mm, {bristle} bristles",
        unit=Unit.PIECE,
        weight_kg=0.03 + width * 0.001,
        dims=(width + 10, 230, 25),
        outer=12,
        attrs={"width-mm": str(width)},
        badge=f"{width} mm",
    )


def _sealant(point: tuple[Any, ...]) -> Item:
    kind, colour, ml = point
    return Item(
        name=f"{kind} {colour}, {ml} ml cartridge",
        unit=Unit.PIECE,
        weight_kg=ml * 0.0013,
        dims=(220, 50, 50),
        outer=12 if ml < 600 else 20,
        attrs={"contents": num(ml / 1000), "colour": colour},
        badge=f"{ml} ml",
    )


def _foam(point: tuple[Any, ...]) -> Item:
    kind, ml = point
    return Item(
        name=f"PU foam {kind}, {ml} ml can",
        unit=Unit.PIECE,
        weight_kg=ml * 0.0012,
        dims=(65, 65, 200 + ml / 10),
        outer=12,
        attrs={"contents": num(ml / 1000)},
        badge=f"{ml} ml",
    )


def _mortar(point: tuple[Any, ...]) -> Item:
    kind, kilos = point
    return Item(
        name=f"{kind}, {kilos} kg bag",
        unit=Unit.BAG,
        weight_kg=kilos + 0.1,
        dims=(500 + kilos * 3, 350, 60 + kilos * 3),
        attrs={"net-weight": str(kilos)},
        badge=f"{kilos} kg",
    )


def _tile_adhesive(point: tuple[Any, ...]) -> Item:
    kind, (kilos, container) = point
    return Item(
        name=f"{kind}, {kilos} kg {container}",
        unit=Unit.BAG if container == "bag" else Unit.PIECE,
        weight_kg=kilos + 0.2,
        dims=(450 + kilos * 3, 320, 60 + kilos * 3) if container == "bag" else (250, 250, 220),
        attrs={"net-weight": str(kilos)},
        badge=f"{kilos} kg",
    )


INTERIOR_PAINTS = Branch(
    "Interior paints",
    (
        Leaf(
            "WALL",
            "Wall paints",
            (
                (
                    "Interior emulsion matt",
                    "Washable interior paint silk matt",
                    "Scrub-resistant interior paint class 1",
                    "Ceiling white deep matt",
                ),
                (
                    "white",
                    "brilliant white",
                    "ivory",
                    "light grey",
                    "sand beige",
                    "pale blue",
                ),
                (2.5, 5, 10, 12.5),
            ),
            _wall_paint,
            PAINT_BRANDS,
            share=8,
        ),
        Leaf(
            "PRIM",
            "Primers",
            (
                (
                    "Deep primer solvent-free",
                    "Adhesion primer with quartz grit",
                    "Plasterboard primer",
                    "Universal primer",
                ),
                (1, 5, 10),
            ),
            _primer,
            PAINT_BRANDS,
            share=4,
        ),
    ),
)


FACADE_PAINTS = Branch(
    "Facade paints",
    (
        Leaf(
            "FAC",
            "Masonry paints",
            (
                (
                    "Silicone resin facade paint",
                    "Acrylic facade paint",
                    "Silicate facade paint",
                ),
                ("white", "sand", "light grey", "terracotta"),
                (5, 10, 15),
            ),
            _masonry_paint,
            PAINT_BRANDS,
            share=4,
        ),
    ),
)


BRUSHES_ROLLERS = Branch(
    "Brushes & rollers",
    (
        Leaf(
            "ROLL",
            "Paint rollers",
            (
                (100, 180, 250),
                ("6 mm short", "12 mm medium", "18 mm long"),
                ("microfibre", "polyamide", "foam"),
            ),
            _roller,
            PAINT_BRANDS,
            share=4,
        ),
        Leaf(
            "BRSH",
            "Brushes",
            (
                ("Flat brush", "Angled sash brush", "Radiator brush", "Block brush"),
                (25, 38, 50, 63, 75, 100),
                ("synthetic", "natural"),
            ),
            _brush,
            PAINT_BRANDS,
            share=4,
        ),
    ),
)


SEALANTS = Branch(
    "Sealants & foams",
    (
        Leaf(
            "SIL",
            "Sealants & adhesives",
            (
                (
                    "Sanitary silicone",
                    "Neutral silicone",
                    "Acrylic sealant",
                    "Hybrid polymer adhesive",
                ),
                ("white", "transparent", "grey", "black", "anthracite"),
                (290, 310, 600),
            ),
            _sealant,
            CHEMICAL_BRANDS,
            share=8,
        ),
        Leaf(
            "PUF",
            "PU foams",
            (
                ("hand-held", "gun grade", "gun grade fire-rated B1", "low expansion"),
                (500, 750),
            ),
            _foam,
            CHEMICAL_BRANDS,
            share=4,
        ),
    ),
)


DRY_MIXES = Branch(
    "Dry mixes",
    (
        Leaf(
            "CEM",
            "Cement & mortars",
            (
                (
                    "Portland cement CEM II 42.5",
                    "Masonry mortar M5",
                    "Lime-cement render",
                    "Cement screed CT-C20-F4",
                    "Rapid-set concrete",
                ),
                (25, 40),
            ),
            _mortar,
            CHEMICAL_BRANDS,
            share=5,
        ),
        Leaf(
            "TILE",
            "Tile adhesives & grouts",
            (
                (
                    "Tile adhesive C1T",
                    "Tile adhesive C2TE",
                    "Flexible tile adhesive C2TE S1",
                    "Joint grout CG2 grey",
                    "Joint grout CG2 white",
                ),
                ((5, "bag"), (25, "bag"), (5, "bucket")),
            ),
            _tile_adhesive,
            CHEMICAL_BRANDS,
            share=5,
        ),
    ),
)
