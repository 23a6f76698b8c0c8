"""Shopping lists: the company's named lists, one list's lines at today's prices, and the
actions on them. Any member of the dealer sees them; owners and buyers change them and put
them in the cart. Another company's list is not found (404), never refused (403)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import scope_for_company
from dealerdesk.inventory.availability import format_quantity
from dealerdesk.ordering import lists as service
from dealerdesk.ordering.lists import MAX_NAME_LENGTH, ListError, SavedCart
from dealerdesk.ordering.models import ShoppingList, ShoppingListLine
from dealerdesk.web.portal.access import (
    buyer_required,
    dealer,
    dealer_required,
    not_found_as_404,
)
from dealerdesk.web.portal.offers import current_contract
from dealerdesk.web.portal.params import local_next, positive_int, typed_quantity
from dealerdesk.web.portal.repeat import report_to_dealer

NEW_LIST = "new"


class ListNameForm(forms.Form):
    # The length is the service's rule (its message says how long the name was); the
    # attribute only stops a browser from typing more. Django refuses NUL characters here.
    name = forms.CharField(
        label="Name",
        widget=forms.TextInput(
            attrs={"maxlength": MAX_NAME_LENGTH, "placeholder": "e.g. Weekly restock"}
        ),
    )


def _list(request: HttpRequest, pk: int) -> ShoppingList:
    """The company's list ``pk``, else 404 (another company's list is not found)."""
    if positive_int(str(pk)) is None:
        raise Http404("No such list")
    try:
        return service.get_list(dealer(request).company, pk)
    except ShoppingList.DoesNotExist as error:
        raise Http404("No such list") from error


def _qty(quantity: Decimal) -> str:
    return format_quantity(quantity)


# --- the lists --------------------------------------------------------------------------------


@dealer_required
def index(request: HttpRequest) -> HttpResponse:
    return _index(request, ListNameForm())


def _index(request: HttpRequest, form: ListNameForm, status: int = 200) -> HttpResponse:
    company = dealer(request).company
    return render(
        request,
        "portal/lists/index.html",
        {"lists": service.lists_of(company), "form": form, "max_lists": service.MAX_LISTS},
        status=status,
    )


@require_POST
@buyer_required
def create(request: HttpRequest) -> HttpResponse:
    form = ListNameForm(request.POST)
    if form.is_valid():
        try:
            created = service.create_list(
                dealer(request).company, request.user, form.cleaned_data["name"]
            )
        except ListError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, f"List “{created.name}” created.")
            return redirect("portal:shopping_list", pk=created.pk)
    return _index(request, form, status=400)


@dealer_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _list(request, pk)
    return _detail(request, found, ListNameForm(initial={"name": found.name}))


def _detail(
    request: HttpRequest, found: ShoppingList, form: ListNameForm, status: int = 200
) -> HttpResponse:
    company = dealer(request).company
    return render(
        request,
        "portal/lists/detail.html",
        {
            "view": service.list_view(company, current_contract(request, company), found),
            "shopping_list": found,
            "form": form,
            "can_change": dealer(request).can_order,
        },
        status=status,
    )


@require_POST
@buyer_required
@not_found_as_404(ShoppingList.DoesNotExist)
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    found = _list(request, pk)
    form = ListNameForm(request.POST)
    if form.is_valid():
        try:
            renamed = service.rename_list(
                dealer(request).company, found.pk, form.cleaned_data["name"]
            )
        except ListError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, f"Renamed to “{renamed.name}”.")
            return redirect("portal:shopping_list", pk=found.pk)
    return _detail(request, found, form, status=400)


@buyer_required
@not_found_as_404(ShoppingList.DoesNotExist)
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST deletes the list and its lines."""
    found = _list(request, pk)
    if request.method != "POST":
        return render(
            request,
            "portal/lists/delete.html",
            {"shopping_list": found, "line_count": found.lines.count()},
        )
    name = service.delete_list(dealer(request).company, found.pk)
    messages.success(request, f"List “{name}” deleted.")
    return redirect("portal:shopping_lists")


# --- lines ------------------------------------------------------------------------------------


@require_POST
@buyer_required
@not_found_as_404(ShoppingList.DoesNotExist, ShoppingListLine.DoesNotExist)
def line(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """Change a line's quantity (rounded up to whole packs) or take it off the list."""
    found = _list(request, pk)
    company = dealer(request).company
    back = redirect("portal:shopping_list", pk=found.pk)
    try:
        if "remove" in request.POST:
            removed = service.remove_line(company, found.pk, line_pk)
            messages.success(request, f"{removed.product.sku} taken off the list.")
            return back
        quantity, why = typed_quantity(request.POST.get("quantity"))
        if quantity is None:
            # The line must be the company's before it is told anything about its quantity.
            ShoppingListLine.objects.get(pk=line_pk, shopping_list=found)
            messages.error(request, why)
            return back
        changed, asked = service.change_line(company, found.pk, line_pk, quantity)
    except ListError as error:
        messages.error(request, error.message)
        return back
    text = f"{changed.product.sku}: {_qty(changed.quantity)} {changed.product.get_unit_display()}"
    if changed.quantity != asked:
        text += f" (rounded up from {_qty(asked)} to whole packs)"
    messages.success(request, text + ".")
    return back


@require_POST
@buyer_required
@not_found_as_404(ShoppingList.DoesNotExist)
def add_product(request: HttpRequest) -> HttpResponse:
    """Add a product to a list (or to a new one) from the product page; htmx gets a line
    of text back, a plain form the page it came from with a message."""
    company = dealer(request).company
    product_id = positive_int(request.POST.get("product"))
    product = scope_for_company(company).product(product_id)
    if product is None:
        raise Http404("No such product in your catalog")
    chosen = request.POST.get("list", "")
    list_id = positive_int(chosen)
    if chosen != NEW_LIST and list_id is None:
        return _added(request, product, error="Choose a list.")
    if list_id is not None:
        _list(request, list_id)
    quantity, why = typed_quantity(request.POST.get("quantity"))
    if quantity is None:
        return _added(request, product, error=why)
    try:
        with transaction.atomic():  # a new list without its product is not kept
            if list_id is None:
                list_id = service.create_list(
                    company, request.user, request.POST.get("name", "")
                ).pk
            added = service.add_product(company, list_id, product.pk, quantity)
    except ListError as error:
        return _added(request, product, error=error.message)
    target = added.line.shopping_list
    unit = product.get_unit_display()
    text = f"{_qty(added.added)} {unit} of {product.sku} added to “{target.name}”"
    notes = []
    if added.rounded:
        notes.append(f"rounded up from {_qty(added.asked)} to whole packs")
    if added.merged:
        notes.append(f"now {_qty(added.line.quantity)} on the list")
    if notes:
        text += f" ({'; '.join(notes)})"
    return _added(request, product, added=text, list_pk=target.pk)


def _added(
    request: HttpRequest,
    product: Product,
    *,
    added: str = "",
    error: str = "",
    list_pk: int | None = None,
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "portal/lists/_added.html",
            {"added": added, "error": error, "list_pk": list_pk},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, f"{product.sku}: {error}")
    else:
        messages.success(request, added + ".")
    return HttpResponseRedirect(local_next(request) or reverse("portal:product", args=[product.pk]))


# --- lists and the cart -----------------------------------------------------------------------


@require_POST
@buyer_required
def to_cart(request: HttpRequest, pk: int) -> HttpResponse:
    """Every line of the list into the cart at today's prices, with what was left out."""
    found = _list(request, pk)
    company = dealer(request).company
    contract = current_contract(request, company)
    report = service.add_list_to_cart(company, request.user, found, contract)
    if not report.added and not report.unavailable:
        messages.info(request, f"“{found.name}” has no lines yet.")
        return redirect("portal:shopping_list", pk=found.pk)
    report_to_dealer(request, report, f"“{found.name}”")
    return redirect("portal:cart")


def _saved(request: HttpRequest, saved: SavedCart, verb: str) -> None:
    messages.success(
        request, f"{saved.saved} line(s) of your cart {verb} “{saved.shopping_list.name}”."
    )
    for sku, why in saved.skipped:
        messages.warning(request, f"{sku} was not kept: {why}")


@require_POST
@buyer_required
def save_cart(request: HttpRequest) -> HttpResponse:
    """The cart as a new list (from the cart page); the cart stays as it is."""
    form = ListNameForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("name", []):
            messages.error(request, f"List name: {error}")
        return redirect("portal:cart")
    try:
        saved = service.save_cart_as_list(
            dealer(request).company, request.user, form.cleaned_data["name"]
        )
    except ListError as error:
        messages.error(request, error.message)
        return redirect("portal:cart")
    _saved(request, saved, "saved as")
    return redirect("portal:shopping_list", pk=saved.shopping_list.pk)


@require_POST
@buyer_required
@not_found_as_404(ShoppingList.DoesNotExist)
def replace(request: HttpRequest, pk: int) -> HttpResponse:
    """The list's lines become the cart's (the cart stays as it is)."""
    found = _list(request, pk)
    try:
        saved = service.replace_with_cart(dealer(request).company, request.user, found.pk)
    except ListError as error:
        messages.error(request, error.message)
    else:
        _saved(request, saved, "now make up")
    return redirect("portal:shopping_list", pk=found.pk)
