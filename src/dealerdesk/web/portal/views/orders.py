"""Cart, checkout and the dealer's orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from secrets import token_urlsafe
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.queries import scope_for_company
from dealerdesk.core.text import printable
from dealerdesk.integration.queries import erp_delivery_state
from dealerdesk.inventory.queries import warehouses_for
from dealerdesk.ordering.cart import (
    CartView,
    add_to_cart,
    cart_view,
    checkout,
    reorder,
    update_line,
)
from dealerdesk.ordering.choices import CANCELLABLE, PAYABLE, DocumentKind, OrderStatus
from dealerdesk.ordering.delivery import (
    NEEDS_ADDRESS,
    AddressError,
    AddressInput,
    active_options,
    address_text,
    addresses_of,
    conditions,
    delivery_problem,
    save_address,
)
from dealerdesk.ordering.errors import OrderingError
from dealerdesk.ordering.history import repeat_last_month
from dealerdesk.ordering.invoice import proforma_pdf
from dealerdesk.ordering.models import CartLine, DeliveryAddress, DeliveryOption, Order
from dealerdesk.ordering.parsing import (
    FILE_ERRORS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    ParseResult,
    parse_pasted,
    parse_upload,
)
from dealerdesk.ordering.quick import quick_order as run_quick_order
from dealerdesk.ordering.quick import resolve_codes
from dealerdesk.ordering.rules import round_up
from dealerdesk.ordering.services import Delivery, cancel_order
from dealerdesk.web.portal.access import assisting, buyer_required, dealer, dealer_required
from dealerdesk.web.portal.offers import current_contract
from dealerdesk.web.portal.params import local_next, positive_int, typed_quantity
from dealerdesk.web.portal.repeat import report_to_dealer

PAGE_SIZE = 25


# --- the cart -------------------------------------------------------------------------------


@require_POST
@buyer_required
def cart_add(request: HttpRequest) -> HttpResponse:
    """Add a product from a list or product page; the quantity defaults to the first one
    the product can be ordered in, and a typed quantity is rounded up to whole packs."""
    company = dealer(request).company
    product_id = positive_int(request.POST.get("product"))
    product = scope_for_company(company).product(product_id)
    if product is None:
        raise Http404("No such product in your catalog")
    raw = request.POST.get("quantity", "").strip()
    asked = typed_quantity(raw)[0]
    if raw and (asked is None or asked <= 0):
        error = "Type a quantity, for example 10 (no signs or thousands separators)."
        if request.htmx:  # type: ignore[attr-defined]
            return render(
                request, "portal/cart/_added.html", {"error": error, "product": product}, status=400
            )
        messages.error(request, f"{product.sku}: {error}")
        return HttpResponseRedirect(local_next(request) or reverse("portal:cart"))
    quantity = round_up(product, asked or Decimal(0))
    note = ""
    if asked is not None and quantity != asked:
        note = f"rounded up from {asked.normalize():f} to whole packs"
    try:
        add_to_cart(
            company, request.user, product.pk, quantity, positive_int(request.POST.get("warehouse"))
        )
    except OrderingError as error:
        text = error.lines[0].message if error.lines else error.message
        if request.htmx:  # type: ignore[attr-defined]
            return render(
                request, "portal/cart/_added.html", {"error": text, "product": product}, status=400
            )
        messages.error(request, f"{product.sku}: {text}")
        return HttpResponseRedirect(local_next(request) or reverse("portal:cart"))
    added = f"{quantity.normalize():f} {product.get_unit_display()} of {product.sku} added"
    if note:
        added += f" ({note})"
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "portal/cart/_added.html",
            {"added": added, "product": product, "cart_count": _count(request)},
        )
    messages.success(request, added + ".")
    return HttpResponseRedirect(local_next(request) or reverse("portal:cart"))


def _count(request: HttpRequest) -> int:
    membership = dealer(request)
    return CartLine.objects.filter(
        cart__company=membership.company, cart__user_id=membership.user_id
    ).count()


NEW_ADDRESS = "new"


class CheckoutForm(forms.Form):
    """Delivery (an option the supplier offers, with its conditions), where to (the
    address book or another address, which can be saved), when, and the dealer's own
    references."""

    delivery_option = forms.TypedChoiceField(label="Delivery", coerce=int, widget=forms.RadioSelect)
    address_choice = forms.ChoiceField(label="Deliver to", required=False)
    delivery_address = forms.CharField(
        label="Address",
        required=False,
        max_length=1000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Recipient, street, city, postcode"}
        ),
    )
    save_address_as = forms.CharField(
        label="Save to the address book as",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Shop in Lviv (optional)"}),
    )
    desired_date = forms.DateField(
        label="Desired delivery date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    po_number = forms.CharField(label="Your PO number", required=False, max_length=64)
    comment = forms.CharField(
        label="Comment", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    submission = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The company the cart on the page belongs to: another tab may have switched company.
    company = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)

    def __init__(
        self,
        *args: Any,
        options: list[DeliveryOption],
        addresses: list[DeliveryAddress],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.options = {option.pk: option for option in options}
        self.unavailable: dict[int, str] = {}
        self.addresses = {str(entry.pk): entry for entry in addresses}
        option_field = self.fields["delivery_option"]
        assert isinstance(option_field, forms.TypedChoiceField)  # noqa: S101 - declared above
        option_field.choices = [(option.pk, option.name) for option in options]
        address_field = self.fields["address_choice"]
        assert isinstance(address_field, forms.ChoiceField)  # noqa: S101
        address_field.choices = [
            *((key, entry.label) for key, entry in self.addresses.items()),
            (NEW_ADDRESS, "Another address"),
        ]
        if not self.is_bound:
            default = next((e for e in addresses if e.is_default), None)
            self.initial.setdefault("address_choice", str(default.pk) if default else NEW_ADDRESS)
            if options:
                self.initial.setdefault("delivery_option", options[0].pk)

    def clean_desired_date(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("desired_date")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError("Pick today or a later day.")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        option = self.options.get(data.get("delivery_option") or 0)
        data["option"] = option
        data["address_text"] = ""
        if option is None or option.method not in NEEDS_ADDRESS:
            return data
        choice = data.get("address_choice") or NEW_ADDRESS
        if choice in self.addresses:
            data["address_text"] = self.addresses[choice].as_text()
        elif not address_text(data.get("delivery_address") or ""):
            self.add_error("delivery_address", "Where should it go? Give the delivery address.")
        else:
            data["address_text"] = address_text(data["delivery_address"])
        if data.get("save_address_as") and choice in self.addresses:
            self.add_error(
                "save_address_as", "That address is in the book already; pick Another address."
            )
        return data

    def option_rows(self) -> list[tuple[Any, DeliveryOption, list[str], str]]:
        """Each radio button with its option, the conditions shown in its pop-up, and why
        this cart cannot go that way (``unavailable``, set by the cart page) if it cannot."""
        rows = []
        for radio in self["delivery_option"]:
            option = self.options[int(radio.data["value"])]
            rows.append((radio, option, conditions(option), self.unavailable.get(option.pk, "")))
        return rows

    def check_against(self, net: Decimal, currency: str) -> None:
        """Note the options this cart does not meet (minimum order), and start on one it
        does; placing the order checks again."""
        today = timezone.localdate()
        self.unavailable = {
            pk: problem
            for pk, option in self.options.items()
            if (problem := delivery_problem(option, net, currency, None, today))
        }
        if not self.is_bound and self.initial.get("delivery_option") in self.unavailable:
            usable = [pk for pk in self.options if pk not in self.unavailable]
            self.initial["delivery_option"] = usable[0] if usable else None


def _cart_page(
    request: HttpRequest,
    form: CheckoutForm | None = None,
    line_errors: dict[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    company = dealer(request).company
    contract = current_contract(request, company)
    view: CartView = cart_view(company, request.user, contract)
    if form is None:
        form = _checkout_form(
            company, initial={"submission": token_urlsafe(24), "company": company.pk}
        )
    if view.total_net is not None:
        form.check_against(view.total_net.amount, view.total_net.currency.code)
    return render(
        request,
        "portal/cart/cart.html",
        {
            "cart": view,
            "form": form,
            "contract": contract,
            "line_errors": line_errors or {},
            "warehouses": [(w.pk, w.name) for w in warehouses_for(company)],
            "needs_address": NEEDS_ADDRESS,
        },
        status=status,
    )


def _checkout_form(company: Company, **kwargs: Any) -> CheckoutForm:
    return CheckoutForm(options=active_options(), addresses=addresses_of(company), **kwargs)


@buyer_required
def cart(request: HttpRequest) -> HttpResponse:
    return _cart_page(request)


@require_POST
@buyer_required
def cart_line(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a line's quantity, warehouse or backorder flag, or remove it (quantity 0)."""
    company = dealer(request).company
    remove = "remove" in request.POST
    quantity = Decimal(0) if remove else typed_quantity(request.POST.get("quantity"))[0]
    warehouse_id = positive_int(request.POST.get("warehouse"))
    backorder = {"1": True, "0": False}.get(request.POST.get("backorder", ""))
    if quantity is None and warehouse_id is None and backorder is None:
        messages.error(request, "Type a quantity, for example 10.")
        return redirect("portal:cart")
    try:
        update_line(
            company,
            request.user,
            pk,
            quantity=quantity,
            warehouse_id=warehouse_id,
            backorder=backorder,
        )
    except CartLine.DoesNotExist as error:
        raise Http404("No such line in your cart") from error
    except OrderingError as error:
        messages.error(request, error.lines[0].message if error.lines else error.message)
    return redirect("portal:cart")


@require_POST
@buyer_required
def place(request: HttpRequest) -> HttpResponse:
    """Checkout: the cart becomes an order, or the cart page comes back saying why."""
    company = dealer(request).company
    form = _checkout_form(company, data=request.POST)
    if not form.is_valid():
        return _cart_page(request, form, status=400)
    data = form.cleaned_data
    if data["company"] != company.pk:
        messages.error(
            request,
            f"You switched to {company.name} in another window; this is its cart now. "
            "Check it and place the order again.",
        )
        return redirect("portal:cart")
    contract = current_contract(request, company)
    try:
        placed = checkout(
            company,
            request.user,
            submission_key=data["submission"],
            contract_id=contract.pk if contract else None,
            delivery=Delivery(
                method=data["option"].method,
                address=data["address_text"],
                desired_date=data["desired_date"],
                option_id=data["option"].pk,
            ),
            po_number=data["po_number"],
            comment=data["comment"],
            on_behalf_by=request.user if assisting(request) else None,
        )
    except OrderingError as error:
        view = cart_view(company, request.user, contract)
        by_index = {e.index: e.message for e in error.lines}
        line_errors = {
            item.line.pk: by_index[index]
            for index, item in enumerate(view.items)
            if index in by_index
        }
        form.add_error(None, error.message)
        return _cart_page(request, form, line_errors, status=400)
    if placed.created and data["save_address_as"]:
        _save_to_book(request, company, data["save_address_as"], data["address_text"])
    url = reverse("portal:order", args=[placed.order.number])
    return HttpResponseRedirect(f"{url}?placed=1" if placed.created else url)


def _save_to_book(request: HttpRequest, company: Company, label: str, text: str) -> None:
    """Keep an address typed at checkout; the order is placed whatever happens here."""
    try:
        save_address(company, AddressInput(label=label, address=text), actor=request.user)
    except AddressError as error:
        messages.warning(request, f"The address was not saved to the book: {error.message}")
    else:
        messages.info(request, f"“{label}” is in your address book now.")


# --- orders ----------------------------------------------------------------------------------


def _company_orders(request: HttpRequest) -> QuerySet[Order]:
    return Order.objects.filter(company=dealer(request).company)


def dealer_order(request: HttpRequest, number: str) -> Order:
    order = (
        _company_orders(request)
        .select_related("company", "contract", "placed_by", "on_behalf_by")
        .filter(number=printable(number)[:20])
        .first()
    )
    if order is None:
        raise Http404("No such order")
    return order


@dataclass(frozen=True)
class OrderFilters:
    """The history page's search and filters as read from the query string."""

    q: str
    status: str  # a valid status or ""
    since: dt.date | None
    until: dt.date | None


def filtered_orders(request: HttpRequest) -> tuple[QuerySet[Order], OrderFilters]:
    """The company's orders the history's search (number, PO, SKU) and filters (status,
    dates) select, newest first; the history page and the exports share it."""
    found = _company_orders(request)
    params = request.GET
    q = " ".join(printable(params.get("q", ""))[:200].split())[:64]
    status = params.get("status", "")
    if q:
        found = found.filter(
            Q(number__iexact=q) | Q(po_number__icontains=q) | Q(lines__sku__iexact=q)
        ).distinct()
    if status in OrderStatus.values:
        found = found.filter(status=status)
    since, until = _date(params.get("from")), _date(params.get("to"))
    if since:
        found = found.filter(created_at__date__gte=since)
    if until:
        found = found.filter(created_at__date__lte=until)
    filters = OrderFilters(q, status if status in OrderStatus.values else "", since, until)
    return found.order_by("-created_at", "-id"), filters


@dealer_required
def orders(request: HttpRequest) -> HttpResponse:
    """Order history with search (number, PO, SKU) and filters (status, dates)."""
    found, filters = filtered_orders(request)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/orders/list.html",
        {
            "page": page,
            "q": filters.q,
            "status": filters.status,
            "since": filters.since,
            "until": filters.until,
            "statuses": OrderStatus.choices,
        },
    )


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@dealer_required
def order(request: HttpRequest, number: str) -> HttpResponse:
    found = dealer_order(request, number)
    documents = list(found.documents.all())
    return render(
        request,
        "portal/orders/detail.html",
        {
            "order": found,
            "lines": found.lines.select_related("warehouse"),
            "events": found.events.select_related("actor"),
            "just_placed": request.GET.get("placed") == "1",
            "can_cancel": found.status in CANCELLABLE and dealer(request).can_order,
            "payable": found.status in PAYABLE,
            "erp_state": erp_delivery_state(found),
            "documents": documents,
            # The ERP's invoice, when it has sent one, is the one to pay; the proforma stays.
            "invoice": next((d for d in documents if d.kind == DocumentKind.INVOICE), None),
        },
    )


@dealer_required
def order_document(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """A document the ERP issued for one of the dealer's company's orders."""
    found = dealer_order(request, number)
    document = found.documents.filter(pk=pk).first()
    if document is None:
        raise Http404("No such document for this order")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The document's file is missing; ask your manager") from error
    streamed = FileResponse(
        handle,
        as_attachment=bool(request.GET.get("download")),
        filename=document.filename,
        content_type="application/pdf",
    )
    # Streamed from storage rather than read into memory; the access decorators are typed
    # for plain responses only.
    return cast(HttpResponse, streamed)


@dealer_required
def order_proforma(request: HttpRequest, number: str) -> HttpResponse:
    found = dealer_order(request, number)
    if found.status not in PAYABLE:
        raise Http404("There is no invoice for payment for this order")
    response = HttpResponse(proforma_pdf(found), content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="proforma-{found.number}.pdf"'
    return response


@require_POST
@buyer_required
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    found = dealer_order(request, number)
    try:
        cancel_order(found, actor=request.user, reason=request.POST.get("reason", "")[:2000])
    except OrderingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Order {found.number} is cancelled; its stock is released.")
    return redirect("portal:order", number=found.number)


@require_POST
@buyer_required
def order_again(request: HttpRequest, number: str) -> HttpResponse:
    found = dealer_order(request, number)
    company = dealer(request).company
    report = reorder(company, request.user, found, current_contract(request, company))
    report_to_dealer(request, report, found.number or "")
    return redirect("portal:cart")


@require_POST
@buyer_required
def repeat_month(request: HttpRequest) -> HttpResponse:
    """ "Repeat last month's order": every line the company ordered last month, merged."""
    company = dealer(request).company
    month, report = repeat_last_month(company, request.user, current_contract(request, company))
    if month is None or report is None:
        messages.info(request, "There were no orders last month to repeat.")
        return redirect("portal:dashboard")
    report_to_dealer(request, report, f"last month's orders ({month.label})")
    return redirect("portal:cart")


# --- quick order ------------------------------------------------------------------------------

MAX_PASTE_CHARS = 1_000_000


@buyer_required
def quick_order(request: HttpRequest) -> HttpResponse:
    """Rows of SKU or barcode and quantity: typed, pasted, uploaded (CSV/XLSX) or scanned.
    Good rows go to the cart; the others stay on the page with their reason."""
    context: dict[str, Any] = {"max_rows": MAX_ROWS, "max_mb": MAX_UPLOAD_BYTES // 2**20}
    if request.method != "POST":
        return render(request, "portal/orders/quick.html", context)
    upload = request.FILES.get("file")
    pasted = request.POST.get("lines", "")
    if upload is not None:
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            parsed = ParseResult((), False, "too_large", f"The limit is {context['max_mb']} MB.")
        else:
            parsed = parse_upload(upload.name or "", upload.read())
    elif len(pasted) > MAX_PASTE_CHARS:
        parsed = ParseResult((), False, "too_many_rows", f"Paste at most {MAX_ROWS:,} lines.")
    else:
        parsed = parse_pasted(pasted)
    context["pasted"] = pasted if upload is None else ""
    if parsed.error:
        context["file_error"] = FILE_ERRORS[parsed.error]
        context["file_detail"] = parsed.detail
        return render(request, "portal/orders/quick.html", context, status=400)
    result = run_quick_order(dealer(request).company, request.user, parsed.rows)
    context.update(
        {
            "result": result,
            "header_skipped": parsed.header_skipped,
            # What did not go in, ready to fix and send again (short rows have their offers).
            "pasted": "\n".join(row.text for row in result.to_fix),
        }
    )
    return render(request, "portal/orders/quick.html", context)


@require_POST
@buyer_required
def scan(request: HttpRequest) -> HttpResponse:
    """One scan (a barcode scanner types the code and Enter): one more pack in the cart."""
    company = dealer(request).company
    code = printable(request.POST.get("code", "")).strip()[:64]
    product = resolve_codes(scope_for_company(company), [code]).get(code.upper()) if code else None
    if product is None:
        return render(
            request,
            "portal/orders/_scanned.html",
            {"error": f"{code or 'Nothing'}: no product of your catalog has this code."},
            status=404 if code else 400,
        )
    try:
        line = add_to_cart(
            company, request.user, product.pk, round_up(product, product.pack_multiple)
        )
    except OrderingError as error:
        text = error.lines[0].message if error.lines else error.message
        return render(
            request, "portal/orders/_scanned.html", {"error": f"{product.sku}: {text}"}, status=400
        )
    return render(request, "portal/orders/_scanned.html", {"product": product, "line": line})
