"""Demo vocabulary: the Plumbing department.

Brand names are invented; none is meant to be a real trademark.
"""

from __future__ import annotations

from typing import Any

from dealerdesk.catalog.choices import Unit
from dealerdesk.demo.spec import Branch, Item, Leaf, num, per_metre_volume
from dealerdesk.demo.vocabulary.brands import PLUMBING_BRANDS


def _multilayer(point: tuple[Any, ...]) -> Item:
    (dia, wall), put_up, insulation = point
    if put_up == 5:
        name = f"Multilayer pipe PE-Xc/Al/PE-Xc {dia}x{num(wall)} mm, 5 m bar"
    else:
        name = f"Multilayer pipe PE-Xc/Al/PE-Xc {dia}x{num(wall)} mm, {put_up} m coil"
    outer_dia = dia + (18 if insulation else 0)
    if insulation:
        name += f", {insulation} insulation"
    return Item(
        name=name,
        unit=Unit.METRE,
        pack=put_up,
        weight_kg=dia * wall * 0.0045 + (0.03 if insulation else 0),
        volume_m3=per_metre_volume(outer_dia),
        attrs={"diameter": str(dia), "thickness": num(wall), "pressure": "10"}
        | ({"length-m": str(put_up)} if put_up > 5 else {}),
        badge=f"{dia}x{num(wall)}",
    )


def _ppr(point: tuple[Any, ...]) -> Item:
    dia, pressure, fibre = point
    wall = round(dia / (6 if pressure == 20 else 7.4), 1)
    return Item(
        name=f"PP-R pipe {dia}x{num(wall)} mm PN{pressure}"
        + (" glass-fibre reinforced" if fibre else "")
        + ", 4 m bar",
        unit=Unit.METRE,
        pack=4,
        weight_kg=dia * wall * 0.0028,
        volume_m3=dia * dia * 1000 / 1e9,
        attrs={"diameter": str(dia), "thickness": num(wall), "pressure": str(pressure)},
        badge=f"Ø{dia}",
    )


def _drain_pipe(point: tuple[Any, ...]) -> Item:
    dia, length = point
    return Item(
        name=f"Drain pipe PP DN{dia} x {length} mm, with socket",
        unit=Unit.PIECE,
        weight_kg=dia * length * 0.0000035 + 0.05,
        dims=(length + dia * 0.6, dia + 6, dia + 6),
        outer=10 if dia <= 50 else 0,
        attrs={"diameter": str(dia), "length-mm": str(length), "material": "polypropylene"},
        badge=f"DN{dia}",
    )


def _press_fitting(point: tuple[Any, ...]) -> Item:
    kind, dia = point
    return Item(
        name=f"Press {kind} {dia} mm, TH profile, brass",
        unit=Unit.PIECE,
        weight_kg=0.02 + dia * 0.004,
        dims=(dia * 3, dia * 2, dia * 2),
        outer=10,
        attrs={"diameter": str(dia), "material": "brass"},
        badge=f"{dia} mm",
    )


def _drain_fitting(point: tuple[Any, ...]) -> Item:
    kind, dia = point
    return Item(
        name=f"Drain {kind} PP DN{dia}",
        unit=Unit.PIECE,
        weight_kg=0.02 + dia * 0.002,
        dims=(dia * 2.2, dia * 1.6, dia + 6),
        outer=20 if dia <= 50 else 10,
        attrs={"diameter": str(dia), "material": "polypropylene"},
        badge=f"DN{dia}",
    )


def _ball_valve(point: tuple[Any, ...]) -> Item:
    (size, factor), ends, handle = point
    return Item(
        name=f'Ball valve {size}" {ends}, brass nickel-plated, PN25, {handle}',
        unit=Unit.PIECE,
        weight_kg=0.12 * factor,
        dims=(50 * factor**0.5, 80, 60),
        outer=10,
        attrs={"thread": f'{size}"', "pressure": "25", "material": "brass"},
        badge=f'{size}"',
    )


PIPES = Branch(
    "Pipes",
    (
        Leaf(
            "MLC",
            "Multilayer pipes",
            (
                ((16, 2.0), (20, 2.0), (26, 3.0), (32, 3.0)),
                (5, 50, 100, 200),
                ("", "6 mm red", "6 mm blue"),
            ),
            _multilayer,
            PLUMBING_BRANDS,
            share=8,
        ),
        Leaf(
            "PPR",
            "PP-R pipes",
            ((20, 25, 32, 40, 50, 63), (16, 20), (False, True)),
            _ppr,
            PLUMBING_BRANDS,
            share=5,
        ),
        Leaf(
            "HT",
            "Drain pipes",
            ((32, 40, 50, 75, 110), (150, 250, 500, 1000, 1500, 2000, 3000)),
            _drain_pipe,
            PLUMBING_BRANDS,
            share=6,
        ),
    ),
)


FITTINGS = Branch(
    "Fittings",
    (
        Leaf(
            "PRES",
            "Press fittings",
            (
                (
                    "coupling",
                    "elbow 90°",
                    "tee",
                    'male adapter 1/2"',
                    'female adapter 1/2"',
                    'wall plate elbow 1/2"',
                ),
                (16, 20, 26, 32),
            ),
            _press_fitting,
            PLUMBING_BRANDS,
            share=8,
        ),
        Leaf(
            "HTF",
            "Drain fittings",
            (
                (
                    "bend 15°",
                    "bend 30°",
                    "bend 45°",
                    "bend 87°",
                    "branch 45°",
                    "branch 87°",
                    "cleaning pipe",
                ),
                (32, 40, 50, 75, 110),
            ),
            _drain_fitting,
            PLUMBING_BRANDS,
            share=6,
        ),
    ),
)


VALVES = Branch(
    "Valves",
    (
        Leaf(
            "BV",
            "Ball valves",
            (
                (
                    ("1/2", 1.0),
                    ("3/4", 1.5),
                    ("1", 2.4),
                    ("1 1/4", 3.6),
                    ("1 1/2", 4.8),
                    ("2", 7.0),
                ),
                ("FF", "MF"),
                ("red lever", "red butterfly handle"),
            ),
            _ball_valve,
            PLUMBING_BRANDS,
            share=5,
        ),
    ),
)
