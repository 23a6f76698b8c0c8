"""Delivery options (supplier admins set them, managers read them) and dealers' address
books (kept on the company's page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from dealerdesk.accounts.queries import companies_for_staff
from dealerdesk.ordering.delivery import conditions
from dealerdesk.ordering.models import DeliveryAddress, DeliveryOption
from dealerdesk.web.backoffice.base import (
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    BackofficeTabularInline,
    SharedDataAdmin,
)
from dealerdesk.web.backoffice.site import backoffice_site


@admin.register(DeliveryOption, site=backoffice_site)
class DeliveryOptionAdmin(SharedDataAdmin):
    list_display = ("name", "method", "terms", "is_active", "position")
    list_filter = ("method", "is_active")
    list_editable = ("position",)
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "method", "is_active", "position")}),
        (
            "Conditions the dealer sees",
            {
                "fields": (
                    "currency",
                    "min_order_net",
                    "fee_net",
                    "free_from_net",
                    "lead_days",
                    "conditions",
                ),
                "description": "Amounts are net and apply to orders in this currency; "
                "the minimum and the days are enforced at checkout.",
            },
        ),
    )

    @admin.display(description="conditions")
    def terms(self, option: DeliveryOption) -> str:
        return " ".join(conditions(option))


class AddressBookFormSet(BaseInlineFormSet):
    """One name once and one default per book, checked across the rows sent together
    (the database's constraints would otherwise fail the save)."""

    def clean(self) -> None:
        super().clean()
        labels: set[str] = set()
        defaults = 0
        # The names rows hold now: a row may not take the name of another row that is
        # renamed or removed in the same save (rows are saved one by one, and the database
        # would see the name twice in between).
        now = {
            form.instance.pk: (form.initial.get("label") or "").strip().lower()
            for form in self.forms
            if form.instance.pk
        }
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            label = (data.get("label") or "").strip().lower()
            if label in labels:
                raise ValidationError(f"Two addresses are called “{data['label']}”.")
            labels.add(label)
            if any(pk != form.instance.pk and held == label for pk, held in now.items()):
                raise ValidationError(
                    f"“{data['label']}” is another address's name until this is saved: "
                    "rename them one save at a time."
                )
            defaults += bool(data.get("is_default"))
        if defaults > 1:
            raise ValidationError("Only one address can be the default.")


class DeliveryAddressInline(BackofficeTabularInline):
    """A dealer's address book: the dealer keeps it, the supplier's staff may correct it."""

    model = DeliveryAddress
    formset = AddressBookFormSet
    fields = ("label", "recipient", "address", "phone", "is_default", "external_id")
    extra = 0
    manager_permissions = frozenset({VIEW, ADD, CHANGE, DELETE})
    verbose_name_plural = "address book"

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(company__in=companies_for_staff(request.user))
