"""Price types and prices, contracts, price lists, customer prices, quantity breaks and
promotions: everything the one pricing engine (``pricing.engine``) reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from dealerdesk.accounts.models import Company, CustomerGroup, Region, Tier
from dealerdesk.catalog.models import Brand, Category, Product
from dealerdesk.core.models import ErpRecord, TimeStampedModel
from dealerdesk.core.money import validate_currency
from dealerdesk.pricing.choices import PromotionKind, VatRegime


def amount_field(**options: Any) -> models.DecimalField[Decimal, Decimal]:
    """A net amount: 4 decimal places so that the ERP's prices arrive unrounded."""
    return models.DecimalField(
        max_digits=14, decimal_places=4, validators=[MinValueValidator(Decimal(0))], **options
    )


def currency_field() -> models.CharField[str, str]:
    return models.CharField(max_length=3, validators=[validate_currency], default="EUR")


class Validity(models.Model):
    """A date range a price row is valid in; open ends mean "since ever" / "until changed"."""

    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True, help_text="Last day it applies.")

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "The end date is before the start date."})


class PriceType(ErpRecord):
    """A named price column of the ERP (Retail, Wholesale, Dealer A, Wholesale USD)."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=150)
    currency = currency_field()
    is_base = models.BooleanField(
        "base price type",
        default=False,
        help_text="The list price every explanation starts from; one per currency.",
    )

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["currency"],
                condition=Q(is_base=True),
                name="one_base_price_type_per_currency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Price(ErpRecord, Validity):
    """A product's net price in one price type, valid over a date range."""

    # Found through the (product, price_type, valid_from) unique index: an index of the
    # product alone, or of product and type, would only slow every price the ERP writes.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="prices", db_index=False
    )
    price_type = models.ForeignKey(PriceType, on_delete=models.CASCADE, related_name="prices")
    amount = amount_field()

    class Meta:
        ordering = ("product", "price_type", "-valid_from")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "price_type", "valid_from"], name="price_once_per_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} {self.price_type.code} {self.amount}"


class Contract(ErpRecord, Validity):
    """An agreement between the supplier and a dealer: payment terms, currency, VAT regime,
    and which price type (with an optional markup) the dealer's prices start from."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contracts")
    name = models.CharField(max_length=150, help_text="e.g. Deferment 30 days")
    payment_terms_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days to pay after invoicing; 0 with prepayment."
    )
    prepayment_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    currency = currency_field()
    vat_regime = models.CharField(
        max_length=10, choices=VatRegime.choices, default=VatRegime.STANDARD
    )
    price_type = models.ForeignKey(
        PriceType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
        help_text="Empty: the base price type of the contract's currency.",
    )
    markup_percent = models.DecimalField(
        "markup, %",
        max_digits=7,
        decimal_places=3,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("1000"))],
        help_text="e.g. 3 for +3 %, -2 for -2 %.",
    )
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("company", "-is_default", "name")
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(is_default=True), name="one_default_contract"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    def clean(self) -> None:
        super().clean()
        if self.price_type is not None and self.price_type.currency != self.currency:
            raise ValidationError(
                {"price_type": "The price type's currency differs from the contract's."}
            )


class PriceList(ErpRecord, Validity):
    """Prices for one customer group, tier or region; a higher priority wins an overlap."""

    name = models.CharField(max_length=150)
    currency = currency_field()
    priority = models.IntegerField(default=0)
    customer_group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="price_lists"
    )
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.CASCADE, related_name="price_lists"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="price_lists"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("-priority", "name")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(customer_group__isnull=False, tier__isnull=True, region__isnull=True)
                    | Q(customer_group__isnull=True, tier__isnull=False, region__isnull=True)
                    | Q(customer_group__isnull=True, tier__isnull=True, region__isnull=False)
                ),
                name="price_list_one_audience",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audience_label(self) -> str:
        if self.customer_group_id:
            return f"group {self.customer_group}"
        if self.tier_id:
            return f"tier {self.tier}"
        return f"region {self.region}"


class PriceListItem(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    amount = amount_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="price_list_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.price_list}: {self.product_id} {self.amount}"


class CustomerPrice(ErpRecord, Validity):
    """A price negotiated with one dealer, for all its contracts or for one."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customer_prices")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="customer_prices")
    contract = models.ForeignKey(
        Contract,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="customer_prices",
        help_text="Empty: applies under every contract in this currency.",
    )
    currency = currency_field()
    amount = amount_field()

    class Meta:
        indexes = [models.Index(fields=["company", "product"])]

    def __str__(self) -> str:
        return f"{self.company} {self.product_id} {self.amount} {self.currency}"


class QuantityBreak(TimeStampedModel):
    """From ``min_quantity`` on, a percentage off. For one dealer, one group, or everyone;
    the most specific audience wins, then the largest threshold reached."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="quantity_breaks")
    min_quantity = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    discount_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="quantity_breaks"
    )
    customer_group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The ERP sends a product's whole table for an audience at once: every step of a table
    # carries the stamp of the change that wrote it, so an older table never replaces it.
    erp_version = models.BigIntegerField("ERP change sequence", null=True, blank=True)
    erp_changed_at = models.DateTimeField("ERP change time", null=True, blank=True)

    class Meta:
        ordering = ("product", "min_quantity")
        constraints = [
            models.CheckConstraint(
                condition=Q(company__isnull=True) | Q(customer_group__isnull=True),
                name="break_one_audience",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ≥{self.min_quantity}: -{self.discount_percent}%"


class Promotion(TimeStampedModel):
    """A time-limited offer on a product, category (with subtree) or brand, for everyone or
    one customer group. Promotions never stack: the one best for the dealer applies, and
    only if it lowers the price."""

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=12, choices=PromotionKind.choices)
    value = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Percent off, or the fixed net price in the currency below.",
    )
    currency = currency_field()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="promotions"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="promotions"
    )
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="promotions"
    )
    customer_group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="promotions"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("-starts_at",)
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(product__isnull=False, category__isnull=True, brand__isnull=True)
                    | Q(product__isnull=True, category__isnull=False, brand__isnull=True)
                    | Q(product__isnull=True, category__isnull=True, brand__isnull=False)
                ),
                name="promotion_one_target",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="promotion_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.kind == PromotionKind.PERCENT_OFF and self.value > 100:
            raise ValidationError({"value": "A percentage off cannot exceed 100."})
