"""The demo catalog as plain data: the category tree, brands, and the product generator.

Nothing here touches the database, so the generator can be called twice and compared.
``generate_products(count, seed)`` samples the leaf grids of the vocabulary modules in
proportion to each leaf's share; the same arguments always give the same list.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.text import slugify

from dealerdesk.catalog.choices import Unit
from dealerdesk.core.barcodes import ean13_check_digit
from dealerdesk.demo.spec import ATTRIBUTES, AttributeDef, Department, Item, Leaf, num
from dealerdesk.demo.vocabulary import DEPARTMENTS

BRANDS: tuple[str, ...] = tuple(
    sorted({brand for dept in DEPARTMENTS for leaf in dept.leaves for brand in leaf.brands})
)
# Categories that visitors who are not signed in may browse (without prices).
TEASER_CATEGORIES = ("LI", "TO", "PA")
# GS1 reserves prefixes 200-299 for numbers used inside one company (restricted circulation),
# so demo barcodes can never collide with a real trade item. Layout of the 12-digit body:
# "2", the brand number (2 digits), 0 = unit / 1 = outer carton, the product sequence (8).
BARCODE_PREFIX = "2"
INACTIVE_SHARE = 0.01  # discontinued items the ERP still sends, inactive in the portal


@dataclass(frozen=True, slots=True)
class CategorySpec:
    code: str
    name: str
    parent: str | None
    sort_order: int
    department: str

    @property
    def external_id(self) -> str:
        return f"DEMO-C-{self.code}"


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """One product as it will be loaded, with its barcodes and attribute values."""

    sku: str
    external_id: str
    name: str
    description: str
    category: str  # leaf code
    department: str
    brand: str
    unit: Unit
    pack_multiple: Decimal
    min_quantity: Decimal
    weight_kg: Decimal
    length_mm: Decimal | None
    width_mm: Decimal | None
    height_mm: Decimal | None
    volume_m3: Decimal | None  # only where dimensions cannot give it (goods sold per metre)
    vat_rate: Decimal
    is_active: bool
    attributes: tuple[tuple[str, str], ...]
    barcodes: tuple[str, ...]  # the first is the primary (unit) code
    badge: str


def branch_code(department: Department, branch_name: str) -> str:
    return f"{department.code}-{slugify(branch_name).upper()}"


def category_specs() -> list[CategorySpec]:
    """The three-level tree in display order: department, branch, leaf."""
    specs: list[CategorySpec] = []
    for d_index, dept in enumerate(DEPARTMENTS, start=1):
        specs.append(CategorySpec(dept.code, dept.name, None, d_index * 10, dept.code))
        for b_index, branch in enumerate(dept.branches, start=1):
            code = branch_code(dept, branch.name)
            specs.append(CategorySpec(code, branch.name, dept.code, b_index * 10, dept.code))
            for l_index, leaf in enumerate(branch.leaves, start=1):
                specs.append(CategorySpec(leaf.code, leaf.name, code, l_index * 10, dept.code))
    return specs


def attribute_defs() -> tuple[AttributeDef, ...]:
    return ATTRIBUTES


def ean13(body12: str) -> str:
    return body12 + ean13_check_digit(body12)


def allocate(total: int, shares: Sequence[int], caps: Sequence[int]) -> list[int]:
    """Split ``total`` over buckets in proportion to ``shares``, none above its cap."""
    quotas = [0] * len(shares)
    remaining = min(total, sum(caps))
    still_open = [i for i, cap in enumerate(caps) if cap > 0]
    while remaining > 0 and still_open:
        weight = sum(shares[i] for i in still_open)
        exact = {i: remaining * shares[i] / weight for i in still_open}
        given = 0
        for i in still_open:
            add = min(int(exact[i]), caps[i] - quotas[i])
            quotas[i] += add
            given += add
        remaining -= given
        if given == 0:
            # Only fractions are left: one more each, largest fraction first.
            for i in sorted(still_open, key=lambda i: (int(exact[i]) - exact[i], i)):
                if remaining == 0:
                    break
                quotas[i] += 1
                remaining -= 1
        still_open = [i for i in still_open if quotas[i] < caps[i]]
    return quotas


def capacity() -> int:
    """How many distinct products the vocabulary can describe (grid points times brands)."""
    return sum(leaf.combos * len(leaf.brands) for dept in DEPARTMENTS for leaf in dept.leaves)


def _sample(leaf: Leaf, quota: int, rng: random.Random) -> Iterator[tuple[str, Item]]:
    """``quota`` distinct (brand, item) pairs.

    While the grid has room every item is different. Beyond it the same item comes from
    several brands, and its name says which one, as wholesalers' catalogues do.
    """
    combos = leaf.combos
    if quota <= combos:
        for index in sorted(rng.sample(range(combos), quota)):
            yield rng.choice(leaf.brands), leaf.make(leaf.point(index))
        return
    for index in sorted(rng.sample(range(combos * len(leaf.brands)), quota)):
        brand_index, point_index = divmod(index, combos)
        brand = leaf.brands[brand_index]
        item = leaf.make(leaf.point(point_index))
        yield brand, replace(item, name=f"{item.name}, {brand}")


def _dec(value: float | None, places: str) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places))


def _quantity(count: float, unit: Unit) -> str:
    """How a catalogue writes a quantity of a unit: "10 packs", "90 m", "12 pcs"."""
    label = unit.label
    if count != 1 and label in {"pack", "set", "roll", "bag", "pallet"}:
        label += "s"
    return f"{num(count)} {label}"


def _describe(leaf: Leaf, item: Item) -> str:
    """The leaf's blurb and how the item is ordered, as a product page would say it."""
    unit = item.unit.label
    parts = [leaf.blurb] if leaf.blurb else []
    if item.pack != 1:
        parts.append(f"Ordered in multiples of {num(item.pack)} {unit}.")
    if item.min_qty:
        parts.append(f"Minimum order {num(item.min_qty)} {unit}.")
    if item.outer:
        parts.append(f"Outer carton of {_quantity(item.outer, item.unit)}, with its own barcode.")
    return " ".join(parts)


def _build(
    seq: int, dept: Department, leaf: Leaf, brand: str, item: Item, rng: random.Random
) -> ProductSpec:
    brand_no = BRANDS.index(brand)
    sold_cut_to_length = item.unit == Unit.METRE and item.pack == 1
    barcodes: list[str] = []
    if not sold_cut_to_length:
        barcodes.append(ean13(f"{BARCODE_PREFIX}{brand_no:02d}0{seq:08d}"))
    if item.outer:
        barcodes.append(ean13(f"{BARCODE_PREFIX}{brand_no:02d}1{seq:08d}"))
    attrs = dict(item.attrs)
    if item.outer:
        attrs["outer-pack"] = _quantity(item.outer, item.unit)
    length, width, height = item.dims if item.dims else (None, None, None)
    pack = Decimal(num(item.pack))
    return ProductSpec(
        sku=f"{leaf.code}-{seq:05d}",
        external_id=f"DEMO-P-{seq:06d}",
        name=item.name,
        description=_describe(leaf, item),
        category=leaf.code,
        department=dept.code,
        brand=brand,
        unit=item.unit,
        pack_multiple=pack,
        min_quantity=Decimal(num(item.min_qty)) if item.min_qty else pack,
        weight_kg=max(Decimal("0.001"), _dec(item.weight_kg, "0.001") or Decimal(0)),
        length_mm=_dec(length, "0.1"),
        width_mm=_dec(width, "0.1"),
        height_mm=_dec(height, "0.1"),
        volume_m3=_dec(item.volume_m3, "0.000001"),
        vat_rate=leaf.vat,
        is_active=rng.random() >= INACTIVE_SHARE,
        attributes=tuple(sorted(attrs.items())),
        barcodes=tuple(barcodes),
        badge=item.badge,
    )


def generate_products(count: int, seed: int) -> list[ProductSpec]:
    """``count`` products spread over the leaves; deterministic for a given seed."""
    rng = random.Random(f"{seed}:products")
    leaves = [(dept, leaf) for dept in DEPARTMENTS for leaf in dept.leaves]
    quotas = allocate(
        count,
        [leaf.share for _, leaf in leaves],
        [leaf.combos * len(leaf.brands) for _, leaf in leaves],
    )
    specs: list[ProductSpec] = []
    for (dept, leaf), quota in zip(leaves, quotas, strict=True):
        for brand, item in _sample(leaf, quota, rng):
            specs.append(_build(len(specs) + 1, dept, leaf, brand, item, rng))
    return specs
