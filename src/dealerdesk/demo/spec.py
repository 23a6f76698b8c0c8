"""The shapes the demo catalog vocabulary is written in, and the attribute register.

A *leaf* category describes its products as a grid of independent axes (core count by
cross-section by coil length, …) and a ``make`` function that turns one point of the grid
into an :class:`Item`: a name that reads like a wholesaler's catalogue line, the unit of
measure, packaging, weight, dimensions and attributes. The generator in ``catalog_data``
samples points of these grids; it never touches the database.

Logistics data describe one unit of measure. Goods sold per metre from a coil (cable,
conduit) have no meaningful dimensions per metre, so they carry the coil's volume share per
metre in ``volume_m3`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dealerdesk.catalog.choices import Unit

# One country-neutral VAT scheme: a standard rate, and a reduced rate for energy-saving
# materials (thermal insulation, LED retrofit lamps).
VAT_STANDARD = Decimal("20")
VAT_REDUCED = Decimal("10")

Dims = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Item:
    """One sellable variant as a leaf's ``make`` describes it."""

    name: str
    unit: Unit
    weight_kg: float
    dims: Dims | None = None
    pack: float = 1
    min_qty: float | None = None
    attrs: Mapping[str, str] = field(default_factory=dict)
    badge: str = ""
    volume_m3: float | None = None
    outer: int = 0  # units in an outer carton that has its own barcode; 0 = no carton code


Maker = Callable[[tuple[Any, ...]], Item]


@dataclass(frozen=True)
class Leaf:
    """A level-3 category and the grid of products it holds."""

    code: str
    name: str
    axes: tuple[Sequence[Any], ...]
    make: Maker
    brands: tuple[str, ...]
    share: int = 10  # relative weight of this leaf in the catalog
    vat: Decimal = VAT_STANDARD
    blurb: str = ""

    @property
    def combos(self) -> int:
        size = 1
        for axis in self.axes:
            size *= len(axis)
        return size

    def point(self, index: int) -> tuple[Any, ...]:
        """The grid point at ``index`` (last axis varies fastest)."""
        values: list[Any] = []
        for axis in reversed(self.axes):
            index, position = divmod(index, len(axis))
            values.append(axis[position])
        return tuple(reversed(values))


@dataclass(frozen=True)
class Branch:
    """A level-2 category."""

    name: str
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True)
class Department:
    """A top-level category; ``picto`` and ``colour`` style the generated product images."""

    code: str
    name: str
    picto: str
    colour: str
    branches: tuple[Branch, ...]

    @property
    def leaves(self) -> tuple[Leaf, ...]:
        return tuple(leaf for branch in self.branches for leaf in branch.leaves)


@dataclass(frozen=True, slots=True)
class AttributeDef:
    code: str
    name: str
    unit: str = ""


ATTRIBUTES: tuple[AttributeDef, ...] = (
    AttributeDef("cross-section", "Cross-section", "mm²"),
    AttributeDef("cores", "Number of cores"),
    AttributeDef("voltage", "Rated voltage", "V"),
    AttributeDef("rated-current", "Rated current", "A"),
    AttributeDef("poles", "Poles"),
    AttributeDef("tripping-curve", "Tripping characteristic"),
    AttributeDef("breaking-capacity", "Breaking capacity", "kA"),
    AttributeDef("residual-current", "Rated residual current", "mA"),
    AttributeDef("ip-rating", "IP rating"),
    AttributeDef("power", "Power", "W"),
    AttributeDef("luminous-flux", "Luminous flux", "lm"),
    AttributeDef("colour-temperature", "Colour temperature", "K"),
    AttributeDef("lamp-base", "Lamp base"),
    AttributeDef("length-m", "Length", "m"),
    AttributeDef("length-mm", "Length", "mm"),
    AttributeDef("width-mm", "Width", "mm"),
    AttributeDef("thickness", "Thickness", "mm"),
    AttributeDef("diameter", "Diameter", "mm"),
    AttributeDef("thread", "Thread"),
    AttributeDef("pressure", "Nominal pressure", "bar"),
    AttributeDef("thermal-conductivity", "Thermal conductivity λ", "W/(m·K)"),
    AttributeDef("contents", "Contents", "l"),
    AttributeDef("net-weight", "Net weight", "kg"),
    AttributeDef("pack-quantity", "Pieces per pack", "pcs"),
    AttributeDef("outer-pack", "Units per outer carton"),
    AttributeDef("material", "Material"),
    AttributeDef("finish", "Finish"),
    AttributeDef("colour", "Colour"),
    AttributeDef("series", "Design series"),
)
ATTRIBUTE_CODES = frozenset(attribute.code for attribute in ATTRIBUTES)


def num(value: float) -> str:
    """A number as a catalogue writes it: 1.5, 10, 0.75 (no trailing zeros)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def per_metre_volume(diameter_mm: float) -> float:
    """Coil volume per metre of a round cable or hose of ``diameter_mm``, in m³."""
    packing = 1.3  # a wound coil is not solid: the gaps between the turns
    return diameter_mm * diameter_mm * 1000 * packing / 1e9
