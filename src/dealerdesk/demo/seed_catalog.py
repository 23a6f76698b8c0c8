"""Loading the demo catalog: categories, brands, attributes, products, barcodes, images.

Rows are built in memory and written with ``bulk_create`` in chunks, so that 50,000 products
take a few thousand statements rather than a few hundred thousand, and memory stays flat.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from dealerdesk.accounts.models import StaffProfile
from dealerdesk.catalog.models import (
    Attribute,
    Barcode,
    Brand,
    Category,
    Product,
    ProductAttributeValue,
    ProductImage,
    volume_from_dimensions,
)
from dealerdesk.demo import images
from dealerdesk.demo.catalog_data import (
    BRANDS,
    DEPARTMENTS,
    TEASER_CATEGORIES,
    ProductSpec,
    attribute_defs,
    category_specs,
)

BATCH = 2000  # rows per INSERT; Django lowers it where the database allows fewer parameters
CHUNK = 5000  # products built in memory at a time

Log = Callable[[str], None]


class ErpClock:
    """Hands out ERP change stamps: a rising sequence number and the matching change time.

    Fixed, not ``now()``, so that the same seed gives the same rows.
    """

    START = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
    FIRST = 1_000_000

    def __init__(self) -> None:
        self.version = self.FIRST

    def stamp(self) -> dict[str, Any]:
        self.version += 1
        changed_at = self.START + timedelta(seconds=(self.version - self.FIRST) * 3)
        return {"erp_version": self.version, "erp_changed_at": changed_at}


class CatalogLoader:
    """Writes the catalog and remembers the ids the accounts side needs afterwards."""

    def __init__(self, clock: ErpClock, log: Log) -> None:
        self.clock = clock
        self.log = log
        self.categories: dict[str, Category] = {}
        self.products_by_leaf: dict[str, list[int]] = defaultdict(list)
        self.brand_ids: dict[str, int] = {}
        self.attribute_ids: dict[str, int] = {}

    # --- reference rows ----------------------------------------------------------------------

    def load_categories(self) -> None:
        """Saved one by one (about a hundred): ``Category.save()`` keeps ``path`` and ``depth``."""
        for spec in category_specs():
            parent = self.categories[spec.parent] if spec.parent else None
            category = Category(
                name=spec.name,
                parent=parent,
                sort_order=spec.sort_order,
                in_public_teaser=spec.code in TEASER_CATEGORIES,
                external_id=spec.external_id,
                **self.clock.stamp(),
            )
            category.save()
            self.categories[spec.code] = category

    def load_brands_and_attributes(self) -> None:
        brands = Brand.objects.bulk_create(
            [
                Brand(name=name, external_id=f"DEMO-B-{number:03d}", **self.clock.stamp())
                for number, name in enumerate(BRANDS, start=1)
            ]
        )
        self.brand_ids = {brand.name: brand.pk for brand in brands}
        attributes = Attribute.objects.bulk_create(
            [
                Attribute(
                    code=definition.code,
                    name=definition.name,
                    unit=definition.unit,
                    sort_order=number * 10,
                    external_id=f"DEMO-A-{definition.code}",
                    **self.clock.stamp(),
                )
                for number, definition in enumerate(attribute_defs(), start=1)
            ]
        )
        self.attribute_ids = {attribute.code: attribute.pk for attribute in attributes}

    def assign_staff(
        self, staff: dict[str, StaffProfile], served: dict[str, Sequence[str]]
    ) -> None:
        """Category.staff: who serves which department (set on the top-level category)."""
        through = Category.staff.through
        Category.staff.through.objects.bulk_create(
            [
                through(category_id=self.categories[code].pk, staffprofile_id=staff[email].pk)
                for email, codes in served.items()
                for code in codes
            ],
            batch_size=BATCH,
        )

    # --- products ------------------------------------------------------------------------------

    def load_products(self, specs: Sequence[ProductSpec], image_per_leaf: int | None) -> None:
        """Products with their barcodes, attribute values and (some) images, chunk by chunk."""
        imaged: dict[str, int] = defaultdict(int)
        for start in range(0, len(specs), CHUNK):
            chunk = specs[start : start + CHUNK]
            products = Product.objects.bulk_create(
                [self._product(spec) for spec in chunk], batch_size=BATCH
            )
            barcodes: list[Barcode] = []
            values: list[ProductAttributeValue] = []
            pictures: list[ProductImage] = []
            for spec, product in zip(chunk, products, strict=True):
                self.products_by_leaf[spec.category].append(product.pk)
                barcodes.extend(
                    Barcode(product_id=product.pk, code=code, is_primary=index == 0)
                    for index, code in enumerate(spec.barcodes)
                )
                values.extend(
                    ProductAttributeValue(
                        product_id=product.pk, attribute_id=self.attribute_ids[code], value=value
                    )
                    for code, value in spec.attributes
                )
                if image_per_leaf is None or imaged[spec.category] < image_per_leaf:
                    imaged[spec.category] += 1
                    pictures.append(
                        ProductImage(
                            product_id=product.pk, image=self._tile(spec), alt_text=spec.name
                        )
                    )
            Barcode.objects.bulk_create(barcodes, batch_size=BATCH)
            ProductAttributeValue.objects.bulk_create(values, batch_size=BATCH)
            ProductImage.objects.bulk_create(pictures, batch_size=BATCH)
            if len(specs) > CHUNK:
                self.log(f"  products: {start + len(chunk):,} of {len(specs):,}")

    def _product(self, spec: ProductSpec) -> Product:
        # bulk_create skips Product.save(), which would have computed the volume.
        volume = spec.volume_m3
        if volume is None:
            volume = volume_from_dimensions(spec.length_mm, spec.width_mm, spec.height_mm)
        return Product(
            sku=spec.sku,
            name=spec.name,
            description=spec.description,
            category_id=self.categories[spec.category].pk,
            brand_id=self.brand_ids[spec.brand],
            unit=spec.unit,
            pack_multiple=spec.pack_multiple,
            min_quantity=spec.min_quantity,
            weight_kg=spec.weight_kg,
            length_mm=spec.length_mm,
            width_mm=spec.width_mm,
            height_mm=spec.height_mm,
            volume_m3=volume,
            vat_rate=spec.vat_rate,
            is_active=spec.is_active,
            external_id=spec.external_id,
            **self.clock.stamp(),
        )

    def _tile(self, spec: ProductSpec) -> str:
        """The stored name of the product's tile; drawn only if not on disk from an earlier run."""
        department = _DEPARTMENTS[spec.department]
        drawing = {
            "picto": department.picto,
            "colour": department.colour,
            "caption": self.categories[spec.category].name,
            "badge": spec.badge,
            "sku": spec.sku,
        }
        # The name carries a digest of what is drawn: another seed's tile is never reused.
        digest = hashlib.sha256(repr(sorted(drawing.items())).encode()).hexdigest()[:10]
        name = f"products/demo/{spec.sku.lower()}-{digest}.png"
        if default_storage.exists(name):
            return name
        return default_storage.save(name, ContentFile(images.product_tile(**drawing)))


_DEPARTMENTS = {department.code: department for department in DEPARTMENTS}
