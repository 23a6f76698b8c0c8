"""Pricing in the back office: price types, prices, price lists and promotions are the
supplier's (admins edit, managers read); contracts, customer prices and quantity breaks
belong to one dealer, and its sales manager keeps them. The "Price check" page on a
contract shows what the one pricing engine makes of a product and quantity, step by step."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.db.models.fields.related import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse

from dealerdesk.accounts.queries import companies_for_staff
from dealerdesk.catalog.models import Product
from dealerdesk.pricing.models import (
    Contract,
    CustomerPrice,
    Price,
    PriceList,
    PriceListItem,
    PriceType,
    Promotion,
    QuantityBreak,
)
from dealerdesk.pricing.queries import price_lines
from dealerdesk.web.backoffice.base import (
    EVERYTHING,
    VIEW,
    BackofficeAdmin,
    SharedDataAdmin,
    SharedDataInline,
)
from dealerdesk.web.backoffice.pages import Fieldsets, form_page
from dealerdesk.web.backoffice.roles import Role, role_of
from dealerdesk.web.backoffice.site import backoffice_site

ERP_READONLY = ("erp_version", "erp_changed_at")


class ErpIdFromAdminsOnly:
    """Sales managers edit their dealers' rows but never the ERP's id of them."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if role_of(request) is Role.MANAGER:
            readonly += ("external_id",)
        return readonly


# --- the supplier's prices: admins edit, managers read --------------------------------------


@admin.register(PriceType, site=backoffice_site)
class PriceTypeAdmin(SharedDataAdmin):
    list_display = ("name", "code", "currency", "is_base", "external_id")
    list_filter = ("currency", "is_base")
    search_fields = ("name", "code", "external_id")
    fieldsets = (
        (None, {"fields": ("code", "name", "currency", "is_base")}),
        (
            "ERP",
            {"classes": ("collapse",), "fields": ("external_id", "erp_version", "erp_changed_at")},
        ),
    )
    readonly_fields = ERP_READONLY


@admin.register(Price, site=backoffice_site)
class PriceAdmin(SharedDataAdmin):
    list_display = ("product", "product_name", "price_type", "amount", "valid_from", "valid_to")
    list_filter = ("price_type", "price_type__currency")
    list_select_related = ("product", "price_type")
    search_fields = ("product__sku", "product__name", "external_id")
    autocomplete_fields = ("product",)
    fieldsets = (
        (None, {"fields": ("product", "price_type", "amount")}),
        ("Validity", {"fields": ("valid_from", "valid_to")}),
        (
            "ERP",
            {"classes": ("collapse",), "fields": ("external_id", "erp_version", "erp_changed_at")},
        ),
    )
    readonly_fields = ERP_READONLY

    @admin.display(description="name", ordering="product__name")
    def product_name(self, price: Price) -> str:
        return price.product.name


class PriceListItemInline(SharedDataInline):
    model = PriceListItem
    fields = ("product", "amount")
    raw_id_fields = ("product",)
    verbose_name = "price"
    verbose_name_plural = "prices"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("product")


@admin.register(PriceList, site=backoffice_site)
class PriceListAdmin(SharedDataAdmin):
    list_display = (
        "name",
        "audience",
        "currency",
        "priority",
        "valid_from",
        "valid_to",
        "is_active",
    )
    list_filter = ("is_active", "currency", "customer_group", "tier", "region")
    list_select_related = ("customer_group", "tier", "region")
    search_fields = ("name", "external_id")
    fieldsets = (
        (None, {"fields": ("name", "currency", "priority", "is_active")}),
        (
            "For whom (exactly one)",
            {"fields": ("customer_group", "tier", "region")},
        ),
        ("Validity", {"fields": ("valid_from", "valid_to")}),
        (
            "ERP",
            {"classes": ("collapse",), "fields": ("external_id", "erp_version", "erp_changed_at")},
        ),
    )
    readonly_fields = ERP_READONLY
    inlines = (PriceListItemInline,)

    @admin.display(description="for")
    def audience(self, price_list: PriceList) -> str:
        return price_list.audience_label


@admin.register(Promotion, site=backoffice_site)
class PromotionAdmin(SharedDataAdmin):
    list_display = ("name", "kind", "value", "currency", "target", "starts_at", "ends_at")
    list_filter = ("is_active", "kind", "customer_group")
    list_select_related = ("product", "category", "brand", "customer_group")
    search_fields = ("name", "product__sku", "product__name", "category__name", "brand__name")
    autocomplete_fields = ("product", "category", "brand")
    date_hierarchy = "starts_at"
    fieldsets = (
        (None, {"fields": ("name", "kind", "value", "currency", "is_active")}),
        ("When", {"fields": ("starts_at", "ends_at")}),
        ("On what (exactly one)", {"fields": ("product", "category", "brand")}),
        ("For whom", {"fields": ("customer_group",)}),
    )

    @admin.display(description="on")
    def target(self, promotion: Promotion) -> str:
        if promotion.product is not None:
            return f"{promotion.product.sku} (product)"
        if promotion.category is not None:
            return f"{promotion.category} (category and below)"
        return f"{promotion.brand} (brand)"


# --- a dealer's terms: admins all, a manager their own dealers ------------------------------


class DealerPricingAdmin(BackofficeAdmin):
    """Rows of one dealer (``company``): a manager sees and keeps those of their dealers."""

    manager_permissions = EVERYTHING

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(company__in=companies_for_staff(request.user))

    def object_allows(self, request: HttpRequest, action: str, obj: Any) -> bool:
        if role_of(request) is not Role.MANAGER or action == VIEW:
            return True
        mine = companies_for_staff(request.user)
        return obj.company_id is not None and mine.filter(pk=obj.company_id).exists()

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "company":
            kwargs["queryset"] = companies_for_staff(request.user)
        elif db_field.name == "contract":
            kwargs["queryset"] = Contract.objects.filter(
                company__in=companies_for_staff(request.user)
            ).select_related("company")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PriceCheckForm(forms.Form):
    """Which product (by SKU) and how many to price under the contract."""

    q = forms.CharField(label="SKU", max_length=64)
    quantity = forms.DecimalField(
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        initial=Decimal(1),
        error_messages={"invalid": "Enter a quantity, e.g. 1 or 2.5."},
    )

    def clean_q(self) -> Product:
        sku = str(self.cleaned_data.get("q") or "").strip()
        product = Product.objects.filter(sku__iexact=sku).first() if sku else None
        if product is None:
            raise ValidationError(f"No product has the SKU “{sku}”.")
        return product


PRICE_CHECK_FIELDSETS: Fieldsets = [(None, {"fields": ["q", "quantity"]})]


@admin.register(Contract, site=backoffice_site)
class ContractAdmin(ErpIdFromAdminsOnly, DealerPricingAdmin):
    change_form_template = "backoffice/pricing/contract/change_form.html"
    list_display = (
        "name",
        "company",
        "currency",
        "payment_terms_days",
        "prepayment_percent",
        "vat_regime",
        "price_type",
        "markup_percent",
        "is_default",
        "is_active",
    )
    list_filter = ("is_active", "is_default", "currency", "vat_regime", "price_type")
    list_select_related = ("company", "price_type")
    search_fields = ("name", "company__name", "external_id")
    autocomplete_fields = ("company",)
    fieldsets = (
        (None, {"fields": ("company", "name", "is_default", "is_active")}),
        ("Payment", {"fields": ("payment_terms_days", "prepayment_percent")}),
        ("Prices", {"fields": ("currency", "vat_regime", "price_type", "markup_percent")}),
        ("Validity", {"fields": ("valid_from", "valid_to")}),
        (
            "ERP",
            {"classes": ("collapse",), "fields": ("external_id", "erp_version", "erp_changed_at")},
        ),
    )
    readonly_fields = ERP_READONLY

    # --- "Price check" ----------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/price-check/",
                self.admin_site.admin_view(self.price_check_view),
                name="{}_{}_price_check".format(*info),
            ),
            *super().get_urls(),
        ]

    def price_check_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        contract = self.get_object(request, unquote(object_id))
        if contract is None:
            return self.missing_object_redirect(request, object_id)
        if not self.has_view_permission(request, contract):
            raise PermissionDenied
        change_url = reverse(f"{self.admin_site.name}:pricing_contract_change", args=[contract.pk])
        form = PriceCheckForm(request.GET if "q" in request.GET else None)
        product: Product | None = None
        line = None
        if form.is_bound and form.is_valid():
            product = form.cleaned_data["q"]
            quantity = form.cleaned_data["quantity"]
            [line] = price_lines(contract.company, contract, [(product.pk, quantity)])
        return form_page(
            request,
            self,
            form=form,
            fieldsets=PRICE_CHECK_FIELDSETS,
            title="Price check",
            submit_label="Check the price",
            cancel_url=change_url,
            original=contract,
            template="backoffice/pricing/contract/price_check.html",
            extra={"company": contract.company, "product": product, "line": line},
        )


class CustomerPriceForm(forms.ModelForm):
    class Meta:
        model = CustomerPrice
        fields = (
            "company",
            "contract",
            "product",
            "amount",
            "currency",
            "valid_from",
            "valid_to",
            "external_id",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        company, contract = cleaned.get("company"), cleaned.get("contract")
        if company is not None and contract is not None:
            if contract.company_id != company.pk:
                self.add_error("contract", "This contract belongs to another company.")
            elif cleaned.get("currency") and contract.currency != cleaned["currency"]:
                self.add_error("currency", "The contract is in another currency.")
        return cleaned


@admin.register(CustomerPrice, site=backoffice_site)
class CustomerPriceAdmin(ErpIdFromAdminsOnly, DealerPricingAdmin):
    form = CustomerPriceForm
    list_display = (
        "product",
        "product_name",
        "company",
        "contract",
        "amount",
        "currency",
        "valid_from",
        "valid_to",
    )
    list_filter = ("currency", ("company", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("product", "company", "contract")
    search_fields = ("product__sku", "product__name", "company__name", "external_id")
    autocomplete_fields = ("company", "product")
    fieldsets = (
        (None, {"fields": ("company", "contract", "product", "amount", "currency")}),
        ("Validity", {"fields": ("valid_from", "valid_to")}),
        (
            "ERP",
            {"classes": ("collapse",), "fields": ("external_id", "erp_version", "erp_changed_at")},
        ),
    )
    readonly_fields = ERP_READONLY

    @admin.display(description="name", ordering="product__name")
    def product_name(self, price: CustomerPrice) -> str:
        return price.product.name


@admin.register(QuantityBreak, site=backoffice_site)
class QuantityBreakAdmin(DealerPricingAdmin):
    """A manager keeps the breaks of their dealers and reads those for groups and everyone."""

    list_display = ("product", "min_quantity", "discount_percent", "audience")
    list_filter = (("company", admin.RelatedOnlyFieldListFilter), "customer_group")
    list_select_related = ("product", "company", "customer_group")
    search_fields = ("product__sku", "product__name", "company__name")
    autocomplete_fields = ("product", "company")
    fieldsets = (
        (None, {"fields": ("product", "min_quantity", "discount_percent")}),
        ("For whom (one or none: everyone)", {"fields": ("company", "customer_group")}),
    )

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        mine = companies_for_staff(request.user)
        return queryset.filter(Q(company__in=mine) | Q(company__isnull=True))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("customer_group",) if role_of(request) is Role.MANAGER else ()

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if role_of(request) is Role.MANAGER and "company" in form.base_fields:
            form.base_fields["company"].required = True
        return form

    @admin.display(description="for")
    def audience(self, quantity_break: QuantityBreak) -> str:
        if quantity_break.company is not None:
            return f"{quantity_break.company} (company)"
        if quantity_break.customer_group is not None:
            return f"{quantity_break.customer_group} (customer group)"
        return "everyone"
