"""Categories, brands, products with barcodes, images and attributes, and catalog visibility."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction

from dealerdesk.accounts.models import Company, CustomerGroup, StaffProfile
from dealerdesk.catalog.choices import Unit
from dealerdesk.core.barcodes import normalize_gtin, validate_gtin
from dealerdesk.core.models import ErpRecord, TimeStampedModel

POSITIVE = [MinValueValidator(Decimal("0.001"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Brand(ErpRecord):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Category(ErpRecord):
    """A node of the category tree.

    ``path`` is the chain of ids from the root ("/3/17/42/"), kept by ``save()``, so that a
    whole subtree is one indexed prefix query.
    """

    name = models.CharField(max_length=150)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    in_public_teaser = models.BooleanField(
        "shown in the public teaser",
        default=False,
        help_text="Visitors who are not signed in see this category's products, without prices.",
    )
    staff = models.ManyToManyField(
        StaffProfile,
        blank=True,
        related_name="categories",
        help_text="Supplier staff who serve this category.",
    )

    class Meta:
        ordering = ("path",)
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": "A category cannot be placed inside itself."})
            ancestor = ancestor.parent

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            if self.pk is None:
                super().save(*args, **kwargs)
                kwargs = {"update_fields": ["path", "depth"]}
            old_path = self.path
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "path", "depth"}
            prefix = self.parent.path if self.parent else "/"
            self.path = f"{prefix}{self.pk}/"
            self.depth = self.path.count("/") - 2
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self._move_descendants(old_path)

    def _move_descendants(self, old_path: str) -> None:
        moved = []
        for node in Category.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
            node.path = self.path + node.path[len(old_path) :]
            node.depth = node.path.count("/") - 2
            moved.append(node)
        Category.objects.bulk_update(moved, ["path", "depth"])

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class Product(ErpRecord):
    """A sellable item as the ERP knows it: identity, packaging, logistics and tax data."""

    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=255, db_index=True)
    description = models.TextField(blank=True)
    # Indexed by ``product_listing`` below, which also covers counts and brand facets.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", db_index=False
    )
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    unit = models.CharField(max_length=3, choices=Unit.choices, default=Unit.PIECE)
    pack_multiple = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        default=Decimal("1"),
        validators=POSITIVE,
        help_text="Orders must be a multiple of this quantity.",
    )
    min_quantity = models.DecimalField(
        "minimum quantity",
        max_digits=12,
        decimal_places=3,
        default=Decimal("1"),
        validators=POSITIVE,
    )
    weight_kg = models.DecimalField(
        "weight, kg",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    length_mm = models.DecimalField(
        "length, mm",
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    width_mm = models.DecimalField(
        "width, mm", max_digits=10, decimal_places=1, null=True, blank=True, validators=NON_NEGATIVE
    )
    height_mm = models.DecimalField(
        "height, mm",
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    volume_m3 = models.DecimalField(
        "volume, m³",
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text="Left empty, it is computed from the dimensions.",
    )
    vat_rate = models.DecimalField(
        "VAT rate, %",
        max_digits=5,
        decimal_places=2,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_active = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ("name",)
        indexes = [
            # A dealer's catalog is "category in (its categories) and active": counting it
            # and its brand facet read this index alone, not the table.
            models.Index(fields=["category", "is_active", "brand"], name="product_listing"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def clean(self) -> None:
        if self.pack_multiple and self.min_quantity and self.min_quantity < self.pack_multiple:
            raise ValidationError(
                {"min_quantity": "The minimum quantity cannot be below one pack."}
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.volume_m3 is None:
            self.volume_m3 = volume_from_dimensions(self.length_mm, self.width_mm, self.height_mm)
        super().save(*args, **kwargs)


def volume_from_dimensions(
    length_mm: Decimal | None, width_mm: Decimal | None, height_mm: Decimal | None
) -> Decimal | None:
    """Volume in m³ from dimensions in mm, rounded to 6 places (1 cm³), or None."""
    if length_mm is None or width_mm is None or height_mm is None:
        return None
    litres = Decimal(length_mm) * Decimal(width_mm) * Decimal(height_mm) / Decimal(10**9)
    return litres.quantize(Decimal("0.000001"))


class Barcode(TimeStampedModel):
    """An EAN/UPC code printed on the product or its pack; one code names one product."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="barcodes")
    code = models.CharField(max_length=14, unique=True, validators=[validate_gtin])
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ("-is_primary", "code")

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = normalize_gtin(self.code)
        super().save(*args, **kwargs)


class ProductImage(TimeStampedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/")
    alt_text = models.CharField(max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "id")

    def __str__(self) -> str:
        return self.image.name or f"image #{self.pk}"


class Attribute(ErpRecord):
    """A named property (e.g. "Cross-section", "Voltage") with an optional unit."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    unit = models.CharField(max_length=20, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "name")

    def __str__(self) -> str:
        return f"{self.name}, {self.unit}" if self.unit else self.name


class ProductAttributeValue(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="attribute_values")
    attribute = models.ForeignKey(Attribute, on_delete=models.PROTECT, related_name="values")
    value = models.CharField(max_length=255)

    class Meta:
        ordering = ("attribute__sort_order", "attribute__name")
        constraints = [
            models.UniqueConstraint(fields=["product", "attribute"], name="product_attribute_once")
        ]

    def __str__(self) -> str:
        return f"{self.attribute.name}: {self.value}"


class CatalogAssignment(TimeStampedModel):
    """Opens a category (with its subtree) or one product to a company or a customer group.

    The closed catalog of a company is the union of what is assigned to it and to its
    customer group; nothing else is visible to it anywhere.
    """

    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="catalog"
    )
    customer_group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="catalog"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(company__isnull=False, customer_group__isnull=True)
                    | models.Q(company__isnull=True, customer_group__isnull=False)
                ),
                name="assignment_one_audience",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(category__isnull=False, product__isnull=True)
                    | models.Q(category__isnull=True, product__isnull=False)
                ),
                name="assignment_one_target",
            ),
            models.UniqueConstraint(
                fields=["company", "category"],
                condition=models.Q(company__isnull=False, category__isnull=False),
                name="assignment_company_category_once",
            ),
            models.UniqueConstraint(
                fields=["company", "product"],
                condition=models.Q(company__isnull=False, product__isnull=False),
                name="assignment_company_product_once",
            ),
            models.UniqueConstraint(
                fields=["customer_group", "category"],
                condition=models.Q(customer_group__isnull=False, category__isnull=False),
                name="assignment_group_category_once",
            ),
            models.UniqueConstraint(
                fields=["customer_group", "product"],
                condition=models.Q(customer_group__isnull=False, product__isnull=False),
                name="assignment_group_product_once",
            ),
        ]

    def __str__(self) -> str:
        audience = self.company or self.customer_group
        target = self.category or self.product
        return f"{target} → {audience}"

    def clean(self) -> None:
        if bool(self.company_id) == bool(self.customer_group_id):
            raise ValidationError("Choose either a company or a customer group.")
        if bool(self.category_id) == bool(self.product_id):
            raise ValidationError("Choose either a category or a product.")
