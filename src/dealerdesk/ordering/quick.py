"""Quick order: rows of "SKU or barcode + quantity" (typed, pasted, uploaded or scanned)
checked one by one; the good ones go to the cart together, the others come back with
their reason, a short one with what can be done instead (``ordering.short``). Nothing is
dropped silently. And the type-ahead of the code box (``suggest``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, NoReturn

from django.db.models import Case, Value, When
from django.db.models.functions import Upper

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Barcode, Product
from dealerdesk.catalog.queries import (
    CatalogScope,
    clean_query,
    scope_for_company,
    search_products,
)
from dealerdesk.core.barcodes import looks_like_gtin, normalize_gtin
from dealerdesk.inventory.availability import ZERO, format_quantity
from dealerdesk.inventory.queries import WarehouseAvailability, default_warehouse_for
from dealerdesk.offers.queries import offers_for
from dealerdesk.ordering.cart import add_many, add_to_cart
from dealerdesk.ordering.errors import (
    LINE_MESSAGES,
    LineError,
    LineProblem,
    OrderingError,
    OrderingErrorCode,
)
from dealerdesk.ordering.models import CartLine
from dealerdesk.ordering.parsing import ROW_ERRORS, ParsedRow
from dealerdesk.ordering.rules import quantity_problem, round_up
from dealerdesk.ordering.short import (
    ShortOffer,
    StockCheck,
    cart_quantities,
    short_offer,
    stock_check,
)
from dealerdesk.pricing.engine import PricedLine
from dealerdesk.pricing.models import Contract

# One answer for a code nobody has and for one another dealer's catalog has: the closed
# catalog does not confirm that a product exists.
UNKNOWN_CODE = "No product of your catalog has this SKU or barcode."


@dataclass(frozen=True)
class QuickRow:
    number: int
    code: str
    text: str
    product: Product | None
    quantity: Decimal | None
    problem: str = ""  # why it did not go to the cart
    note: str = ""  # something to know about a row that did (the default quantity)
    short: ShortOffer | None = None  # more than the default warehouse has: what to do

    @property
    def added(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class QuickOrderResult:
    rows: list[QuickRow]

    @property
    def added(self) -> list[QuickRow]:
        return [row for row in self.rows if row.added]

    @property
    def refused(self) -> list[QuickRow]:
        return [row for row in self.rows if not row.added]

    @property
    def to_fix(self) -> list[QuickRow]:
        """The refused rows to correct and send again; a short row is answered by its
        offers instead (sent again, it would only be short again)."""
        return [row for row in self.rows if not row.added and row.short is None]


def _key(code: str) -> str:
    return code.strip().upper()


def resolve_codes(scope: CatalogScope, codes: Sequence[str]) -> dict[str, Product]:
    """Products of the scope by the code typed (an SKU, case-insensitive, or a barcode),
    in three queries however many codes there are."""
    wanted = {_key(code) for code in codes if code.strip()}
    if not wanted:
        return {}
    gtins = {key: normalize_gtin(key) for key in wanted if looks_like_gtin(key)}
    found: dict[str, Product] = {}
    if gtins:
        by_barcode = dict(
            Barcode.objects.filter(code__in=set(gtins.values())).values_list("code", "product_id")
        )
        products = {p.pk: p for p in scope.products().filter(pk__in=set(by_barcode.values()))}
        for key, gtin in gtins.items():
            product = products.get(by_barcode.get(gtin, 0))
            if product is not None:
                found[key] = product
    skus = wanted - set(found)
    if skus:
        for product in scope.products().annotate(sku_key=Upper("sku")).filter(sku_key__in=skus):
            found[product.sku.upper()] = product
    return found


def _unseen(scope: CatalogScope, keys: set[str]) -> dict[str, str]:
    """Of codes that matched nothing in the scope, those of products the dealer's catalog
    holds but that are no longer sold (the others get ``UNKNOWN_CODE``)."""
    if not keys:
        return {}
    gtins = {normalize_gtin(key): key for key in keys if looks_like_gtin(key)}
    matches: list[tuple[str, int, bool, int]] = [
        (sku_key, pk, active, category_id)
        for sku_key, pk, active, category_id in Product.objects.annotate(sku_key=Upper("sku"))
        .filter(sku_key__in=keys)
        .values_list("sku_key", "pk", "is_active", "category_id")
    ]
    matches += [
        (gtins[code], pk, active, category_id)
        for code, pk, active, category_id in Barcode.objects.filter(
            code__in=list(gtins)
        ).values_list("code", "product_id", "product__is_active", "product__category_id")
    ]
    retired = scope.retired(pk for _, pk, active, _ in matches if not active)
    return {key: LINE_MESSAGES[LineProblem.INACTIVE] for key, pk, _, _ in matches if pk in retired}


def check_rows(company: Company, parsed: Sequence[ParsedRow]) -> list[QuickRow]:
    """Every row checked on its own: code, catalog, quantity rules."""
    scope = scope_for_company(company)
    products = resolve_codes(scope, [row.code for row in parsed if not row.error])
    missing = {_key(row.code) for row in parsed if not row.error and row.code} - set(products)
    reasons = _unseen(scope, missing)
    rows: list[QuickRow] = []
    for row in parsed:
        if row.error:
            rows.append(QuickRow(row.number, row.code, row.text, None, None, ROW_ERRORS[row.error]))
            continue
        product = products.get(_key(row.code))
        if product is None:
            why = reasons.get(_key(row.code), UNKNOWN_CODE)
            rows.append(QuickRow(row.number, row.code, row.text, None, row.quantity, why))
            continue
        note = ""
        quantity = row.quantity
        if quantity is None:
            quantity = round_up(product, product.min_quantity)
            note = "no quantity given: the minimum"
        found = quantity_problem(product, quantity)
        rows.append(
            QuickRow(
                row.number, row.code, row.text, product, quantity, found[1] if found else "", note
            )
        )
    return rows


def quick_order(company: Company, user: Any, parsed: Sequence[ParsedRow]) -> QuickOrderResult:
    """Check the rows and put the good ones in the cart in one transaction (a product twice
    is one cart line with the quantities added).

    A row that would take its line in the default warehouse beyond what that warehouse can
    promise stays out of the cart with its reason and the offers of ``ordering.short``.
    """
    rows = check_rows(company, parsed)
    addable = [
        (row, row.product, row.quantity)
        for row in rows
        if row.added and row.product is not None and row.quantity is not None
    ]
    if not addable:
        return QuickOrderResult(rows)
    default = default_warehouse_for(company)
    if default is None:
        why = LINE_MESSAGES[LineProblem.WAREHOUSE_NOT_ALLOWED]
        return QuickOrderResult([replace(row, problem=why) if row.added else row for row in rows])
    ids = {product.pk for _, product, _ in addable}
    going, short = _split_short(
        stock_check(company, ids, cart_quantities(company, user, ids)), default.pk, addable
    )
    problems = add_many(company, user, [(product, default, q) for _, product, q in going])
    changed = {
        id(row): replace(row, problem=problem)
        for (row, _, _), problem in zip(going, problems, strict=True)
        if problem
    }
    if short:
        ids = {product.pk for _, product, _ in short}
        check = stock_check(company, ids, cart_quantities(company, user, ids))
        for row, product, quantity in short:
            offer = short_offer(check, product, default.pk, quantity, adding=True)
            changed[id(row)] = replace(row, problem=offer.reason, short=offer)
    return QuickOrderResult([changed.get(id(row), row) for row in rows])


Wanted = tuple[QuickRow, Product, Decimal]


def _split_short(
    check: StockCheck, warehouse_id: int, rows: Sequence[Wanted]
) -> tuple[list[Wanted], list[Wanted]]:
    """The rows to add and the rows that would take their line beyond the stock, in the
    order given: an earlier row of the same product counts for a later one."""
    totals = dict(check.in_cart)
    going: list[Wanted] = []
    short: list[Wanted] = []
    for wanted in rows:
        _, product, quantity = wanted
        key = (product.pk, warehouse_id)
        total = totals.get(key, ZERO) + quantity
        if quantity_problem(product, total) is None:  # else add_many says why
            if check.is_short(product.pk, warehouse_id, total):
                short.append(wanted)
                continue
            totals[key] = total
        going.append(wanted)
    return going, short


# --- a short row: what the dealer picked ----------------------------------------------------


class ShortAction(StrEnum):
    TAKE = "take"  # what is available
    BACKORDER = "backorder"  # all of it, the rest on backorder
    MOVE = "move"  # all of it from another warehouse


STOCK_CHANGED = "The stock has changed since: here is what can be done now."


@dataclass(frozen=True)
class ShortOutcome:
    """What became of a short row: the cart line it went to with what was added, or the
    offer as it stands now (the stock changed since the page was shown)."""

    message: str
    line: CartLine | None = None
    offer: ShortOffer | None = None


def resolve_short_row(
    company: Company,
    user: Any,
    product_id: int,
    quantity: Decimal,
    warehouse_id: int,
    action: ShortAction,
    *,
    take: Decimal | None = None,
    to: int | None = None,
) -> ShortOutcome:
    """Do what the dealer picked for a short quick-order row of ``quantity`` in
    ``warehouse_id``: add ``take`` (what the offer showed as available), add it all on
    backorder, or add it all from warehouse ``to``. Each is checked again against the stock
    as it is now; an offer that no longer holds comes back renewed instead.

    Raises ``OrderingError`` for a product outside the catalog, a quantity it cannot be
    ordered in, a warehouse the dealer may not use, or a backorder when none are taken.
    """
    product = scope_for_company(company).product(product_id)
    if product is None:
        _refuse(LineProblem.NOT_IN_CATALOG, product_id)
    found = quantity_problem(product, quantity)
    if found is not None:
        _refuse(found[0], product.pk, found[1])
    check = stock_check(company, {product.pk}, cart_quantities(company, user, {product.pk}))
    names = {warehouse.pk: warehouse.name for warehouse in check.warehouses}
    if warehouse_id not in names or (action == ShortAction.MOVE and to not in names):
        _refuse(LineProblem.WAREHOUSE_NOT_ALLOWED, product.pk)
    unit = product.get_unit_display()
    if action == ShortAction.BACKORDER:
        line = add_to_cart(company, user, product.pk, quantity, warehouse_id, backorder=True)
        return ShortOutcome(
            f"{format_quantity(quantity)} {unit} of {product.sku} in the cart from "
            f"{names[warehouse_id]}, on backorder.",
            line,
        )
    # Offers are made to dealers shown exact stock only (``StockCheck.is_short``); asked
    # directly, "what is there" is never taken for the others, and "from another warehouse"
    # goes to the cart unchecked, as any line does: neither tells them a figure.
    exact = check.strategy.exact_figures
    if action == ShortAction.TAKE:
        if take is None or not exact or not _still_fits(check, product, warehouse_id, take):
            return _renewed(check, product, warehouse_id, quantity)
        line = add_to_cart(company, user, product.pk, take, warehouse_id)
        return ShortOutcome(
            f"{format_quantity(take)} {unit} of {product.sku} in the cart from "
            f"{names[warehouse_id]}.",
            line,
        )
    if (
        to is None
        or to == warehouse_id
        or (exact and not _still_fits(check, product, to, quantity))
    ):
        return _renewed(check, product, warehouse_id, quantity)
    line = add_to_cart(company, user, product.pk, quantity, to)
    return ShortOutcome(
        f"{format_quantity(quantity)} {unit} of {product.sku} in the cart from {names[to]}.", line
    )


def _still_fits(check: StockCheck, product: Product, warehouse_id: int, quantity: Decimal) -> bool:
    """Whether ``quantity`` more of the product fits in what the warehouse can promise
    beside what the cart holds there."""
    key = (product.pk, warehouse_id)
    here = check.available.get(key, ZERO)
    total = check.in_cart.get(key, ZERO) + quantity
    return quantity > 0 and total <= here and quantity_problem(product, total) is None


def _renewed(
    check: StockCheck, product: Product, warehouse_id: int, quantity: Decimal
) -> ShortOutcome:
    key = (product.pk, warehouse_id)
    if not check.is_short(product.pk, warehouse_id, check.in_cart.get(key, ZERO) + quantity):
        return ShortOutcome("There is enough stock for this line now: add it again.")
    return ShortOutcome(
        STOCK_CHANGED, offer=short_offer(check, product, warehouse_id, quantity, adding=True)
    )


def _refuse(problem: LineProblem, product_id: int, message: str | None = None) -> NoReturn:
    raise OrderingError(
        OrderingErrorCode.LINES_INVALID,
        (LineError(0, product_id, problem, message or LINE_MESSAGES[problem]),),
    )


# --- type-ahead -------------------------------------------------------------------------------

MIN_SUGGEST_LENGTH = 2
MAX_SUGGESTIONS = 10


@dataclass(frozen=True)
class Suggestion:
    product: Product
    price: PricedLine | None  # the dealer's, at the product's first quantity
    stock: WarehouseAvailability | None  # its default warehouse, through the display policy


def suggest(company: Company, contract: Contract | None, q: str) -> list[Suggestion]:
    """Up to ten products of the dealer's catalog for what is typed in a code box (two
    characters or more), found as the catalog search finds them (an SKU starting with it,
    its barcode, every word in the name), SKU matches first; each with the dealer's price
    under ``contract`` and the stock of its default warehouse as its policy shows it."""
    text = clean_query(q)
    if len(text) < MIN_SUGGEST_LENGTH:
        return []
    products = list(
        search_products(scope_for_company(company), text)
        .annotate(
            by_name=Case(When(sku__istartswith=text, then=Value(0)), default=Value(1)),
        )
        .order_by("by_name", "sku", "pk")[:MAX_SUGGESTIONS]
    )
    offers = offers_for(company, contract, products)
    return [
        Suggestion(
            product,
            offers[product.pk].price,
            stock.default if (stock := offers[product.pk].stock) else None,
        )
        for product in products
    ]
