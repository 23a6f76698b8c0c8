"""Carts, orders and their history.

An order is a snapshot: it keeps the product's SKU and name, the prices, VAT and the
explanation as they were when it was placed, so later catalog or price changes never alter
what the dealer ordered. Its stock is reserved under the order's number.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Product
from dealerdesk.core.models import ErpRecord, TimeStampedModel
from dealerdesk.core.money import validate_currency
from dealerdesk.inventory.models import Warehouse
from dealerdesk.ordering.choices import DeliveryMethod, DocumentKind, OrderStatus
from dealerdesk.pricing.models import Contract


def quantity_field(**options: object) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        **options,  # type: ignore[arg-type]
    )


def money_field(**options: object) -> models.DecimalField[Decimal, Decimal]:
    """An amount rounded to its currency's minor unit: 2 places for most, 3 for some
    (KWD, BHD), 0 for others (JPY); stored with 3 so that none is cut."""
    return models.DecimalField(max_digits=17, decimal_places=3, **options)  # type: ignore[arg-type]


class Cart(TimeStampedModel):
    """One cart per person and company they act for."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="carts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="one_cart_per_person")
        ]

    def __str__(self) -> str:
        return f"cart of {self.user_id} for {self.company}"


class CartLine(TimeStampedModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    quantity = quantity_field()
    backorder = models.BooleanField(
        default=False,
        help_text="Order the whole quantity even beyond the stock: the rest waits for the "
        "next delivery.",
    )

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["cart", "product", "warehouse"], name="cart_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"


class Order(TimeStampedModel):
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="orders")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The supplier's manager who placed it for the dealer.",
    )
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="orders")
    currency = models.CharField(max_length=3)
    payment_terms_days = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED, db_index=True
    )
    erp_number = models.CharField("ERP order number", max_length=64, blank=True)
    erp_version = models.BigIntegerField(
        "ERP change sequence",
        null=True,
        blank=True,
        help_text="Of the last status the ERP sent: an older one never overwrites it.",
    )
    erp_changed_at = models.DateTimeField("ERP change time", null=True, blank=True)
    po_number = models.CharField("your PO number", max_length=64, blank=True)
    comment = models.TextField(blank=True, max_length=2000)
    delivery_method = models.CharField(
        max_length=12, choices=DeliveryMethod.choices, default=DeliveryMethod.PICKUP
    )
    delivery_option = models.ForeignKey(
        "DeliveryOption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivery_name = models.CharField(
        max_length=100, blank=True, help_text="The delivery option as the dealer chose it."
    )
    delivery_address = models.TextField(blank=True, max_length=1000)
    desired_date = models.DateField(null=True, blank=True)
    total_net = money_field()
    total_vat = money_field()
    total_gross = money_field()
    idempotency_key = models.CharField(max_length=64)
    credit_note = models.CharField(
        max_length=300, blank=True, help_text="Set when the order went over the credit limit."
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "idempotency_key"], name="order_once_per_submission"
            )
        ]
        indexes = [models.Index(fields=["company", "-created_at"], name="order_history")]

    def __str__(self) -> str:
        return self.number or f"order {self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    quantity = quantity_field()
    backorder = models.BooleanField(default=False)
    unit_price = models.DecimalField(max_digits=16, decimal_places=4)
    list_price = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    discount_percent = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    line_net = money_field()
    line_vat = money_field()
    line_gross = money_field()
    promotion = models.CharField(max_length=150, blank=True)
    explanation = models.TextField(blank=True)

    class Meta:
        ordering = ("order", "number")
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="order_line_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.order} #{self.number} {self.sku} x {self.quantity}"


def _private_storage() -> Storage:
    """Documents are served only through views that check the dealer, never by URL."""
    return storages["private"]


class OrderDocument(TimeStampedModel):
    """A document the ERP issued for an order (its invoice, a delivery note), kept as the
    ERP sent it. An ERP invoice replaces the portal's proforma for the dealer."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    number = models.CharField(max_length=64, help_text="The ERP's document number")
    issued_on = models.DateField(null=True, blank=True)
    file = models.FileField(storage=_private_storage, upload_to="documents/%Y/%m/")
    filename = models.CharField(max_length=150)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    erp_version = models.BigIntegerField(null=True, blank=True)
    erp_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("order", "kind", "-issued_on", "-id")
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "number"], name="order_document_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class OrderEvent(models.Model):
    """One step of an order's timeline: placed, sent to the ERP, accepted, …, cancelled."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=OrderStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.order} {self.status}"


class DeliveryOption(TimeStampedModel):
    """A way the supplier delivers, with the conditions the dealer sees before choosing it.

    Amounts are net, in ``currency``; an option without a currency states no amounts. The
    minimum and the lead time are enforced at checkout; the fee is what the ERP will bill
    on its invoice, shown so the dealer is not surprised.
    """

    method = models.CharField(max_length=12, choices=DeliveryMethod.choices)
    name = models.CharField(max_length=100, help_text="e.g. Nova Poshta to the branch")
    conditions = models.TextField(
        blank=True, max_length=2000, help_text="Shown to the dealer as written."
    )
    currency = models.CharField(max_length=3, blank=True, validators=[validate_currency])
    min_order_net = models.DecimalField(
        "minimum order (net)",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    fee_net = models.DecimalField(
        "delivery fee (net)",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    free_from_net = models.DecimalField(
        "free from (net)",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    lead_days = models.PositiveSmallIntegerField(
        "days to deliver", default=0, help_text="The earliest delivery is this many days away."
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "name", "id")

    def __str__(self) -> str:
        return self.name


class DeliveryAddress(ErpRecord):
    """An address in a dealer's address book (kept by the dealer, or synced from the ERP)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=100, help_text="e.g. Shop on Khreshchatyk")
    recipient = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.TextField(max_length=1000)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ("-is_default", "label", "id")
        verbose_name_plural = "delivery addresses"
        constraints = [
            models.UniqueConstraint(
                "company", Lower("label"), name="address_label_once_per_company"
            ),
            models.UniqueConstraint(
                fields=["company"],
                condition=models.Q(is_default=True),
                name="one_default_address_per_company",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def as_text(self) -> str:
        """The address as it goes on an order: recipient, address, phone."""
        return "\n".join(part for part in (self.recipient, self.address, self.phone) if part)


class ShoppingList(TimeStampedModel):
    """A named list of products a dealer orders again and again ("weekly restock"); the
    company's people share it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="shopping_lists")
    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint("company", Lower("name"), name="list_name_once_per_company")
        ]

    def __str__(self) -> str:
        return self.name


class ShoppingListLine(TimeStampedModel):
    shopping_list = models.ForeignKey(ShoppingList, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quantity = quantity_field()

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["shopping_list", "product"], name="list_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"
