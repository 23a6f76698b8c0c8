"""Shopping lists: named lists of products a dealer orders again and again ("weekly
restock"), shared by the company's people and put in the cart in one click.

A line is a product, an optional warehouse (none: the company's default when it goes to
the cart) and a quantity in whole packs; like a cart line it keeps no price. The list page
prices every line under the chosen contract (``list_view``), and a list goes to the cart
through the same rules and report as ordering a past order again (``repeat_lines``).

Every read and write is scoped by company: another company's list or line is as if it did
not exist (``ShoppingList.DoesNotExist`` / ``ShoppingListLine.DoesNotExist``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from dealerdesk.accounts.models import Company
from dealerdesk.accounts.services import lock_company
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import scope_for_company
from dealerdesk.core.money import Money
from dealerdesk.core.text import collapse_spaces, name_in_use, printable
from dealerdesk.inventory.queries import WarehouseAvailability
from dealerdesk.offers.queries import Offer, offers_for
from dealerdesk.ordering.cart import ReorderReport, RepeatedLine, repeat_lines
from dealerdesk.ordering.errors import LINE_MESSAGES, LineProblem, gone
from dealerdesk.ordering.models import CartLine, OrderLine, ShoppingList, ShoppingListLine
from dealerdesk.ordering.rules import MAX_LINE_QUANTITY, quantity_problem, round_up
from dealerdesk.pricing.engine import line_totals
from dealerdesk.pricing.models import Contract

MAX_LISTS = 200  # per company
MAX_LIST_LINES = 1000  # per list, as many as a cart holds
MAX_NAME_LENGTH = 100  # ShoppingList.name


class ListErrorCode(StrEnum):
    NAME_EMPTY = "name_empty"
    NAME_TOO_LONG = "name_too_long"
    NAME_TAKEN = "name_taken"
    TOO_MANY_LISTS = "too_many_lists"
    TOO_MANY_LINES = "too_many_lines"
    NOT_IN_CATALOG = "not_in_catalog"
    BAD_QUANTITY = "bad_quantity"
    CART_EMPTY = "cart_empty"


LIST_MESSAGES: dict[ListErrorCode, str] = {
    ListErrorCode.NAME_EMPTY: "Give the list a name.",
    ListErrorCode.NAME_TOO_LONG: f"A list name can have at most {MAX_NAME_LENGTH} characters.",
    ListErrorCode.NAME_TAKEN: "Your company already has a list with this name.",
    ListErrorCode.TOO_MANY_LISTS: f"Your company can keep at most {MAX_LISTS} lists: "
    "delete one you no longer use first.",
    ListErrorCode.TOO_MANY_LINES: f"A list can have at most {MAX_LIST_LINES:,} lines.",
    ListErrorCode.NOT_IN_CATALOG: LINE_MESSAGES[LineProblem.NOT_IN_CATALOG],
    ListErrorCode.BAD_QUANTITY: LINE_MESSAGES[LineProblem.NOT_POSITIVE],
    ListErrorCode.CART_EMPTY: "Your cart is empty: there is nothing to save.",
}


class ListError(Exception):
    """A rule of shopping lists said no; nothing was written."""

    def __init__(self, code: ListErrorCode, message: str | None = None) -> None:
        self.code = code
        self.message = message or LIST_MESSAGES[code]
        super().__init__(self.message)


# --- names ------------------------------------------------------------------------------------


def clean_name(raw: str) -> str:
    """The name as it is kept: printable characters, single spaces, no ends; refused when
    empty or longer than the column (never cut: the dealer would not find it again)."""
    name = collapse_spaces(printable(raw))
    if not name:
        raise ListError(ListErrorCode.NAME_EMPTY)
    if len(name) > MAX_NAME_LENGTH:
        raise ListError(
            ListErrorCode.NAME_TOO_LONG,
            f"{LIST_MESSAGES[ListErrorCode.NAME_TOO_LONG]} This one has {len(name):,}.",
        )
    return name


def _check_name_free(company: Company, name: str, *, other_than: int | None = None) -> None:
    # A company has few lists; the constraint (company, LOWER(name)) still catches a race.
    names = ShoppingList.objects.filter(company=company)
    if other_than is not None:
        names = names.exclude(pk=other_than)
    if name_in_use(names.values_list("name", flat=True), name):
        raise ListError(ListErrorCode.NAME_TAKEN)


def _new_list(company: Company, user: Any, name: str) -> ShoppingList:
    """Inside a transaction: a new, empty list after checking the limit and the name."""
    lock_company(company.pk)
    if ShoppingList.objects.filter(company=company).count() >= MAX_LISTS:
        raise ListError(ListErrorCode.TOO_MANY_LISTS)
    _check_name_free(company, name)
    try:
        with transaction.atomic():
            return ShoppingList.objects.create(company=company, name=name, created_by=user)
    except IntegrityError as error:  # the same name created at the same moment
        raise ListError(ListErrorCode.NAME_TAKEN) from error


# --- lists ------------------------------------------------------------------------------------


def lists_of(company: Company) -> QuerySet[ShoppingList]:
    """The company's lists by name, each with ``line_count``; ``updated_at`` is the last
    change to the list or any of its lines."""
    return (
        ShoppingList.objects.filter(company=company)
        .annotate(line_count=Count("lines"))
        .select_related("created_by")
        .order_by("name", "id")
    )


def list_choices(company: Company) -> list[tuple[int, str]]:
    """(id, name) of the company's lists, for a "add to list" select."""
    return list(
        ShoppingList.objects.filter(company=company)
        .order_by("name", "id")
        .values_list("pk", "name")
    )


def get_list(company: Company, list_id: int) -> ShoppingList:
    """One of the company's lists; another company's id raises ``DoesNotExist``."""
    return ShoppingList.objects.get(pk=list_id, company=company)


def _locked(company: Company, list_id: int) -> ShoppingList:
    """The company's list, row-locked: changes to one list's lines go one at a time."""
    return ShoppingList.objects.select_for_update().get(pk=list_id, company=company)


def _touch(shopping_list: ShoppingList) -> None:
    shopping_list.updated_at = timezone.now()
    shopping_list.save(update_fields=["updated_at"])


def create_list(company: Company, user: Any, name: str) -> ShoppingList:
    """A new empty list; the name must be new to the company (case-insensitive)."""
    clean = clean_name(name)
    with transaction.atomic():
        return _new_list(company, user, clean)


def rename_list(company: Company, list_id: int, name: str) -> ShoppingList:
    clean = clean_name(name)
    with transaction.atomic():
        shopping_list = _locked(company, list_id)
        _check_name_free(company, clean, other_than=shopping_list.pk)
        shopping_list.name = clean
        try:
            with transaction.atomic():
                shopping_list.save(update_fields=["name", "updated_at"])
        except IntegrityError as error:
            raise ListError(ListErrorCode.NAME_TAKEN) from error
    return shopping_list


def delete_list(company: Company, list_id: int) -> str:
    """Delete the list and its lines; returns its name."""
    with transaction.atomic():
        shopping_list = _locked(company, list_id)
        name = shopping_list.name
        shopping_list.delete()
    return name


# --- lines ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddedToList:
    line: ShoppingListLine
    added: Decimal  # the quantity added: ``asked`` rounded up to whole packs
    asked: Decimal

    @property
    def rounded(self) -> bool:
        return self.added != self.asked

    @property
    def merged(self) -> bool:
        """The product was on the list already: the quantity was added to its line."""
        return self.line.quantity != self.added


def _rounded(product: Product, asked: Decimal) -> Decimal:
    """``asked`` rounded up to whole packs (at least the minimum), or a clear refusal."""
    if not asked.is_finite() or asked <= 0:
        raise ListError(ListErrorCode.BAD_QUANTITY)
    if asked >= MAX_LINE_QUANTITY:
        raise ListError(ListErrorCode.BAD_QUANTITY, LINE_MESSAGES[LineProblem.TOO_LARGE])
    return round_up(product, asked)


def _check_quantity(product: Product, quantity: Decimal) -> None:
    found = quantity_problem(product, quantity)
    if found is not None:
        raise ListError(ListErrorCode.BAD_QUANTITY, found[1])


def add_product(company: Company, list_id: int, product_id: int, quantity: Decimal) -> AddedToList:
    """Add a product of the dealer's catalog, ``quantity`` rounded up to whole packs; a
    product already on the list gets the quantity added to its line."""
    product = scope_for_company(company).product(product_id)
    if product is None:
        raise ListError(ListErrorCode.NOT_IN_CATALOG)
    added = _rounded(product, quantity)
    with transaction.atomic():
        shopping_list = _locked(company, list_id)
        line = ShoppingListLine.objects.filter(shopping_list=shopping_list, product=product).first()
        if line is None:
            _check_quantity(product, added)
            if shopping_list.lines.count() >= MAX_LIST_LINES:
                raise ListError(ListErrorCode.TOO_MANY_LINES)
            line = ShoppingListLine.objects.create(
                shopping_list=shopping_list, product=product, quantity=added
            )
        else:
            _check_quantity(product, line.quantity + added)
            line.quantity += added
            line.save(update_fields=["quantity", "updated_at"])
        _touch(shopping_list)
    return AddedToList(line, added, quantity)


def change_line(
    company: Company, list_id: int, line_id: int, quantity: Decimal
) -> tuple[ShoppingListLine, Decimal]:
    """Set a line's quantity, rounded up to whole packs; returns the line and the quantity
    asked for."""
    with transaction.atomic():
        shopping_list = _locked(company, list_id)
        line = ShoppingListLine.objects.select_related("product").get(
            pk=line_id, shopping_list=shopping_list
        )
        line.quantity = _rounded(line.product, quantity)
        _check_quantity(line.product, line.quantity)
        line.save(update_fields=["quantity", "updated_at"])
        _touch(shopping_list)
    return line, quantity


def remove_line(company: Company, list_id: int, line_id: int) -> ShoppingListLine:
    """Take a line off the list; returns it (with its product) as it was."""
    with transaction.atomic():
        shopping_list = _locked(company, list_id)
        line = ShoppingListLine.objects.select_related("product").get(
            pk=line_id, shopping_list=shopping_list
        )
        line.delete()
        _touch(shopping_list)
    return line


# --- the cart into a list ---------------------------------------------------------------------


@dataclass(frozen=True)
class SavedCart:
    shopping_list: ShoppingList
    saved: int  # lines on the list now
    skipped: list[tuple[str, str]]  # (SKU, why) of cart lines left out


def _cart_lines(
    company: Company, user: Any
) -> tuple[list[tuple[Product, int | None, Decimal]], list[tuple[str, str]]]:
    """The person's cart as list lines, one per product (a product in two warehouses is
    one line with the quantities added and no warehouse), and what cannot be kept."""
    cart = list(
        CartLine.objects.filter(cart__company=company, cart__user=user)
        .select_related("product")
        .order_by("created_at", "id")
    )
    if not cart:
        raise ListError(ListErrorCode.CART_EMPTY)
    visible = set(
        scope_for_company(company)
        .products()
        .filter(pk__in={line.product_id for line in cart})
        .values_list("pk", flat=True)
    )
    merged: dict[int, tuple[Product, int | None, Decimal]] = {}
    for line in cart:
        seen = merged.get(line.product_id)
        if seen is None:
            merged[line.product_id] = (line.product, line.warehouse_id, line.quantity)
        else:
            warehouse = seen[1] if seen[1] == line.warehouse_id else None
            merged[line.product_id] = (line.product, warehouse, seen[2] + line.quantity)
    kept: list[tuple[Product, int | None, Decimal]] = []
    skipped: list[tuple[str, str]] = []
    for product, warehouse_id, quantity in merged.values():
        if product.pk not in visible:
            skipped.append((product.sku, LINE_MESSAGES[gone(not product.is_active)]))
            continue
        found = quantity_problem(product, quantity)
        if found is not None:
            skipped.append((product.sku, found[1]))
        elif len(kept) >= MAX_LIST_LINES:
            skipped.append((product.sku, LIST_MESSAGES[ListErrorCode.TOO_MANY_LINES]))
        else:
            kept.append((product, warehouse_id, quantity))
    return kept, skipped


def _fill(
    shopping_list: ShoppingList, lines: Sequence[tuple[Product, int | None, Decimal]]
) -> None:
    ShoppingListLine.objects.bulk_create(
        ShoppingListLine(
            shopping_list=shopping_list, product=product, warehouse_id=warehouse, quantity=quantity
        )
        for product, warehouse, quantity in lines
    )


def save_cart_as_list(company: Company, user: Any, name: str) -> SavedCart:
    """A new list holding the person's cart for this company (the cart stays as it is)."""
    clean = clean_name(name)
    with transaction.atomic():
        kept, skipped = _cart_lines(company, user)
        shopping_list = _new_list(company, user, clean)
        _fill(shopping_list, kept)
    return SavedCart(shopping_list, len(kept), skipped)


def replace_with_cart(company: Company, user: Any, list_id: int) -> SavedCart:
    """The list's lines become the person's cart (the old lines are dropped)."""
    with transaction.atomic():
        shopping_list = _locked(company, list_id)
        kept, skipped = _cart_lines(company, user)
        shopping_list.lines.all().delete()
        _fill(shopping_list, kept)
        _touch(shopping_list)
    return SavedCart(shopping_list, len(kept), skipped)


# --- the list into the cart -------------------------------------------------------------------


def _last_paid(company: Company, product_ids: set[int], currency: str) -> dict[int, Decimal]:
    """The unit price of each product on the company's latest order in ``currency`` that
    has it (one query)."""
    latest = OrderLine.objects.filter(
        order__company=company, order__currency=currency, product_id=OuterRef("pk")
    ).order_by("-order__created_at", "-order_id", "-number")
    return {
        pk: paid
        for pk, paid in Product.objects.filter(pk__in=product_ids)
        .annotate(paid=Subquery(latest.values("unit_price")[:1]))
        .values_list("pk", "paid")
        if paid is not None
    }


def add_list_to_cart(
    company: Company, user: Any, shopping_list: ShoppingList, contract: Contract | None
) -> ReorderReport:
    """Put every line of the list in the person's cart at today's prices, in one
    transaction; report what was left out (retired, no longer in the catalog, quantity
    rules, a full cart) and what costs something else than on the company's last order of
    it (``repriced``: SKU, last paid, today)."""
    if shopping_list.company_id != company.pk:
        raise ShoppingList.DoesNotExist("No such list")
    lines = list(shopping_list.lines.select_related("product").order_by("created_at", "id"))
    currency = contract.currency if contract else ""
    paid = _last_paid(company, {line.product_id for line in lines}, currency) if contract else {}
    repeated = [
        RepeatedLine(
            line.product.sku,
            line.product_id,
            line.warehouse_id,
            line.quantity,
            paid.get(line.product_id),
        )
        for line in lines
    ]
    return repeat_lines(company, user, repeated, contract, currency=currency)


# --- the list page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListItem:
    line: ShoppingListLine
    product: Product
    offer: Offer | None  # price at the line's quantity and stock; None when not orderable
    stock: WarehouseAvailability | None  # the warehouse it would go to the cart from
    problem: str  # why it would not go to the cart as it is, or ""


@dataclass(frozen=True)
class ListView:
    shopping_list: ShoppingList
    items: list[ListItem]
    currency: str | None
    total_net: Money | None
    total_gross: Money | None

    @property
    def is_empty(self) -> bool:
        return not self.items


def list_view(company: Company, contract: Contract | None, shopping_list: ShoppingList) -> ListView:
    """The list priced under ``contract`` (each line at its own quantity) with each line's
    stock and problems, in a fixed number of queries."""
    lines = list(
        shopping_list.lines.select_related("product", "warehouse").order_by("created_at", "id")
    )
    currency = contract.currency if contract else None
    if not lines:
        return ListView(shopping_list, [], currency, None, None)
    visible_ids = set(
        scope_for_company(company)
        .products()
        .filter(pk__in=[line.product_id for line in lines])
        .values_list("pk", flat=True)
    )
    visible = [line.product for line in lines if line.product_id in visible_ids]
    offers = offers_for(
        company,
        contract,
        visible,
        quantities={line.product_id: line.quantity for line in lines},
    )
    items = []
    for line in lines:
        offer = offers.get(line.product_id)
        items.append(
            ListItem(
                line=line,
                product=line.product,
                offer=offer,
                stock=_stock_for(line, offer),
                problem=_problem(line, offer, contract),
            )
        )
    priced = [i.offer.price for i in items if i.offer and i.offer.price and i.offer.price.priced]
    if contract is None or not priced:
        return ListView(shopping_list, items, currency, None, None)
    net, _vat, gross = line_totals(priced, contract.currency)
    return ListView(shopping_list, items, currency, net, gross)


def _stock_for(line: ShoppingListLine, offer: Offer | None) -> WarehouseAvailability | None:
    """Stock in the line's warehouse, or in the default one (where the cart would put it)."""
    if offer is None or offer.stock is None:
        return None
    chosen = next(
        (row for row in offer.stock.warehouses if row.warehouse.id == line.warehouse_id), None
    )
    return chosen or offer.stock.default


def _problem(line: ShoppingListLine, offer: Offer | None, contract: Contract | None) -> str:
    if offer is None:
        return LINE_MESSAGES[gone(not line.product.is_active)]
    found = quantity_problem(line.product, line.quantity)
    if found is not None:
        return found[1]
    if contract is None:
        return "You have no contract to order under yet; ask your manager."
    if offer.price is None or not offer.price.priced:
        return LINE_MESSAGES[LineProblem.NO_PRICE]
    return ""
