"""The catalog in the back office: supplier admins edit it, sales managers read it; closed
catalogs (assignments) are opened by admins for anyone and by managers for their dealers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.related import ForeignKey, ManyToManyField
from django.forms import BaseInlineFormSet, ModelChoiceField, ModelMultipleChoiceField
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from dealerdesk.accounts.models import StaffProfile
from dealerdesk.accounts.queries import companies_for_staff
from dealerdesk.catalog.models import (
    Attribute,
    Barcode,
    Brand,
    CatalogAssignment,
    Category,
    Product,
    ProductAttributeValue,
    ProductImage,
)
from dealerdesk.core.barcodes import normalize_gtin
from dealerdesk.web.backoffice.base import (
    EVERYTHING,
    VIEW,
    BackofficeAdmin,
    SharedDataAdmin,
    SharedDataInline,
)
from dealerdesk.web.backoffice.display import thumbnail
from dealerdesk.web.backoffice.forms import check_image_size
from dealerdesk.web.backoffice.roles import Role, role_of
from dealerdesk.web.backoffice.site import backoffice_site

# --- categories, brands, attributes -------------------------------------------------------


@admin.register(Category, site=backoffice_site)
class CategoryAdmin(SharedDataAdmin):
    list_display = (
        "indented_name",
        "parent",
        "in_public_teaser",
        "is_active",
        "product_count",
        "sort_order",
    )
    list_filter = ("is_active", "in_public_teaser", "depth")
    list_select_related = ("parent",)
    search_fields = ("name", "external_id")
    ordering = ("path",)
    autocomplete_fields = ("parent",)
    filter_horizontal = ("staff",)
    fieldsets = (
        (None, {"fields": ("name", "parent", "sort_order", "is_active", "in_public_teaser")}),
        ("Staff who serve it", {"fields": ("staff",)}),
        (
            "ERP",
            {"classes": ("collapse",), "fields": ("external_id", "erp_version", "erp_changed_at")},
        ),
    )
    readonly_fields = ("erp_version", "erp_changed_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(products_total=Count("products"))

    @admin.display(description="name", ordering="path")
    def indented_name(self, category: Category) -> SafeString:
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            category.depth * 1.5,
            "└ " if category.depth else "",
            category.name,
        )

    @admin.display(description="products", ordering="products_total")
    def product_count(self, category: Category) -> int:
        return int(getattr(category, "products_total", 0))

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        if db_field.name == "staff":
            kwargs["queryset"] = StaffProfile.objects.select_related("user")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Brand, site=backoffice_site)
class BrandAdmin(SharedDataAdmin):
    list_display = ("name", "external_id", "product_count")
    search_fields = ("name", "external_id")
    readonly_fields = ("erp_version", "erp_changed_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(products_total=Count("products"))

    @admin.display(description="products", ordering="products_total")
    def product_count(self, brand: Brand) -> int:
        return int(getattr(brand, "products_total", 0))


@admin.register(Attribute, site=backoffice_site)
class AttributeAdmin(SharedDataAdmin):
    list_display = ("name", "code", "unit", "sort_order")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}
    readonly_fields = ("erp_version", "erp_changed_at")


# --- products -----------------------------------------------------------------------------


class BarcodeForm(forms.ModelForm):
    # Wider than the model's 14 digits: people type spaces and dashes, cleaned away below.
    code = forms.CharField(label="barcode", max_length=40)

    class Meta:
        model = Barcode
        fields = ("code", "is_primary")

    def clean_code(self) -> str:
        # Compare and store the code as scanners send it: digits only.
        return normalize_gtin(str(self.cleaned_data.get("code") or ""))


class BarcodeFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        primary = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_primary") and not form.cleaned_data.get("DELETE")
        ]
        if len(primary) > 1:
            raise forms.ValidationError("Mark one barcode as primary, not several.")


class BarcodeInline(SharedDataInline):
    model = Barcode
    form = BarcodeForm
    formset = BarcodeFormSet
    fields = ("code", "is_primary")


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ("image", "alt_text", "sort_order")

    def clean_image(self) -> Any:
        return check_image_size(self.cleaned_data.get("image"))


class ProductImageInline(SharedDataInline):
    model = ProductImage
    form = ProductImageForm
    fields = ("preview", "image", "alt_text", "sort_order")
    readonly_fields = ("preview",)

    @admin.display(description="preview")
    def preview(self, image: ProductImage) -> str | SafeString:
        return thumbnail(image.image, 64)


class ProductAttributeValueInline(SharedDataInline):
    model = ProductAttributeValue
    fields = ("attribute", "value")
    autocomplete_fields = ("attribute",)
    verbose_name_plural = "attributes"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("attribute")


@admin.register(Product, site=backoffice_site)
class ProductAdmin(SharedDataAdmin):
    list_display = ("sku", "name", "category", "brand", "unit", "pack_multiple", "is_active")
    list_display_links = ("sku", "name")
    list_filter = ("is_active", "category", "brand", "unit")
    list_select_related = ("category", "brand")
    search_fields = ("sku", "name", "=barcodes__code", "external_id")
    autocomplete_fields = ("category", "brand")
    fieldsets = (
        (None, {"fields": ("sku", "name", "description", "category", "brand", "is_active")}),
        ("Ordering", {"fields": ("unit", "pack_multiple", "min_quantity", "vat_rate")}),
        (
            "Logistics",
            {"fields": ("weight_kg", "length_mm", "width_mm", "height_mm", "volume_m3")},
        ),
        ("ERP", {"fields": ("external_id", "erp_version", "erp_changed_at")}),
    )
    # The ERP owns these: products come from the ERP and keep its id.
    readonly_fields = ("external_id", "erp_version", "erp_changed_at")
    inlines = (BarcodeInline, ProductImageInline, ProductAttributeValueInline)


# --- closed catalogs ----------------------------------------------------------------------


@admin.register(CatalogAssignment, site=backoffice_site)
class CatalogAssignmentAdmin(BackofficeAdmin):
    """Admins open anything to anyone; a manager opens it to their own dealers only and
    reads the customer-group assignments."""

    manager_permissions = EVERYTHING
    list_display = ("target", "audience", "created_at")
    list_filter = (
        ("company", admin.RelatedOnlyFieldListFilter),
        "customer_group",
        ("category", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("company", "customer_group", "category", "product")
    search_fields = ("company__name", "customer_group__name", "category__name", "product__sku")
    autocomplete_fields = ("company", "customer_group", "category", "product")
    fieldsets = (
        ("Who sees it", {"fields": ("company", "customer_group")}),
        ("What they see", {"fields": ("category", "product")}),
    )

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        mine = companies_for_staff(request.user)
        return queryset.filter(Q(company__in=mine) | Q(customer_group__isnull=False))

    def object_allows(self, request: HttpRequest, action: str, obj: Any) -> bool:
        if role_of(request) is not Role.MANAGER or action == VIEW:
            return True
        mine = companies_for_staff(request.user)
        return obj.company_id is not None and mine.filter(pk=obj.company_id).exists()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("customer_group",) if role_of(request) is Role.MANAGER else ()

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if role_of(request) is Role.MANAGER and "company" in form.base_fields:
            form.base_fields["company"].required = True
        return form

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "company":
            kwargs["queryset"] = companies_for_staff(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="opened to")
    def audience(self, assignment: CatalogAssignment) -> str:
        if assignment.company is not None:
            return f"{assignment.company} (company)"
        return f"{assignment.customer_group} (customer group)"

    @admin.display(description="what")
    def target(self, assignment: CatalogAssignment) -> str:
        if assignment.category is not None:
            return f"{assignment.category} (category and below)"
        return f"{assignment.product} (product)"
