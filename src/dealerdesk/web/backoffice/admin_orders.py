"""The order queue: every dealer's orders for supplier admins, a manager's own dealers for
a sales manager; orders over the credit limit wait here for approval or rejection, and
quantities are adjusted (with a reason) until the ERP accepts an order."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
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
from dealerdesk.inventory.availability import format_quantity
from dealerdesk.ordering.adjust import AdjustedLineError, adjust_order, is_adjustable
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.errors import OrderingError, OrderingErrorCode
from dealerdesk.ordering.invoice import format_amount
from dealerdesk.ordering.models import Order, OrderEvent, OrderLine
from dealerdesk.ordering.services import approve_order, reject_order
from dealerdesk.web.backoffice.base import (
    AUDIT_SOURCE,
    CHANGE,
    READ_ONLY,
    BackofficeAdmin,
    BackofficeTabularInline,
)
from dealerdesk.web.backoffice.pages import form_page
from dealerdesk.web.backoffice.site import backoffice_site

# Admins and managers decide held orders; nobody edits an order's recorded fields here.
DECIDE: frozenset[str] = frozenset({"view", CHANGE})


class OrderRecordInline(BackofficeTabularInline):
    """An order's lines or timeline: read by whoever may see the order, changed by nobody
    (staff change quantities through "Adjust quantities", which checks and records it)."""

    extra = 0
    admin_permissions = READ_ONLY
    manager_permissions = READ_ONLY

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(order__company__in=companies_for_staff(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields


class OrderLineInline(OrderRecordInline):
    model = OrderLine
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


class OrderEventInline(OrderRecordInline):
    model = OrderEvent
    fields = ("at", "status", "actor", "note")


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


class AdjustQuantitiesForm(forms.Form):
    """A quantity for every line of an order (0 drops the line) and the reason for it."""

    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="The dealer reads it on the order and in the e-mail about the change.",
        error_messages={"required": "Give a reason for the change; the dealer reads it."},
    )

    def __init__(self, lines: Sequence[OrderLine], currency: str, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            backorder = " · backorder" if line.backorder else ""
            self.fields[self.field_name(line.pk)] = forms.DecimalField(
                label=f"{line.number}. {line.sku} {line.name}",
                initial=Decimal(format_quantity(line.quantity)),
                min_value=Decimal(0),
                max_digits=12,
                decimal_places=3,
                help_text=f"from {line.warehouse.code}{backorder} · "
                f"{format_amount(line.unit_price, currency)} a unit, VAT "
                f"{format_quantity(line.vat_rate)}%",
            )
        self.order_fields([*self.line_fields(), "reason"])

    @staticmethod
    def field_name(line_id: int) -> str:
        return f"line_{line_id}"

    def line_fields(self) -> list[str]:
        return [self.field_name(line.pk) for line in self.lines]

    def changes(self) -> dict[int, Decimal]:
        return {line.pk: self.cleaned_data[self.field_name(line.pk)] for line in self.lines}

    def show(self, error: OrderingError) -> None:
        """Put what the service refused next to the line it concerns, else on top."""
        if error.code == OrderingErrorCode.REASON_REQUIRED:
            self.add_error("reason", error.message)
            return
        placed = False
        for problem in error.lines:
            if not isinstance(problem, AdjustedLineError):
                continue
            name = self.field_name(problem.line_id)
            if name in self.fields:
                self.add_error(name, problem.message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


@admin.register(Order, site=backoffice_site)
class OrderAdmin(BackofficeAdmin):
    admin_permissions: ClassVar[frozenset[str]] = DECIDE
    manager_permissions: ClassVar[frozenset[str]] = DECIDE
    change_form_template = "backoffice/ordering/order/change_form.html"
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
        "delivery_name",
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
            path(
                "<path:object_id>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="ordering_order_adjust",
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

    def page_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {
            "can_adjust": is_adjustable(obj) and self.has_change_permission(request, obj),
        }

    def adjust_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Change line quantities of an order the ERP has not accepted; the service checks
        the rules and the stock, and a refusal comes back on the form with nothing changed."""
        order = self.get_object(request, unquote(object_id))
        if order is None or not self.has_change_permission(request, order):
            return self.missing_object_redirect(request, object_id)
        back = reverse(f"{self.admin_site.name}:ordering_order_change", args=[order.pk])
        if not is_adjustable(order):
            messages.error(request, OrderingError(OrderingErrorCode.NOT_ADJUSTABLE).message)
            return HttpResponseRedirect(back)
        lines = list(order.lines.select_related("warehouse").order_by("number"))
        form = AdjustQuantitiesForm(lines, order.currency, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                changed = adjust_order(
                    order,
                    form.changes(),
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    source=AUDIT_SOURCE,
                )
            except OrderingError as error:
                form.show(error)
            else:
                messages.success(
                    request,
                    f"Order {changed.number} changed: now "
                    f"{format_amount(changed.total_gross, changed.currency)}. "
                    "The buyer is told by e-mail.",
                )
                return HttpResponseRedirect(back)
        return form_page(
            request,
            self,
            form=form,
            fieldsets=[
                ("Quantities", {"fields": form.line_fields()}),
                (None, {"fields": ["reason"]}),
            ],
            title=f"Adjust the quantities of order {order.number}",
            submit_label="Change the quantities",
            cancel_url=back,
            original=order,
            template="backoffice/ordering/order/adjust.html",
            extra={"order": order},
        )
