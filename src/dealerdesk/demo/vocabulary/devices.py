"""Demo vocabulary: switches and sockets, circuit protection.

Brand names are invented; none is meant to be a real trademark.
"""

from __future__ import annotations

from typing import Any

from dealerdesk.catalog.choices import Unit
from dealerdesk.demo.spec import Branch, Item, Leaf
from dealerdesk.demo.vocabulary.brands import ELECTRICAL_BRANDS

SERIES = ("Linea", "Quadra", "Arc", "Moda")

DEVICE_COLOURS = (
    "pure white",
    "cream",
    "anthracite",
    "aluminium",
    "matt black",
    "stainless steel",
)


def _switch(point: tuple[Any, ...]) -> Item:
    function, series, colour = point
    return Item(
        name=f"{function}, {series} series, {colour}",
        unit=Unit.PIECE,
        weight_kg=0.09,
        dims=(71, 71, 40),
        outer=10,
        attrs={"voltage": "250", "colour": colour, "series": series},
        badge=series,
    )


def _socket(point: tuple[Any, ...]) -> Item:
    (kind, ip), series, colour = point
    return Item(
        name=f"{kind}, {series} series, {colour}",
        unit=Unit.PIECE,
        weight_kg=0.12,
        dims=(71, 71, 45),
        outer=10,
        attrs={"rated-current": "16", "voltage": "250", "ip-rating": ip, "colour": colour}
        | {"series": series},
        badge="16 A",
    )


def _frame(point: tuple[Any, ...]) -> Item:
    gangs, series, colour = point
    return Item(
        name=f"Frame {gangs}-gang, {series} series, {colour}",
        unit=Unit.PIECE,
        weight_kg=0.03 * gangs,
        dims=(71 * gangs + 10, 81, 10),
        outer=10,
        attrs={"colour": colour, "series": series},
        badge=f"{gangs}-gang",
    )


def _mcb(point: tuple[Any, ...]) -> Item:
    curve, current, (poles, modules), capacity = point
    return Item(
        name=f"Circuit breaker {curve}{current} {poles} {capacity}kA",
        unit=Unit.PIECE,
        weight_kg=0.12 * modules,
        dims=(17.5 * modules, 90, 72),
        outer=12 if modules == 1 else 6,
        attrs={
            "tripping-curve": curve,
            "rated-current": str(current),
            "poles": poles,
            "breaking-capacity": str(capacity),
            "voltage": "230/400",
        },
        badge=f"{curve}{current}",
    )


def _rcd(point: tuple[Any, ...]) -> Item:
    (kind, poles, modules), current, sensitivity, rcd_type = point
    if kind == "RCBO":
        name = f"RCBO B{current} {poles} {sensitivity} mA type {rcd_type}, 6kA"
    else:
        name = f"Residual current device {poles} {current} A {sensitivity} mA type {rcd_type}"
    return Item(
        name=name,
        unit=Unit.PIECE,
        weight_kg=0.2 * modules,
        dims=(17.5 * modules, 90, 72),
        outer=6,
        attrs={
            "rated-current": str(current),
            "residual-current": str(sensitivity),
            "poles": poles,
        },
        badge=f"{sensitivity} mA",
    )


def _board(point: tuple[Any, ...]) -> Item:
    mounting, rows, door = point
    modules = rows * 12
    height = 150 * rows + 100
    return Item(
        name=f"Distribution board {mounting} {rows} row{'s' if rows > 1 else ''}, "
        f"{modules} modules, IP40, {door}",
        unit=Unit.PIECE,
        weight_kg=1.5 + rows * 1.2,
        dims=(310, height, 100 if mounting == "surface-mounted" else 90),
        attrs={"ip-rating": "IP40", "material": "steel, powder-coated"},
        badge=f"{modules} mod.",
    )


def _spd(point: tuple[Any, ...]) -> Item:
    (kind, surge), (poles, modules) = point
    return Item(
        name=f"Surge protection device {kind}, {poles}, {surge} kA",
        unit=Unit.PIECE,
        weight_kg=0.15 * modules,
        dims=(17.5 * modules, 90, 68),
        attrs={"poles": poles, "voltage": "275"},
        badge=kind,
    )


SWITCHES_SOCKETS = Branch(
    "Switches & sockets",
    (
        Leaf(
            "SW",
            "Switches",
            (
                (
                    "One-way switch 10 AX 250 V",
                    "Two-way switch 10 AX 250 V",
                    "Intermediate switch 10 AX 250 V",
                    "Double switch 10 AX 250 V",
                    "Push button 10 A 250 V",
                    "Rotary LED dimmer 5-200 W",
                ),
                SERIES,
                DEVICE_COLOURS,
            ),
            _switch,
            ELECTRICAL_BRANDS,
            share=12,
        ),
        Leaf(
            "SOCK",
            "Sockets",
            (
                (
                    ("Socket outlet type F 16 A", "IP20"),
                    ("Socket outlet type F 16 A with child protection", "IP20"),
                    ("Socket outlet type F 16 A with USB-A/C charger", "IP20"),
                    ("Double socket outlet type F 16 A", "IP20"),
                    ("Socket outlet type F 16 A with hinged lid", "IP44"),
                ),
                SERIES,
                DEVICE_COLOURS,
            ),
            _socket,
            ELECTRICAL_BRANDS,
            share=12,
        ),
        Leaf(
            "FRM",
            "Frames & cover plates",
            ((1, 2, 3, 4, 5), SERIES, DEVICE_COLOURS),
            _frame,
            ELECTRICAL_BRANDS,
            share=8,
        ),
    ),
)


CIRCUIT_PROTECTION = Branch(
    "Circuit protection",
    (
        Leaf(
            "MCB",
            "Miniature circuit breakers",
            (
                ("B", "C", "D"),
                (6, 10, 13, 16, 20, 25, 32, 40, 50, 63),
                (("1P", 1), ("1P+N", 2), ("2P", 2), ("3P", 3), ("3P+N", 4), ("4P", 4)),
                (6, 10),
            ),
            _mcb,
            ELECTRICAL_BRANDS,
            share=20,
        ),
        Leaf(
            "RCD",
            "RCDs and RCBOs",
            (
                (
                    ("RCD", "2P", 2),
                    ("RCD", "4P", 4),
                    ("RCBO", "1P+N", 2),
                    ("RCBO", "1P+N compact", 1),
                ),
                (16, 25, 40, 63),
                (30, 100, 300),
                ("A", "AC", "F"),
            ),
            _rcd,
            ELECTRICAL_BRANDS,
            share=12,
        ),
        Leaf(
            "DB",
            "Distribution boards",
            (
                ("surface-mounted", "flush-mounted"),
                (1, 2, 3, 4),
                ("white steel door", "transparent door"),
            ),
            _board,
            ELECTRICAL_BRANDS,
            share=6,
        ),
        Leaf(
            "SPD",
            "Surge protection",
            (
                (("Type 1+2", 25), ("Type 2", 40), ("Type 3", 10)),
                (("1P+N", 2), ("3P+N", 4)),
            ),
            _spd,
            ELECTRICAL_BRANDS,
            share=4,
        ),
    ),
)
