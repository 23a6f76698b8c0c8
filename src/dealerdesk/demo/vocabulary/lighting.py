"""Demo vocabulary: the Lighting department.

Brand names are invented; none is meant to be a real trademark.
"""

from __future__ import annotations

from typing import Any

from dealerdesk.catalog.choices import Unit
from dealerdesk.demo.spec import VAT_REDUCED, Branch, Item, Leaf, num
from dealerdesk.demo.vocabulary.brands import LIGHTING_BRANDS

KELVINS = (2700, 4000, 6500)


def _bulb(point: tuple[Any, ...]) -> Item:
    (shape, base), watts, kelvin, finish, dimmable = point
    lumen = round(watts * (110 if finish == "clear filament" else 100) / 10) * 10
    return Item(
        name=f"LED bulb {shape} {base} {num(watts)} W {lumen} lm {kelvin} K, {finish}"
        + (", dimmable" if dimmable else ""),
        unit=Unit.PIECE,
        weight_kg=0.05,
        dims=(65, 65, 120),
        outer=10,
        attrs={
            "lamp-base": base,
            "power": num(watts),
            "luminous-flux": str(lumen),
            "colour-temperature": str(kelvin),
        },
        badge=f"{base} {num(watts)}W",
    )


def _spot(point: tuple[Any, ...]) -> Item:
    (base, volts), watts, kelvin, beam, dimmable = point
    lumen = round(watts * 80 / 5) * 5
    return Item(
        name=f"LED spot {base} {num(watts)} W {lumen} lm {kelvin} K {beam}°"
        + (", dimmable" if dimmable else ""),
        unit=Unit.PIECE,
        weight_kg=0.04,
        dims=(52, 52, 60),
        outer=10,
        attrs={
            "lamp-base": base,
            "voltage": volts,
            "power": num(watts),
            "luminous-flux": str(lumen),
            "colour-temperature": str(kelvin),
        },
        badge=f"{base} {num(watts)}W",
    )


def _tube(point: tuple[Any, ...]) -> Item:
    (length, watts), kelvin, ballast = point
    lumen = watts * 110
    return Item(
        name=f"LED tube T8 G13 {length} mm {watts} W {lumen} lm {kelvin} K, {ballast}",
        unit=Unit.PIECE,
        weight_kg=0.1 + length * 0.0002,
        dims=(length, 30, 30),
        outer=25,
        attrs={
            "lamp-base": "G13",
            "power": str(watts),
            "luminous-flux": str(lumen),
            "colour-temperature": str(kelvin),
            "length-mm": str(length),
        },
        badge=f"T8 {length}",
    )


def _panel(point: tuple[Any, ...]) -> Item:
    (length, width), watts, kelvin, glare, lit = point
    lumen = watts * (120 if lit == "edge-lit" else 105)
    return Item(
        name=f"LED panel {lit} {length}x{width} mm {watts} W {lumen:,} lm {kelvin} K{glare}",
        unit=Unit.PIECE,
        weight_kg=length * width * 0.0000085,
        dims=(length + 20, width + 20, 45),
        attrs={
            "power": str(watts),
            "luminous-flux": str(lumen),
            "colour-temperature": str(kelvin),
            "ip-rating": "IP20",
        },
        badge=f"{watts} W",
    )


def _batten(point: tuple[Any, ...]) -> Item:
    (length, watts), kelvin, ip = point
    lumen = watts * 110
    return Item(
        name=f"Waterproof LED batten {length} mm {watts} W {lumen} lm {kelvin} K {ip}",
        unit=Unit.PIECE,
        weight_kg=0.4 + length * 0.0008,
        dims=(length + 40, 80, 70),
        outer=4,
        attrs={
            "power": str(watts),
            "luminous-flux": str(lumen),
            "colour-temperature": str(kelvin),
            "ip-rating": ip,
        },
        badge=ip,
    )


def _downlight(point: tuple[Any, ...]) -> Item:
    (cutout, watts), kelvin, finish, ip = point
    lumen = watts * 90
    return Item(
        name=f"LED downlight, cut-out Ø{cutout} mm, {watts} W {lumen} lm {kelvin} K, "
        f"{finish}, {ip}",
        unit=Unit.PIECE,
        weight_kg=0.1 + cutout * 0.002,
        dims=(cutout + 30, cutout + 30, 70),
        outer=10,
        attrs={
            "power": str(watts),
            "luminous-flux": str(lumen),
            "colour-temperature": str(kelvin),
            "ip-rating": ip,
            "colour": finish,
        },
        badge=f"Ø{cutout}",
    )


def _flood(point: tuple[Any, ...]) -> Item:
    watts, kelvin, colour, sensor = point
    lumen = watts * 100
    size = 100 + watts
    return Item(
        name=f"LED floodlight {watts} W {lumen:,} lm {kelvin} K IP65, {colour}"
        + (", with PIR motion sensor" if sensor else ""),
        unit=Unit.PIECE,
        weight_kg=0.2 + watts * 0.012,
        dims=(size, size * 0.8, 60),
        attrs={
            "power": str(watts),
            "luminous-flux": str(lumen),
            "colour-temperature": str(kelvin),
            "ip-rating": "IP65",
            "colour": colour,
        },
        badge=f"{watts} W",
    )


def _bulkhead(point: tuple[Any, ...]) -> Item:
    shape, watts, colour, sensor = point
    return Item(
        name=f"LED bulkhead light {shape} {watts} W 4000 K IP65, {colour}"
        + (", microwave sensor" if sensor else ""),
        unit=Unit.PIECE,
        weight_kg=0.5 + watts * 0.02,
        dims=(260, 260 if shape == "round" else 160, 90),
        outer=6,
        attrs={
            "power": str(watts),
            "colour-temperature": "4000",
            "ip-rating": "IP65",
            "colour": colour,
        },
        badge=f"{watts} W",
    )


LED_LAMPS = Branch(
    "LED lamps",
    (
        Leaf(
            "LEDA",
            "LED bulbs",
            (
                (
                    ("A60", "E27"),
                    ("A67", "E27"),
                    ("C35 candle", "E14"),
                    ("P45 golf ball", "E14"),
                    ("G45", "E27"),
                ),
                (4.9, 7, 8.5, 11, 13),
                KELVINS,
                ("frosted", "clear filament"),
                (False, True),
            ),
            _bulb,
            LIGHTING_BRANDS,
            share=15,
            vat=VAT_REDUCED,
        ),
        Leaf(
            "LEDS",
            "LED spots",
            (
                (("GU10", "230"), ("GU5.3", "12")),
                (3, 4.7, 6, 7.5),
                (2700, 3000, 4000),
                (36, 60),
                (False, True),
            ),
            _spot,
            LIGHTING_BRANDS,
            share=10,
            vat=VAT_REDUCED,
        ),
        Leaf(
            "LEDT",
            "LED tubes",
            (
                ((600, 9), (1200, 18), (1500, 24)),
                (3000, 4000, 6500),
                ("for electronic ballast", "for magnetic ballast", "mains direct"),
            ),
            _tube,
            LIGHTING_BRANDS,
            share=6,
            vat=VAT_REDUCED,
        ),
    ),
)


LUMINAIRES = Branch(
    "Luminaires",
    (
        Leaf(
            "PANEL",
            "LED panels",
            (
                ((595, 595), (620, 620), (1195, 295), (1195, 595)),
                (25, 36, 40),
                (3000, 4000, 6500),
                ("", " UGR<19"),
                ("edge-lit", "backlit"),
            ),
            _panel,
            LIGHTING_BRANDS,
            share=8,
        ),
        Leaf(
            "BAT",
            "Waterproof battens",
            (((600, 18), (1200, 36), (1500, 48)), (4000, 6500), ("IP65", "IP66")),
            _batten,
            LIGHTING_BRANDS,
            share=5,
        ),
        Leaf(
            "DOWN",
            "Downlights",
            (
                ((68, 5), (90, 7), (120, 12), (170, 18), (200, 24)),
                (2700, 3000, 4000),
                ("white", "black", "brushed steel"),
                ("IP20", "IP44"),
            ),
            _downlight,
            LIGHTING_BRANDS,
            share=8,
        ),
    ),
)


OUTDOOR_LIGHTING = Branch(
    "Outdoor lighting",
    (
        Leaf(
            "FLOOD",
            "Floodlights",
            (
                (10, 20, 30, 50, 100, 150, 200),
                (4000, 6500),
                ("black", "grey"),
                (False, True),
            ),
            _flood,
            LIGHTING_BRANDS,
            share=6,
        ),
        Leaf(
            "BULK",
            "Bulkhead lights",
            (("round", "oval"), (8, 12, 15, 20), ("white", "graphite"), (False, True)),
            _bulkhead,
            LIGHTING_BRANDS,
            share=4,
        ),
    ),
)
