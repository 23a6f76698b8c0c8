"""A dealer company's address book: where its orders go. Everyone in the company reads
it; owners and buyers keep it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dealerdesk.ordering.delivery import (
    AddressError,
    AddressInput,
    addresses_of,
    delete_address,
    make_default,
    save_address,
)
from dealerdesk.ordering.models import DeliveryAddress
from dealerdesk.web.portal.access import (
    buyer_required,
    dealer,
    dealer_required,
    not_found_as_404,
)


class AddressForm(forms.Form):
    label = forms.CharField(label="Name", max_length=100)
    recipient = forms.CharField(label="Recipient", required=False, max_length=200)
    phone = forms.CharField(label="Phone", required=False, max_length=32)
    address = forms.CharField(
        label="Address",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Street, city, postcode"}),
    )
    is_default = forms.BooleanField(label="Use by default", required=False)

    def entry(self) -> AddressInput:
        data = self.cleaned_data
        return AddressInput(
            label=data["label"],
            address=data["address"],
            recipient=data["recipient"],
            phone=data["phone"],
            is_default=data["is_default"],
        )


def _page(
    request: HttpRequest, form: AddressForm, editing: DeliveryAddress | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/addresses/book.html",
        {
            "addresses": addresses_of(dealer(request).company),
            "form": form,
            "editing": editing,
            "can_edit": dealer(request).can_order,
        },
        status=status,
    )


@dealer_required
def addresses(request: HttpRequest) -> HttpResponse:
    return _page(request, AddressForm(), None)


def _save(request: HttpRequest, editing: DeliveryAddress | None) -> HttpResponse:
    form = AddressForm(request.POST)
    if not form.is_valid():
        return _page(request, form, editing, status=400)
    try:
        entry = save_address(
            dealer(request).company,
            form.entry(),
            actor=request.user,
            address_id=editing.pk if editing else None,
        )
    except AddressError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, form, editing, status=400)
    messages.success(request, f"“{entry.label}” is saved.")
    return redirect("portal:addresses")


@require_POST
@buyer_required
def address_add(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@buyer_required
@not_found_as_404(DeliveryAddress.DoesNotExist)
def address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = DeliveryAddress.objects.get(company=dealer(request).company, pk=pk)
    if request.method == "POST":
        return _save(request, entry)
    form = AddressForm(
        initial={
            "label": entry.label,
            "recipient": entry.recipient,
            "phone": entry.phone,
            "address": entry.address,
            "is_default": entry.is_default,
        }
    )
    return _page(request, form, entry)


@require_POST
@buyer_required
@not_found_as_404(DeliveryAddress.DoesNotExist)
def address_default(request: HttpRequest, pk: int) -> HttpResponse:
    entry = make_default(dealer(request).company, pk, actor=request.user)
    messages.success(request, f"Orders go to “{entry.label}” unless you choose otherwise.")
    return redirect("portal:addresses")


@require_POST
@buyer_required
@not_found_as_404(DeliveryAddress.DoesNotExist)
def address_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = delete_address(dealer(request).company, pk, actor=request.user)
    messages.success(request, f"“{entry.label}” is removed; past orders keep their address.")
    return redirect("portal:addresses")
