"""Warehouses and stock in the back office: supplier admins keep them, sales managers read.

Stock figures never change by a plain ``save()`` here: a stock level goes through
``inventory.services.set_stock_level`` (ledger row and audit entry), a company's default
warehouse through ``set_default_warehouse`` (access check and audit entry). The ledger
(``StockMovement``) is read-only for everyone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.fields.related import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest

from dealerdesk.accounts.queries import companies_for_staff
from dealerdesk.inventory.availability import format_quantity
from dealerdesk.inventory.models import (
    DIGITS,
    PLACES,
    DefaultWarehouse,
    IncomingStock,
    StockLevel,
    StockMovement,
    Warehouse,
    WarehouseAccess,
)
from dealerdesk.inventory.queries import accessible_warehouses
from dealerdesk.inventory.services import (
    IncomingEntry,
    set_default_warehouse,
    set_stock_level,
)
from dealerdesk.web.backoffice.base import (
    ADD,
    AUDIT_SOURCE,
    CHANGE,
    READ_ONLY,
    VIEW,
    BackofficeAdmin,
    BackofficeTabularInline,
    SharedDataAdmin,
)
from dealerdesk.web.backoffice.site import backoffice_site

# Stock levels are created and changed through the service, never deleted (the ledger keeps
# their history; set the figures to zero instead).
KEEP = frozenset({VIEW, ADD, CHANGE})


# --- warehouses ---------------------------------------------------------------------------


class WarehouseAccessInline(BackofficeTabularInline):
    model = WarehouseAccess
    fields = ("company", "customer_group", "region")
    autocomplete_fields = ("company",)
    manager_permissions = READ_ONLY
    verbose_name = "opened to"
    verbose_name_plural = "opened to (one of company, customer group or region per row)"

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Another manager's dealers are not named to a manager, not even here.
        mine = companies_for_staff(request.user)
        return queryset.filter(Q(company__isnull=True) | Q(company__in=mine))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("company", "customer_group", "region")


@admin.register(Warehouse, site=backoffice_site)
class WarehouseAdmin(SharedDataAdmin):
    list_display = (
        "code",
        "name",
        "region",
        "lead_time_days",
        "open_to_all",
        "is_active",
        "sort_order",
    )
    list_filter = ("is_active", "open_to_all", "region")
    list_select_related = ("region",)
    search_fields = ("code", "name", "address", "external_id")
    fieldsets = (
        (None, {"fields": ("code", "name", "region", "address", "is_active", "sort_order")}),
        ("Ordering", {"fields": ("lead_time_days", "open_to_all")}),
        (
            "ERP",
            {"classes": ("collapse",), "fields": ("external_id", "erp_version", "erp_changed_at")},
        ),
    )
    readonly_fields = ("erp_version", "erp_changed_at")
    inlines = (WarehouseAccessInline,)


# --- a dealer's default warehouse ---------------------------------------------------------


class DefaultWarehouseForm(forms.ModelForm):
    class Meta:
        model = DefaultWarehouse
        fields = ("company", "warehouse")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        company = cleaned.get("company") or (
            self.instance.company if self.instance.company_id else None
        )
        warehouse = cleaned.get("warehouse")
        if (
            company is not None
            and warehouse is not None
            and not accessible_warehouses(company).filter(pk=warehouse.pk).exists()
        ):
            self.add_error("warehouse", f"{company.name} may not order from {warehouse}.")
        return cleaned


@admin.register(DefaultWarehouse, site=backoffice_site)
class DefaultWarehouseAdmin(BackofficeAdmin):
    """Set through ``set_default_warehouse``, which checks access and writes the audit."""

    form = DefaultWarehouseForm
    manager_permissions = READ_ONLY
    list_display = ("company", "warehouse", "updated_at")
    list_filter = ("warehouse",)
    list_select_related = ("company", "warehouse")
    search_fields = ("company__name", "warehouse__code", "warehouse__name")
    autocomplete_fields = ("company",)

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(company__in=companies_for_staff(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # One row per company: change its warehouse, not whose it is.
        return ("company",) if obj is not None else ()

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "company":
            kwargs["queryset"] = companies_for_staff(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        chosen = set_default_warehouse(
            obj.company, obj.warehouse, actor=request.user, source=AUDIT_SOURCE
        )
        if chosen is not None:
            obj.pk = chosen.pk
            obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service has written the audit entry; do not write a second one.
        admin.ModelAdmin.save_related(self, request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        set_default_warehouse(obj.company, None, actor=request.user, source=AUDIT_SOURCE)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset.select_related("company"):
            self.delete_model(request, obj)


# --- stock --------------------------------------------------------------------------------


def parse_incoming(text: str) -> list[IncomingEntry]:
    """Receipts typed one per line: ``quantity`` or ``quantity YYYY-MM-DD``."""
    entries: list[IncomingEntry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = raw.split()
        if not parts:
            continue
        if len(parts) > 2:
            raise ValidationError(f"Line {number}: write a quantity and, optionally, a date.")
        try:
            quantity = Decimal(parts[0].replace(",", "."))
        except InvalidOperation:
            raise ValidationError(f"Line {number}: “{parts[0]}” is not a quantity.") from None
        if (
            not quantity.is_finite()
            or quantity <= 0
            or quantity >= Decimal(10) ** (DIGITS - PLACES)
        ):
            raise ValidationError(f"Line {number}: the quantity must be more than zero.")
        expected: dt.date | None = None
        if len(parts) == 2:
            try:
                expected = dt.date.fromisoformat(parts[1])
            except ValueError:
                raise ValidationError(
                    f"Line {number}: “{parts[1]}” is not a date (YYYY-MM-DD)."
                ) from None
        entries.append(IncomingEntry(quantity, expected))
    return entries


def not_negative(value: Decimal | None) -> Decimal:
    if value is None:
        raise ValidationError("Enter a quantity (zero or more).")
    if value < 0:
        raise ValidationError("A stock figure cannot be negative.")
    return value


def format_incoming(rows: QuerySet[IncomingStock]) -> str:
    return "\n".join(
        f"{format_quantity(row.quantity)} {row.expected_date.isoformat()}"
        if row.expected_date
        else format_quantity(row.quantity)
        for row in rows
    )


class StockLevelForm(forms.ModelForm):
    incoming = forms.CharField(
        label="incoming stock",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 30}),
        help_text="One receipt per line: quantity and expected date, e.g. “50 2030-07-01” "
        "(no date: not known). Replaces the whole schedule.",
    )

    class Meta:
        model = StockLevel
        fields = ("product", "warehouse", "on_hand", "safety_stock")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level = self.instance
        if level.pk is not None:
            self.fields["incoming"].initial = format_incoming(
                IncomingStock.objects.filter(
                    product_id=level.product_id, warehouse_id=level.warehouse_id
                ).order_by(F("expected_date").asc(nulls_last=True), "id")
            )

    def clean_on_hand(self) -> Decimal:
        return not_negative(self.cleaned_data.get("on_hand"))

    def clean_safety_stock(self) -> Decimal:
        return not_negative(self.cleaned_data.get("safety_stock"))

    def clean_incoming(self) -> list[IncomingEntry]:
        return parse_incoming(str(self.cleaned_data.get("incoming") or ""))


@admin.register(StockLevel, site=backoffice_site)
class StockLevelAdmin(SharedDataAdmin):
    """Edits go through ``set_stock_level``: a ledger row and an audit entry every time.
    ``reserved`` belongs to orders (reservations), so staff read it here."""

    form = StockLevelForm
    admin_permissions = KEEP
    list_display = (
        "product",
        "product_name",
        "warehouse",
        "on_hand",
        "reserved",
        "safety_stock",
        "available_figure",
        "updated_at",
    )
    list_display_links = ("product", "product_name")
    list_filter = ("warehouse", "warehouse__region")
    list_select_related = ("product", "warehouse")
    search_fields = ("product__sku", "product__name", "warehouse__code")
    autocomplete_fields = ("product",)
    fieldsets = (
        (None, {"fields": ("product", "warehouse")}),
        ("Stock", {"fields": ("on_hand", "reserved", "safety_stock", "available_figure")}),
        ("Incoming", {"fields": ("incoming",)}),
        (
            "ERP",
            {
                "classes": ("collapse",),
                "fields": ("erp_version", "erp_changed_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate_available()  # type: ignore[attr-defined]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly: tuple[str, ...] = (
            "reserved",
            "available_figure",
            "erp_version",
            "erp_changed_at",
            "updated_at",
        )
        if obj is not None:
            readonly = ("product", "warehouse", *readonly)
        return readonly

    @admin.display(description="name", ordering="product__name")
    def product_name(self, level: StockLevel) -> str:
        return level.product.name

    @admin.display(description="available", ordering="available_quantity")
    def available_figure(self, level: StockLevel) -> str:
        if level.pk is None:
            return "—"
        return format_quantity(getattr(level, "available_quantity", level.available))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        result = set_stock_level(
            obj.product,
            obj.warehouse,
            on_hand=data["on_hand"],
            safety_stock=data.get("safety_stock"),
            incoming=data.get("incoming"),
            actor=request.user,
            source=AUDIT_SOURCE,
        )
        obj.pk = result.stock_level.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # ``set_stock_level`` has written the ledger row and the audit entry.
        admin.ModelAdmin.save_related(self, request, form, formsets, change)


@admin.register(StockMovement, site=backoffice_site)
class StockMovementAdmin(SharedDataAdmin):
    """The stock ledger: append-only, written by the inventory services alone."""

    admin_permissions = READ_ONLY
    list_display = (
        "created_at",
        "product",
        "warehouse",
        "kind",
        "on_hand_delta",
        "reserved_delta",
        "on_hand_after",
        "reserved_after",
        "reference",
        "actor",
        "source",
    )
    list_filter = ("kind", "warehouse", "source")
    list_select_related = ("product", "warehouse", "actor")
    search_fields = ("product__sku", "product__name", "reference")
    date_hierarchy = "created_at"
    fields = list_display
    readonly_fields = list_display
