"""Delivery options and a dealer's address book.

The supplier configures the ways it delivers (``DeliveryOption``) with their conditions: a
minimum order, the days it takes, the fee and the amount from which it is free. The dealer
reads them at checkout before choosing; ``delivery_problem`` enforces the minimum and the
earliest date when the order is placed. Addresses belong to a dealer company: its people
keep them, the ERP may sync them, and an order copies the text it was sent to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from dealerdesk.accounts.models import Company
from dealerdesk.accounts.services import lock_company
from dealerdesk.core import audit
from dealerdesk.core.models import AuditAction
from dealerdesk.core.money import round_money
from dealerdesk.core.text import collapse_spaces, name_in_use, printable
from dealerdesk.ordering.choices import DeliveryMethod
from dealerdesk.ordering.invoice import format_amount
from dealerdesk.ordering.models import DeliveryAddress, DeliveryOption

# Methods that take the goods somewhere, so the order needs an address.
NEEDS_ADDRESS = frozenset(
    {DeliveryMethod.SUPPLIER, DeliveryMethod.CARRIER, DeliveryMethod.DROPSHIP}
)
MAX_ADDRESSES = 100
# What the audit log keeps of an address.
AUDITED = ("label", "recipient", "phone", "address", "is_default")


def active_options() -> list[DeliveryOption]:
    return list(DeliveryOption.objects.filter(is_active=True))


def earliest_date(option: DeliveryOption, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=option.lead_days)


def _amounts_apply(option: DeliveryOption, currency: str) -> bool:
    """An option states amounts in its own currency; they bind orders in that currency."""
    return bool(option.currency) and option.currency == currency


def fee(option: DeliveryOption, net: Decimal, currency: str) -> Decimal | None:
    """What delivering an order of ``net`` costs by this option, when the option says."""
    if not _amounts_apply(option, currency) or option.fee_net is None:
        return None
    if option.free_from_net is not None and net >= option.free_from_net:
        return Decimal(0)
    return option.fee_net


def conditions(option: DeliveryOption) -> list[str]:
    """The option's terms as sentences a dealer reads before choosing it."""
    money = (lambda amount: format_amount(amount, option.currency)) if option.currency else None
    terms = []
    if money and option.min_order_net is not None:
        terms.append(f"Minimum order {money(option.min_order_net)} (net).")
    if option.lead_days:
        days = "1 day" if option.lead_days == 1 else f"{option.lead_days} days"
        terms.append(f"Delivered in {days} at the earliest.")
    if money and option.fee_net is not None:
        if option.fee_net == 0:
            terms.append("Free of charge.")
        elif option.free_from_net is not None:
            terms.append(
                f"Free from {money(option.free_from_net)} (net); below that "
                f"{money(option.fee_net)}, billed on the invoice."
            )
        else:
            terms.append(f"Fee {money(option.fee_net)}, billed on the invoice.")
    if option.method in NEEDS_ADDRESS:
        terms.append("Needs a delivery address.")
    if option.conditions.strip():
        terms.append(option.conditions.strip())
    return terms


def delivery_problem(
    option: DeliveryOption, net: Decimal, currency: str, desired: dt.date | None, today: dt.date
) -> str | None:
    """Why an order of ``net`` cannot go by ``option`` on ``desired``; None when it can."""
    if not option.is_active:
        return f"{option.name} is no longer offered; choose another delivery."
    if (
        _amounts_apply(option, currency)
        and option.min_order_net is not None
        and net < option.min_order_net
    ):
        short = round_money(option.min_order_net - net, currency).amount
        return (
            f"{option.name} takes orders from {format_amount(option.min_order_net, currency)} "
            f"(net); add {format_amount(short, currency)} or choose another delivery."
        )
    earliest = earliest_date(option, today)
    if desired is not None and desired < earliest:
        return (
            f"{option.name} delivers on {earliest:%d %b %Y} at the earliest; "
            "pick that day or later."
        )
    return None


# --- the address book ----------------------------------------------------------------------


def address_text(text: str) -> str:
    """An address as typed, tidied: one line per line (any line ending), spaces squeezed,
    blank lines and unprintable characters dropped, at most 1,000 characters."""
    lines = (collapse_spaces(printable(line)) for line in text.splitlines())
    return "\n".join(line for line in lines if line)[:1000]


class AddressError(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class AddressInput:
    label: str
    address: str
    recipient: str = ""
    phone: str = ""
    is_default: bool = False

    def cleaned(self) -> AddressInput:
        def one_line(value: str, limit: int) -> str:
            return collapse_spaces(printable(value))[:limit]

        return AddressInput(
            label=one_line(self.label, 100),
            address=address_text(self.address),
            recipient=one_line(self.recipient, 200),
            phone=one_line(self.phone, 32),
            is_default=self.is_default,
        )


def addresses_of(company: Company) -> list[DeliveryAddress]:
    return list(DeliveryAddress.objects.filter(company=company))


def save_address(
    company: Company, data: AddressInput, *, actor: Any, address_id: int | None = None
) -> DeliveryAddress:
    """Add an address to the company's book, or change one of its addresses.

    Raises ``AddressError`` (field, message) for an empty label or address, a label the
    book has already, or a full book; ``DeliveryAddress.DoesNotExist`` for another
    company's address.
    """
    data = data.cleaned()
    if not data.label:
        raise AddressError("label", "Give the address a name, e.g. Main shop.")
    if not data.address:
        raise AddressError("address", "Write the address: street, city, postcode.")
    with transaction.atomic():
        lock_company(company.pk)
        book = DeliveryAddress.objects.filter(company=company)
        entry = book.get(pk=address_id) if address_id is not None else None
        if entry is None and book.count() >= MAX_ADDRESSES:
            raise AddressError("label", f"An address book holds at most {MAX_ADDRESSES} addresses.")
        others = book.exclude(pk=entry.pk) if entry is not None else book
        if name_in_use(others.values_list("label", flat=True), data.label):
            raise AddressError("label", f"There is already an address called “{data.label}”.")
        before = _snapshot(entry) if entry else None
        entry = entry or DeliveryAddress(company=company)
        entry.label, entry.address = data.label, data.address
        entry.recipient, entry.phone = data.recipient, data.phone
        first = not book.exclude(pk=entry.pk).exists()
        entry.is_default = data.is_default or first or (entry.pk is not None and entry.is_default)
        if entry.is_default:
            book.exclude(pk=entry.pk).filter(is_default=True).update(is_default=False)
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError as error:  # a concurrent save took the label
            raise AddressError(
                "label", f"There is already an address called “{data.label}”."
            ) from error
        audit.record(
            actor=actor,
            instance=entry,
            action=AuditAction.UPDATE if before else AuditAction.CREATE,
            verb="changed a delivery address" if before else "added a delivery address",
            before=before,
            after=_snapshot(entry),
            company_id=company.pk,
            source="portal",
        )
    return entry


def make_default(company: Company, address_id: int, *, actor: Any) -> DeliveryAddress:
    with transaction.atomic():
        entry = DeliveryAddress.objects.select_for_update().get(company=company, pk=address_id)
        DeliveryAddress.objects.filter(company=company, is_default=True).exclude(
            pk=entry.pk
        ).update(is_default=False)
        if not entry.is_default:
            entry.is_default = True
            entry.save(update_fields=["is_default", "updated_at"])
            audit.record(
                actor=actor,
                instance=entry,
                verb="made a delivery address the default",
                after=_snapshot(entry),
                company_id=company.pk,
                source="portal",
            )
    return entry


def delete_address(company: Company, address_id: int, *, actor: Any) -> DeliveryAddress:
    """Remove an address from the book (orders keep the text they were sent to); returns
    it as it was."""
    with transaction.atomic():
        entry = DeliveryAddress.objects.select_for_update().get(company=company, pk=address_id)
        before = _snapshot(entry)
        audit.record(
            actor=actor,
            instance=entry,
            action=AuditAction.DELETE,
            verb="removed a delivery address",
            before=before,
            company_id=company.pk,
            source="portal",
        )
        entry.delete()
        if before["is_default"]:
            successor = DeliveryAddress.objects.filter(company=company).order_by("label").first()
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default", "updated_at"])
    return entry


def _snapshot(entry: DeliveryAddress) -> dict[str, Any]:
    return audit.snapshot(entry, AUDITED)
