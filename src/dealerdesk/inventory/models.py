"""Warehouses, who may order from them, stock per product and warehouse, and its ledger.

The ERP owns warehouses and stock figures (``ErpRecord``); Dealerdesk adds reservations by
portal orders on top. Every change of a figure leaves a ``StockMovement`` row, so the totals
on ``StockLevel`` can always be explained and reconciled.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ExpressionWrapper, F, Q

from dealerdesk.accounts.models import Company, CustomerGroup, Region
from dealerdesk.catalog.models import Product
from dealerdesk.core.models import ErpRecord, TimeStampedModel
from dealerdesk.inventory.availability import available_to_promise
from dealerdesk.inventory.choices import StockMovementKind

# Quantities: up to 99,999,999,999.999 in the product's unit (metres and kilograms too).
DIGITS, PLACES = 14, 3
ZERO = Decimal("0")


class Warehouse(ErpRecord):
    """A place stock is shipped from; dealers order from the warehouses opened to them.

    ``open_to_all`` is the common case (the central warehouse); otherwise ``WarehouseAccess``
    rows open it to a company, a customer group or a region.
    """

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=150)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="warehouses"
    )
    address = models.TextField(blank=True)
    lead_time_days = models.PositiveSmallIntegerField(
        "lead time, days", default=0, help_text="Days from order to shipment from here."
    )
    is_active = models.BooleanField(default=True)
    open_to_all = models.BooleanField(
        "open to every dealer",
        default=False,
        help_text="Every dealer may order from here; otherwise only those given access.",
    )
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "name")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WarehouseAccess(TimeStampedModel):
    """Opens a warehouse to exactly one audience: a company, a customer group or a region."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="access")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="warehouse_access"
    )
    customer_group = models.ForeignKey(
        CustomerGroup,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="warehouse_access",
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="warehouse_access"
    )

    class Meta:
        ordering = ("id",)
        verbose_name = "warehouse access"
        verbose_name_plural = "warehouse access"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(company__isnull=False, customer_group__isnull=True, region__isnull=True)
                    | Q(company__isnull=True, customer_group__isnull=False, region__isnull=True)
                    | Q(company__isnull=True, customer_group__isnull=True, region__isnull=False)
                ),
                name="warehouse_access_one_audience",
            ),
            models.UniqueConstraint(
                fields=["warehouse", "company"],
                condition=Q(company__isnull=False),
                name="warehouse_access_company_once",
            ),
            models.UniqueConstraint(
                fields=["warehouse", "customer_group"],
                condition=Q(customer_group__isnull=False),
                name="warehouse_access_group_once",
            ),
            models.UniqueConstraint(
                fields=["warehouse", "region"],
                condition=Q(region__isnull=False),
                name="warehouse_access_region_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse} → {self.company or self.customer_group or self.region}"

    def clean(self) -> None:
        chosen = [self.company_id, self.customer_group_id, self.region_id]
        if sum(1 for pk in chosen if pk) != 1:
            raise ValidationError("Choose exactly one of a company, a customer group or a region.")


class DefaultWarehouse(TimeStampedModel):
    """The warehouse a company's lists show first and its orders ship from by default.

    One row per company (it lives here, not on ``Company``, so that accounts knows nothing of
    warehouses). With no row, or when the chosen warehouse is no longer open to the company,
    the default is the first accessible warehouse by ``sort_order``.
    """

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="default_warehouse"
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.company}: {self.warehouse}"


class StockLevelQuerySet(models.QuerySet["StockLevel"]):
    def annotate_available(self) -> StockLevelQuerySet:
        """Adds ``available_quantity`` = on hand - reserved - safety stock (may be negative
        here; the ``available`` property clamps at zero)."""
        return self.annotate(
            available_quantity=ExpressionWrapper(
                F("on_hand") - F("reserved") - F("safety_stock"),
                output_field=models.DecimalField(max_digits=DIGITS, decimal_places=PLACES),
            )
        )

    def with_available_stock(self) -> StockLevelQuerySet:
        """Rows with something left to promise (the "in stock" condition)."""
        return self.filter(on_hand__gt=F("reserved") + F("safety_stock"))


class StockLevel(ErpRecord):
    """What one warehouse holds of one product.

    ``on_hand`` and ``safety_stock`` come from the ERP (or staff); ``reserved`` is held for
    orders. ``reserved`` may exceed ``on_hand`` on purpose: an explicit backorder reserves
    stock that is not there yet, so that is not a database constraint. ``erp_version`` orders
    the ERP's deltas so an older one never overwrites a newer one; ``erp_level_version`` and
    ``erp_level_changed_at`` are those of the last absolute level, which already counts every
    delta the ERP made up to it (``inventory.sync.apply_stock_deltas``).
    """

    # The ERP names a stock row by its product and warehouse, never by an id of its own: no
    # ``external_id`` (whose two indexes every new row would write for nothing).
    external_id = None
    # Found through the (product, warehouse) unique index: one of its own would only slow
    # every stock write.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="stock_levels", db_index=False
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock_levels")
    on_hand = models.DecimalField(default=ZERO, max_digits=DIGITS, decimal_places=PLACES)
    reserved = models.DecimalField(default=ZERO, max_digits=DIGITS, decimal_places=PLACES)
    safety_stock = models.DecimalField(
        default=ZERO,
        help_text="Kept back from what dealers may order.",
        max_digits=DIGITS,
        decimal_places=PLACES,
    )
    erp_level_version = models.BigIntegerField(
        "ERP sequence of the last absolute level",
        null=True,
        blank=True,
        help_text="A delta not newer than this is already counted in on hand.",
    )
    erp_level_changed_at = models.DateTimeField(
        "ERP time of the last absolute level", null=True, blank=True
    )

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        ordering = ("product_id", "warehouse_id")
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_level_once"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(safety_stock__gte=0), name="stock_safety_stock_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"product #{self.product_id} @ warehouse #{self.warehouse_id}: {self.on_hand}"

    @property
    def available(self) -> Decimal:
        return available_to_promise(self.on_hand, self.reserved, self.safety_stock)


class IncomingStock(TimeStampedModel):
    """Stock on its way to a warehouse (a purchase order or transfer line) with its date.

    A separate table rather than one quantity/date pair on ``StockLevel``: the ERP often has
    several receipts on the way ("50 on Monday, 200 next month"), and a dealer planning an
    order needs each of them. The ERP sends the whole schedule for a product and warehouse
    with its stock message, and ``set_stock_level`` replaces it under the same version guard.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="incoming_stock")
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, related_name="incoming_stock"
    )
    quantity = models.DecimalField(max_digits=DIGITS, decimal_places=PLACES)
    expected_date = models.DateField(null=True, blank=True, help_text="Empty: date not known.")

    class Meta:
        ordering = ("product_id", "warehouse_id", "expected_date", "id")
        verbose_name_plural = "incoming stock"
        indexes = [models.Index(fields=["product", "warehouse"], name="incoming_product_wh")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="incoming_quantity_gt_0")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of product #{self.product_id} due {self.expected_date or '?'}"


class StockMovement(models.Model):
    """One line of the stock ledger: how much ``on_hand`` and ``reserved`` moved, and why.

    Append-only. The figures after the move are kept too, so a row explains the total it
    produced without replaying the ledger. Products and warehouses with history cannot be
    deleted (deactivate them instead): Django refuses it (PROTECT). The database keeps no
    foreign key constraint here: every row is written for a stock row, which has them, and
    an ERP batch writes a hundred thousand movements whose deferred checks would otherwise
    take a third of its commit.
    """

    # Found through the movement_product_wh_time index (product first).
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # No index of its own: nothing reads the ledger by warehouse alone but the check that
    # refuses to delete a warehouse with history, which may take a scan.
    warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.PROTECT,
        related_name="movements",
        db_constraint=False,
        db_index=False,
    )
    kind = models.CharField(max_length=12, choices=StockMovementKind.choices)
    on_hand_delta = models.DecimalField(default=ZERO, max_digits=DIGITS, decimal_places=PLACES)
    reserved_delta = models.DecimalField(default=ZERO, max_digits=DIGITS, decimal_places=PLACES)
    on_hand_after = models.DecimalField(max_digits=DIGITS, decimal_places=PLACES)
    reserved_after = models.DecimalField(max_digits=DIGITS, decimal_places=PLACES)
    reference = models.CharField(
        max_length=100, blank=True, help_text="Order number, ERP message id, …"
    )
    # Indexed only where set (see Meta): the ERP's movements, most of the ledger, have none.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    source = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="movement_actor"),
            models.Index(
                fields=["product", "warehouse", "-created_at"], name="movement_product_wh_time"
            ),
            # Equality only (what an order's reservations are looked up by): no LIKE index.
            models.Index(fields=["reference"], name="movement_reference"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} product #{self.product_id} @ #{self.warehouse_id}: "
            f"on hand {self.on_hand_delta:+}, reserved {self.reserved_delta:+}"
        )
