"""Categories and products as the ERP sends them, keyed by the ERP id.

Nothing the ERP removes is deleted here: a category or product with ``active=False`` is
switched off, and past orders keep pointing at it. Every write goes through the model's
``save()``, so the catalog caches (``catalog.events.CATALOG``) follow without extra calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Upper

from dealerdesk.catalog.choices import Unit
from dealerdesk.catalog.models import Barcode, Brand, Category, Product, ProductImage
from dealerdesk.catalog.sync_images import ImageSource, erp_image_key, schedule_image_fetch
from dealerdesk.core import batch
from dealerdesk.core.barcodes import normalize_gtin, validate_gtin
from dealerdesk.core.batch import rejection, serialise, snapshot
from dealerdesk.core.models import AuditAction
from dealerdesk.core.sync import ErpStamp, Outcome, RowResult

VERB = "synced from the ERP"
_record = partial(batch.record, verb=VERB)
# The materialised path is 255 characters; a deeper node cannot be stored.
MAX_PARENT_PATH = 255 - 22

Problem = tuple[str, str, str]


@dataclass(frozen=True)
class CategoryChange:
    """A node of the ERP's category tree; ``parent`` is the parent's ERP id (None: a root)."""

    external_id: str
    name: str
    stamp: ErpStamp
    parent: str | None = None
    sort_order: int = 0
    active: bool = True
    in_public_teaser: bool = False


@dataclass(frozen=True)
class ProductChange:
    """A product as the ERP states it. ``sent`` names the fields the row states; the others
    keep their stored values (``None``: every field is stated). ``barcodes`` and ``images``,
    when stated, replace the product's set."""

    external_id: str
    stamp: ErpStamp
    sku: str | None = None
    name: str | None = None
    category: str | None = None  # the category's ERP id
    description: str = ""
    brand: str | None = None  # by name, created if new
    unit: str = Unit.PIECE
    pack_multiple: Decimal = Decimal(1)
    min_quantity: Decimal = Decimal(1)
    weight_kg: Decimal | None = None
    length_mm: Decimal | None = None
    width_mm: Decimal | None = None
    height_mm: Decimal | None = None
    volume_m3: Decimal | None = None  # None: from the dimensions
    vat_rate: Decimal = Decimal(20)
    active: bool = True
    barcodes: tuple[str, ...] = ()
    images: tuple[ImageSource, ...] = ()
    sent: frozenset[str] | None = field(default=None)

    def states(self, name: str) -> bool:
        return self.sent is None or name in self.sent


# ---- categories ---------------------------------------------------------------------------


def upsert_categories(rows: Sequence[CategoryChange], *, source: str) -> list[RowResult]:
    """Create, move, rename or switch off categories; one result per row, in order.

    A parent may come later in the batch than its children: each row waits for the rows of
    its parent. A parent chain that loops back is rejected on every row of the loop.
    """
    with transaction.atomic():
        serialise("categories")
        return _CategoryBatch(rows, source).apply()


class _CategoryBatch:
    def __init__(self, rows: Sequence[CategoryChange], source: str) -> None:
        self.rows = rows
        self.source = source
        named = {r.external_id for r in rows} | {r.parent for r in rows if r.parent}
        query = Category.objects.select_for_update().filter(external_id__in=named)
        self.held = {c.external_id or "": c for c in query.order_by("pk")}
        self.rows_of: dict[str, list[int]] = {}
        for index, row in enumerate(rows):
            self.rows_of.setdefault(row.external_id, []).append(index)
        self.results: dict[int, RowResult] = {}
        self.visiting: set[int] = set()

    def apply(self) -> list[RowResult]:
        for index in range(len(self.rows)):
            self._visit(index)
        return [self.results[index] for index in range(len(self.rows))]

    def _visit(self, index: int) -> None:
        if index in self.results or index in self.visiting:
            return
        row = self.rows[index]
        self.visiting.add(index)
        looped = False
        if row.parent and row.parent != row.external_id:
            for parent_index in self.rows_of.get(row.parent, []):
                if parent_index in self.visiting:
                    looped = True
                else:
                    self._visit(parent_index)
        self.visiting.discard(index)
        self.results[index] = self._apply(index, row, looped)

    def _apply(self, index: int, row: CategoryChange, looped: bool) -> RowResult:
        key = row.external_id
        category = self.held.get(key)
        if stale := RowResult.stale_against(index, key, row.stamp, category):
            return stale
        parent = self.held.get(row.parent) if row.parent else None
        problem = self._parent_problem(row, category, parent, looped)
        if problem:
            return RowResult.rejected(index, key, *problem)
        created = category is None
        if category is None:
            category = Category(external_id=key)
        fields = ["name", "parent", "sort_order", "is_active", "in_public_teaser"]
        before = snapshot(category, fields)
        was_active = category.is_active
        category.name, category.parent = row.name, parent
        category.sort_order, category.is_active = row.sort_order, row.active
        category.in_public_teaser = row.in_public_teaser
        try:
            category.clean_fields(exclude=["parent", "path", "depth"])
        except ValidationError as error:
            if not created:
                category.refresh_from_db()
            return RowResult.rejected(index, key, *rejection(error, {"is_active": "active"}))
        after = snapshot(category, fields)
        category.erp_version, category.erp_changed_at = row.stamp.version, row.stamp.changed_at
        old_path = category.path
        category.save()
        self.held[key] = category
        if old_path and old_path != category.path:
            self._moved(old_path, category)
        if created:
            _record(category, AuditAction.CREATE, None, after, self.source)
            return RowResult(index, Outcome.CREATED, key)
        if before == after:
            return RowResult(index, Outcome.UNCHANGED, key)
        _record(category, AuditAction.UPDATE, before, after, self.source)
        deactivated = was_active and not category.is_active
        return RowResult(index, Outcome.DEACTIVATED if deactivated else Outcome.UPDATED, key)

    def _parent_problem(
        self,
        row: CategoryChange,
        category: Category | None,
        parent: Category | None,
        looped: bool,
    ) -> Problem | None:
        if not row.parent:
            return None
        cycle = (
            "parent",
            "category_cycle",
            f"Category {row.external_id} cannot be placed under {row.parent}: "
            "the parent chain would loop back to it.",
        )
        if row.parent == row.external_id:
            return cycle
        if parent is None:
            parent_rows = self.rows_of.get(row.parent, [])
            if looped or any(
                self.results.get(i, RowResult(i, Outcome.CREATED)).code == "category_cycle"
                for i in parent_rows
            ):
                return cycle
            if parent_rows:
                return (
                    "parent",
                    "parent_rejected",
                    f"The parent category {row.parent} was rejected in this batch.",
                )
            return ("parent", "unknown_parent", f"No category with the ERP id {row.parent!r}.")
        if category is not None and category.path and parent.path.startswith(category.path):
            return cycle
        if len(parent.path) > MAX_PARENT_PATH:
            return ("parent", "too_deep", f"Category {row.parent} is nested too deep to hold more.")
        return None

    def _moved(self, old_path: str, moved: Category) -> None:
        """``save()`` rewrote the paths below a moved category in the database; bring the
        instances this batch holds in line, so later rows build on the new paths."""
        for node in self.held.values():
            if node is not moved and node.path.startswith(old_path):
                node.path = moved.path + node.path[len(old_path) :]
                node.depth = node.path.count("/") - 2


# ---- products -----------------------------------------------------------------------------

# Row field → model field, for the plain fields (errors name the row's field).
PRODUCT_FIELDS = {
    "sku": "sku",
    "name": "name",
    "description": "description",
    "unit": "unit",
    "pack_multiple": "pack_multiple",
    "min_quantity": "min_quantity",
    "weight_kg": "weight_kg",
    "length_mm": "length_mm",
    "width_mm": "width_mm",
    "height_mm": "height_mm",
    "volume_m3": "volume_m3",
    "vat_rate": "vat_rate",
    "active": "is_active",
}
DIMENSIONS = ("length_mm", "width_mm", "height_mm")
AUDITED = [*PRODUCT_FIELDS.values(), "category", "brand"]


def upsert_products(rows: Sequence[ProductChange], *, source: str) -> list[RowResult]:
    """Create, update or switch off the products ``rows`` name; one result per row.

    A product the ERP names for the first time is matched by its SKU when Dealerdesk holds
    it without an ERP id yet. Images by URL are fetched after commit, in the background.
    """
    with transaction.atomic():
        serialise("products")
        return _ProductBatch(rows, source).apply()


class _ProductBatch:
    def __init__(self, rows: Sequence[ProductChange], source: str) -> None:
        self.rows = rows
        self.source = source
        ids = {r.external_id for r in rows}
        skus = {r.sku for r in rows if r.sku and r.states("sku")}
        query = Product.objects.select_for_update().filter(Q(external_id__in=ids) | Q(sku__in=skus))
        held = list(query.order_by("pk"))
        self.by_id = {p.external_id: p for p in held if p.external_id}
        self.by_sku = {p.sku: p for p in held}
        wanted = {r.category for r in rows if r.category and r.states("category")}
        self.categories = {
            c.external_id or "": c for c in Category.objects.filter(external_id__in=wanted)
        }
        names = {r.brand.upper() for r in rows if r.brand and r.states("brand")}
        self.brands: dict[str, Brand] = {
            b.key: b for b in Brand.objects.annotate(key=Upper("name")).filter(key__in=names)
        }
        codes = {normalize_gtin(code) for r in rows if r.states("barcodes") for code in r.barcodes}
        # code → (product id, SKU): the codes named and those the held products carry.
        self.codes: dict[str, tuple[int, str]] = {
            code: (product_id, sku)
            for code, product_id, sku in Barcode.objects.filter(
                Q(code__in=codes) | Q(product__in=held)
            ).values_list("code", "product_id", "product__sku")
        }
        self.images: dict[int, list[tuple[str, str]]] = {}
        if any(r.states("images") for r in rows):
            for image in ProductImage.objects.filter(product__in=held).order_by("sort_order", "pk"):
                self.images.setdefault(image.product_id, []).append(
                    (image.image.name or "", image.alt_text)
                )

    def apply(self) -> list[RowResult]:
        return [self._apply(index, row) for index, row in enumerate(self.rows)]

    def _apply(self, index: int, row: ProductChange) -> RowResult:
        key = row.external_id
        product, problem = self._product(row)
        if problem:
            return RowResult.rejected(index, key, *problem)
        if stale := RowResult.stale_against(index, key, row.stamp, product):
            return stale
        created = product is None
        problem = self._missing(row) if created else None
        problem = problem or self._references_problem(row)
        barcodes, problem = (None, problem) if problem else self._barcodes(row, product)
        if problem:
            return RowResult.rejected(index, key, *problem)
        if product is None:
            product = Product(external_id=key)
        before = snapshot(product, AUDITED) if not created else None
        was_active, old_sku = product.is_active, product.sku
        self._set_fields(product, row)
        try:
            product.full_clean(exclude=["category", "brand"], validate_unique=False)
        except ValidationError as error:
            if not created:
                product.refresh_from_db()
            names = {model: row_name for row_name, model in PRODUCT_FIELDS.items()}
            return RowResult.rejected(index, key, *rejection(error, names))
        if row.states("brand") and row.brand and product.brand_id is None:
            product.brand = self._brand(row.brand)
        product.external_id = key  # adopts a product held by SKU without an ERP id
        product.erp_version, product.erp_changed_at = row.stamp.version, row.stamp.changed_at
        product.save()
        self.by_id[key] = product
        self.by_sku.pop(old_sku, None)
        self.by_sku[product.sku] = product
        after = snapshot(product, AUDITED)
        codes_changed = barcodes is not None and self._replace_barcodes(product, barcodes)
        images_changed = row.states("images") and self._schedule_images(product, row)
        if codes_changed and barcodes is not None:
            after["barcodes"] = list(barcodes)
        if created:
            _record(product, AuditAction.CREATE, None, after, self.source)
            return RowResult(index, Outcome.CREATED, key)
        if before == after and not codes_changed and not images_changed:
            return RowResult(index, Outcome.UNCHANGED, key)
        _record(product, AuditAction.UPDATE, before, after, self.source)
        deactivated = was_active and not product.is_active
        return RowResult(index, Outcome.DEACTIVATED if deactivated else Outcome.UPDATED, key)

    def _product(self, row: ProductChange) -> tuple[Product | None, Problem | None]:
        """The product the row is about, and whether its SKU is free for it."""
        if not row.sku or not row.states("sku"):
            return self.by_id.get(row.external_id), None
        return batch.claimed(
            self.by_id, self.by_sku, row.external_id, row.sku, noun="product", field="sku"
        )

    def _missing(self, row: ProductChange) -> Problem | None:
        for name in ("sku", "name", "category"):
            if not getattr(row, name) or not row.states(name):
                return (name, "required", f"A new product needs its {name}.")
        return None

    def _references_problem(self, row: ProductChange) -> Problem | None:
        if row.states("category") and row.category and row.category not in self.categories:
            return (
                "category",
                "unknown_category",
                f"No category with the ERP id {row.category!r}.",
            )
        if row.states("brand") and row.brand and len(row.brand) > 120:
            return ("brand", "brand_too_long", "A brand name has at most 120 characters.")
        return None

    def _barcodes(
        self, row: ProductChange, product: Product | None
    ) -> tuple[tuple[str, ...] | None, Problem | None]:
        """The row's barcodes, normalised and checked (None: the row leaves them as they are)."""
        if not row.states("barcodes"):
            return None, None
        codes: list[str] = []
        for raw in row.barcodes:
            try:
                validate_gtin(raw)
            except ValidationError as error:
                return None, ("barcodes", "invalid_barcode", " ".join(error.messages))
            code = normalize_gtin(raw)
            owner = self.codes.get(code)
            if owner and (product is None or owner[0] != product.pk):
                return None, (
                    "barcodes",
                    "barcode_taken",
                    f"Barcode {code} belongs to product {owner[1]}.",
                )
            if code not in codes:
                codes.append(code)
        return tuple(codes), None

    def _set_fields(self, product: Product, row: ProductChange) -> None:
        for row_name, model_name in PRODUCT_FIELDS.items():
            if row.states(row_name) and (row_name not in ("sku", "name") or getattr(row, row_name)):
                setattr(product, model_name, getattr(row, row_name))
        if row.states("category") and row.category:
            product.category = self.categories[row.category]
        if row.states("brand"):
            found = self.brands.get(row.brand.upper()) if row.brand else None
            product.brand = found  # a new brand is created once the row is valid
        if not row.states("volume_m3") and any(row.states(name) for name in DIMENSIONS):
            product.volume_m3 = None  # recomputed from the new dimensions on save

    def _brand(self, name: str) -> Brand:
        brand = Brand.objects.create(name=name)
        self.brands[name.upper()] = brand
        return brand

    def _replace_barcodes(self, product: Product, codes: tuple[str, ...]) -> bool:
        held = [code for code, owner in self.codes.items() if owner[0] == product.pk]
        primary = codes[0] if codes else None
        stored = {b.code: b for b in Barcode.objects.filter(product=product)} if held else {}
        changed = False
        for code in set(held) - set(codes):
            stored[code].delete()
            del self.codes[code]
            changed = True
        for code in codes:
            barcode = stored.get(code)
            if barcode is None:
                Barcode(product=product, code=code, is_primary=code == primary).save()
                self.codes[code] = (product.pk, product.sku)
                changed = True
            elif barcode.is_primary != (code == primary):
                barcode.is_primary = code == primary
                barcode.save(update_fields=["is_primary", "updated_at"])
                changed = True
        return changed

    def _schedule_images(self, product: Product, row: ProductChange) -> bool:
        """Fetch the row's images after commit unless the product shows exactly them."""
        shown = [
            (name, alt)
            for name, alt in self.images.get(product.pk, [])
            if erp_image_key(name) is not None
        ]
        keys = [(erp_image_key(name), alt) for name, alt in shown]
        wanted = [(image.key, image.alt_text) for image in row.images]
        if keys == wanted:
            return False
        schedule_image_fetch(product.pk, row.images)
        return True
