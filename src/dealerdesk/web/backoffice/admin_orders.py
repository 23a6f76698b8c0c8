"""The order queue: every dealer's orders for supplier admins, a manager's own dealers for
a sales manager; orders over the credit limit wait here for approval or rejection."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from dealerdesk.accounts.queries import companies_for_staff
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.errors import OrderingError
from dealerdesk.ordering.invoice import format_amount
from dealerdesk.ordering.models import Order, OrderEvent, OrderLine
from dealerdesk.ordering.services import approve_order, reject_order
from dealerdesk.web.backoffice.base import AUDIT_SOURCE, CHANGE, BackofficeAdmin
from dealerdesk.web.backoffice.pages import form_page
from dealerdesk.web.backoffice.site import backoffice_site

# Admins and managers decide held orders; nobody edits an order's recorded fields here.
DECIDE: frozenset[str] = frozenset({"view", CHANGE})


class OrderLineInline(admin.TabularInline[OrderLine, Order]):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = (
        "number",
        "sku",
        "name",
        "warehouse",
        "quantity",
        "unit_price",
        "vat_rate",
        "line_net",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderEventInline(admin.TabularInline[OrderEvent, Order]):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "status", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="Note for the dealer",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class RejectionForm(forms.Form):
    note = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="The dealer reads it on the order.",
        error_messages={"required": "Give the dealer a reason."},
    )


@admin.register(Order, site=backoffice_site)
class OrderAdmin(BackofficeAdmin):
    admin_permissions: ClassVar[frozenset[str]] = DECIDE
    manager_permissions: ClassVar[frozenset[str]] = DECIDE
    list_display = ("number", "company", "status", "total", "po_number", "created_at", "decide")
    list_filter = ("status", "delivery_method")
    list_select_related = ("company",)
    search_fields = ("number", "po_number", "erp_number", "company__name", "lines__sku")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline, OrderEventInline)
    fields = (
        "number",
        "company",
        "status",
        "credit_note",
        "placed_by",
        "on_behalf_by",
        "contract",
        "currency",
        "total_net",
        "total_vat",
        "total_gross",
        "po_number",
        "delivery_method",
        "delivery_address",
        "desired_date",
        "comment",
        "erp_number",
    )
    readonly_fields = fields

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(company__in=companies_for_staff(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from dealers (or a manager acting for one), not from here

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an order is history: cancel or reject it instead

    @admin.display(description="total", ordering="total_gross")
    def total(self, obj: Order) -> str:
        return format_amount(obj.total_gross, obj.currency)

    @admin.display(description="")
    def decide(self, obj: Order) -> str | SafeString:
        if obj.status != OrderStatus.AWAITING_APPROVAL:
            return ""
        return format_html(
            '<a href="{}">Approve</a> · <a href="{}">Reject</a>',
            reverse(f"{self.admin_site.name}:ordering_order_approve", args=[obj.pk]),
            reverse(f"{self.admin_site.name}:ordering_order_reject", args=[obj.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="ordering_order_approve",
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="ordering_order_reject",
            ),
            *super().get_urls(),
        ]

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._decide(request, object_id, approve=True)

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._decide(request, object_id, approve=False)

    def _decide(self, request: HttpRequest, object_id: str, *, approve: bool) -> HttpResponse:
        order = self.get_object(request, unquote(object_id))
        if order is None or not self.has_change_permission(request, order):
            return self.missing_object_redirect(request, object_id)
        back = reverse(f"{self.admin_site.name}:ordering_order_change", args=[order.pk])
        form: forms.Form = (DecisionForm if approve else RejectionForm)(request.POST or None)
        if request.method == "POST" and form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if approve:
                    approve_order(order, by=request.user, note=note, source=AUDIT_SOURCE)
                else:
                    reject_order(order, by=request.user, reason=note, source=AUDIT_SOURCE)
            except OrderingError as error:
                messages.error(request, error.message)
            else:
                verb = (
                    "approved: it goes to the ERP" if approve else "rejected; its stock is released"
                )
                messages.success(request, f"Order {order.number} {verb}.")
            return HttpResponseRedirect(back)
        return form_page(
            request,
            self,
            form=form,
            fieldsets=[(None, {"fields": ["note"]})],
            title=f"{'Approve' if approve else 'Reject'} order {order.number}",
            submit_label="Approve" if approve else "Reject",
            cancel_url=back,
            original=order,
            extra={"order": order},
        )
