"""The cart: one per person and company, priced and checked on every read.

A cart line holds a product, a warehouse, a quantity and whether the dealer accepts a
backorder for it, nothing else: its price, its explanation, the stock and what to do about a
short line (``ordering.short``) are worked out when the cart is shown (``cart_view``), so
switching the contract re-prices the whole cart at once, and checkout (``checkout``)
re-validates everything through ``place_order``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

from django.db import IntegrityError, transaction

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import scope_for_company
from dealerdesk.core.money import Money
from dealerdesk.inventory.models import Warehouse
from dealerdesk.inventory.queries import (
    ProductAvailability,
    WarehouseAvailability,
    availability_for,
    default_warehouse_for,
    warehouses_for,
)
from dealerdesk.ordering.errors import (
    LINE_MESSAGES,
    LineError,
    LineProblem,
    OrderingError,
    OrderingErrorCode,
    gone,
)
from dealerdesk.ordering.models import Cart, CartLine
from dealerdesk.ordering.rules import backorders_allowed, quantity_problem
from dealerdesk.ordering.services import Delivery, OrderLineRequest, PlacedOrder, place_order
from dealerdesk.ordering.short import ShortOffer, short_offer, stock_check
from dealerdesk.pricing.engine import PricedLine, line_totals
from dealerdesk.pricing.models import Contract
from dealerdesk.pricing.queries import price_lines

MAX_CART_LINES = 1000


def cart_for(company: Company, user: Any) -> Cart:
    cart, _ = Cart.objects.get_or_create(company=company, user=user)
    return cart


def _refuse(problem: LineProblem, product_id: int | None, message: str | None = None) -> NoReturn:
    raise OrderingError(
        OrderingErrorCode.LINES_INVALID,
        (LineError(0, product_id, problem, message or LINE_MESSAGES[problem]),),
    )


def _warehouse(company: Company, warehouse_id: int | None) -> Warehouse | None:
    """The warehouse asked for if the company may use it; else its default one."""
    if warehouse_id is None:
        return default_warehouse_for(company)
    return next((w for w in warehouses_for(company) if w.pk == warehouse_id), None)


def add_to_cart(
    company: Company,
    user: Any,
    product_id: int,
    quantity: Decimal,
    warehouse_id: int | None = None,
    *,
    backorder: bool = False,
) -> CartLine:
    """Add ``quantity`` of a product (to the line it already has in that warehouse); with
    ``backorder`` the line asks for all of it even beyond the stock (a line already on
    backorder stays so either way).

    Refuses a product outside the dealer's catalog, a quantity the product cannot be
    ordered in (the total of the line is what is checked), a warehouse it may not use and a
    backorder when backorders are not taken.
    """
    product = scope_for_company(company).product(product_id)
    if product is None:
        _refuse(LineProblem.NOT_IN_CATALOG, product_id)
    if backorder and not backorders_allowed():
        _refuse(LineProblem.BACKORDER_NOT_ALLOWED, product_id)
    warehouse = _warehouse(company, warehouse_id)
    if warehouse is None:
        _refuse(LineProblem.WAREHOUSE_NOT_ALLOWED, product_id)
    cart = cart_for(company, user)
    try:
        return _add_line(cart, product, warehouse, quantity, backorder)
    except IntegrityError:
        # The same product was added at the same moment (a double click): add to that line.
        return _add_line(cart, product, warehouse, quantity, backorder)


def _add_line(
    cart: Cart, product: Product, warehouse: Warehouse, quantity: Decimal, backorder: bool
) -> CartLine:
    with transaction.atomic():
        line = (
            CartLine.objects.select_for_update()
            .filter(cart=cart, product=product, warehouse=warehouse)
            .first()
        )
        total = quantity + (line.quantity if line else Decimal(0))
        found = quantity_problem(product, total if quantity > 0 else quantity)
        if found is not None:
            _refuse(found[0], product.pk, found[1])
        if line is None:
            if cart.lines.count() >= MAX_CART_LINES:
                raise OrderingError(OrderingErrorCode.TOO_MANY_LINES)
            return CartLine.objects.create(
                cart=cart, product=product, warehouse=warehouse, quantity=total, backorder=backorder
            )
        line.quantity = total
        line.backorder = line.backorder or backorder
        line.save(update_fields=["quantity", "backorder", "updated_at"])
        return line


CART_FULL = "The cart is full (1,000 lines): order what is in it first."


def add_many(
    company: Company,
    user: Any,
    wanted: Sequence[tuple[Product, Warehouse, Decimal]],
    *,
    backorder: bool = False,
) -> list[str]:
    """Add many (product, warehouse, quantity) at once, in one transaction and a fixed
    number of queries; a product already in the cart in that warehouse (or twice in
    ``wanted``) gets the quantities added. The products must be the dealer's and the
    warehouses open to it. With ``backorder`` the lines are put on backorder (see
    ``add_to_cart``). Returns, per item, why it was not added ("" when it was): the
    quantity rules for the line's new total, a full cart, or backorders not taken."""
    if backorder and not backorders_allowed():
        return [LINE_MESSAGES[LineProblem.BACKORDER_NOT_ALLOWED]] * len(wanted)
    try:
        return _add_many(company, user, wanted, backorder)
    except IntegrityError:
        # A line was added at the same moment (a double submit): add onto it.
        return _add_many(company, user, wanted, backorder)


def _add_many(
    company: Company,
    user: Any,
    wanted: Sequence[tuple[Product, Warehouse, Decimal]],
    backorder: bool,
) -> list[str]:
    problems: list[str] = []
    with transaction.atomic():
        cart = cart_for(company, user)
        lines = {
            (line.product_id, line.warehouse_id): line
            for line in CartLine.objects.select_for_update().filter(cart=cart)
        }
        existing = set(lines)
        changed: dict[tuple[int, int], CartLine] = {}
        for product, warehouse, quantity in wanted:
            key = (product.pk, warehouse.pk)
            line = lines.get(key)
            if line is None and len(lines) >= MAX_CART_LINES:
                problems.append(CART_FULL)
                continue
            total = quantity + (line.quantity if line else Decimal(0))
            found = quantity_problem(product, total)
            if found is not None:
                problems.append(found[1])
                continue
            if line is None:
                lines[key] = CartLine(
                    cart=cart,
                    product=product,
                    warehouse=warehouse,
                    quantity=total,
                    backorder=backorder,
                )
            else:
                line.quantity = total
                line.backorder = line.backorder or backorder
                if key in existing:
                    changed[key] = line
            problems.append("")
        CartLine.objects.bulk_create([line for key, line in lines.items() if key not in existing])
        if changed:
            CartLine.objects.bulk_update(changed.values(), ["quantity", "backorder"])
    return problems


def update_line(
    company: Company,
    user: Any,
    line_id: int,
    *,
    quantity: Decimal | None = None,
    warehouse_id: int | None = None,
    backorder: bool | None = None,
) -> CartLine | None:
    """Change a line's quantity (0 removes it), warehouse or backorder flag; None when it
    was removed. A line moved onto one that already exists merges with it, on backorder
    only if both were.

    Only the person's own cart for this company is reachable: another line id is as if
    it did not exist (``CartLine.DoesNotExist``).
    """
    with transaction.atomic():
        line = (
            CartLine.objects.select_for_update()
            .select_related("product")
            .get(pk=line_id, cart__company=company, cart__user=user)
        )
        if quantity is not None and quantity == 0:
            line.delete()
            return None
        if quantity is not None:
            found = quantity_problem(line.product, quantity)
            if found is not None:
                _refuse(found[0], line.product_id, found[1])
            line.quantity = quantity
        if backorder is not None:
            if backorder and not backorders_allowed():
                _refuse(LineProblem.BACKORDER_NOT_ALLOWED, line.product_id)
            line.backorder = backorder
        if warehouse_id is not None and warehouse_id != line.warehouse_id:
            warehouse = _warehouse(company, warehouse_id)
            if warehouse is None:
                _refuse(LineProblem.WAREHOUSE_NOT_ALLOWED, line.product_id)
            twin = (
                CartLine.objects.select_for_update()
                .filter(cart_id=line.cart_id, product_id=line.product_id, warehouse=warehouse)
                .first()
            )
            if twin is not None:
                # Moving onto a line that already exists merges the two.
                found = quantity_problem(line.product, twin.quantity + line.quantity)
                if found is not None:
                    _refuse(found[0], line.product_id, found[1])
                twin.quantity += line.quantity
                twin.backorder = twin.backorder and line.backorder
                twin.save(update_fields=["quantity", "backorder", "updated_at"])
                line.delete()
                return twin
            line.warehouse = warehouse
        line.save()
        return line


def clear_cart(company: Company, user: Any) -> None:
    CartLine.objects.filter(cart__company=company, cart__user=user).delete()


@dataclass(frozen=True)
class CartItem:
    line: CartLine
    product: Product
    price: PricedLine | None
    stock: WarehouseAvailability | None  # the line's warehouse, through the display policy
    availability: ProductAvailability | None
    problem: str  # why it cannot be ordered as it is, or ""
    short: ShortOffer | None = None  # more than its warehouse has, and what to do instead


@dataclass(frozen=True)
class CartView:
    items: list[CartItem]
    currency: str | None
    total_net: Money | None
    total_vat: Money | None
    total_gross: Money | None

    @property
    def is_empty(self) -> bool:
        return not self.items

    @property
    def can_check_out(self) -> bool:
        return bool(self.items) and not any(item.problem or item.short for item in self.items)


def cart_view(company: Company, user: Any, contract: Contract | None) -> CartView:
    """The cart priced under ``contract`` with each line's stock and problems, in a fixed
    number of queries."""
    lines = list(
        CartLine.objects.filter(cart__company=company, cart__user=user)
        .select_related("product", "warehouse")
        .order_by("created_at", "id")
    )
    if not lines:
        return CartView([], contract.currency if contract else None, None, None, None)
    products = [line.product for line in lines]
    visible = set(
        scope_for_company(company)
        .products()
        .filter(pk__in=[p.pk for p in products])
        .values_list("pk", flat=True)
    )
    priced: Sequence[PricedLine] = []
    if contract is not None:
        priced = price_lines(
            company,
            contract,
            [(line.product_id, line.quantity) for line in lines],
            loaded=products,
        )
    stock = availability_for(company, list(visible))
    allowed = {w.pk for w in warehouses_for(company)}
    check = stock_check(
        company,
        visible,
        [(line.product_id, line.warehouse_id, line.quantity, line.backorder) for line in lines],
    )
    items = []
    for index, line in enumerate(lines):
        price = priced[index] if priced else None
        problem = _problem(line, visible, allowed, price, contract)
        short = None
        if not problem and check.is_short(line.product_id, line.warehouse_id, line.quantity):
            short = short_offer(check, line.product, line.warehouse_id, line.quantity, adding=False)
        availability = stock.get(line.product_id)
        here = (
            next(
                (row for row in availability.warehouses if row.warehouse.id == line.warehouse_id),
                None,
            )
            if availability
            else None
        )
        items.append(
            CartItem(
                line=line,
                product=line.product,
                price=price,
                stock=here,
                availability=availability,
                problem=problem,
                short=short,
            )
        )
    priced_lines = [item.price for item in items if item.price and item.price.priced]
    if contract is None or not priced_lines:
        return CartView(items, contract.currency if contract else None, None, None, None)
    return CartView(items, contract.currency, *line_totals(priced_lines, contract.currency))


def _problem(
    line: CartLine,
    visible: set[int],
    allowed: set[int],
    price: PricedLine | None,
    contract: Contract | None,
) -> str:
    if line.product_id not in visible:
        return "No longer in your catalog: remove it."
    found = quantity_problem(line.product, line.quantity)
    if found is not None:
        return found[1]
    if line.warehouse_id not in allowed:
        return LINE_MESSAGES[LineProblem.WAREHOUSE_NOT_ALLOWED]
    if line.backorder and not backorders_allowed():
        return LINE_MESSAGES[LineProblem.BACKORDER_NOT_ALLOWED]
    if contract is None:
        return "You have no contract to order under yet; ask your manager."
    if price is None or not price.priced:
        return LINE_MESSAGES[LineProblem.NO_PRICE]
    return ""


def checkout(
    company: Company,
    user: Any,
    *,
    submission_key: str,
    contract_id: int | None,
    delivery: Delivery,
    po_number: str = "",
    comment: str = "",
    on_behalf_by: Any = None,
    source: str = "portal",
) -> PlacedOrder:
    """Place the cart as an order and empty it in the same transaction.

    Lines are sent in the cart's order with their ``backorder`` flag: a backorder line
    reserves beyond the stock, any other short line fails the order with what is there.
    """
    lines = list(
        CartLine.objects.filter(cart__company=company, cart__user=user).order_by("created_at", "id")
    )
    requests = [
        OrderLineRequest(line.product_id, line.quantity, line.warehouse_id, line.backorder)
        for line in lines
    ]
    with transaction.atomic():
        placed = place_order(
            company,
            user,
            requests,
            submission_key=submission_key,
            contract_id=contract_id,
            delivery=delivery,
            po_number=po_number,
            comment=comment,
            on_behalf_by=on_behalf_by,
            source=source,
        )
        if placed.created:
            CartLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
    return placed


@dataclass(frozen=True)
class ReorderReport:
    added: list[str]  # SKUs put in the cart
    unavailable: list[tuple[str, str]]  # (SKU, why) left out
    repriced: list[tuple[str, Decimal, Decimal]]  # (SKU, unit price then, unit price today)
    currency: str = ""  # of today's prices


@dataclass(frozen=True)
class RepeatedLine:
    """A line to put in the cart again: from a past order or a shopping list."""

    sku: str
    product_id: int
    warehouse_id: int | None  # None: the company's default warehouse
    quantity: Decimal
    unit_price: Decimal | None = None  # what it cost before (None: nothing to compare with)


def reorder(company: Company, user: Any, order: Any, contract: Contract | None) -> ReorderReport:
    """Put a past order's lines in the cart at today's prices (in the warehouse ordered
    from if the dealer may still use it, else its default one); say what could not be
    added and what costs something else now."""
    lines = [
        RepeatedLine(line.sku, line.product_id, line.warehouse_id, line.quantity, line.unit_price)
        for line in order.lines.all()
    ]
    return repeat_lines(company, user, lines, contract, currency=order.currency)


def repeat_lines(
    company: Company,
    user: Any,
    lines: Sequence[RepeatedLine],
    contract: Contract | None,
    *,
    currency: str,
) -> ReorderReport:
    """Put ``lines`` in the cart in one transaction (``add_many``), each in its warehouse if
    the dealer may still use it, else the default one; report what was left out and why,
    and which lines cost something else today than their ``unit_price`` (in ``currency``;
    compared only under a contract in that currency)."""
    scope = scope_for_company(company)
    products = {p.pk: p for p in scope.products().filter(pk__in={x.product_id for x in lines})}
    retired = scope.retired({line.product_id for line in lines} - set(products))
    allowed = {w.pk: w for w in warehouses_for(company)}
    default = default_warehouse_for(company)
    unavailable: list[tuple[str, str]] = []
    wanted: list[tuple[Product, Warehouse, Decimal]] = []
    asked: list[RepeatedLine] = []
    for line in lines:
        product = products.get(line.product_id)
        warehouse = allowed.get(line.warehouse_id or 0) or default
        if product is None:
            unavailable.append((line.sku, LINE_MESSAGES[gone(line.product_id in retired)]))
        elif warehouse is None:
            unavailable.append((line.sku, LINE_MESSAGES[LineProblem.WAREHOUSE_NOT_ALLOWED]))
        else:
            wanted.append((product, warehouse, line.quantity))
            asked.append(line)
    moved: list[RepeatedLine] = []
    for line, problem in zip(asked, add_many(company, user, wanted), strict=True):
        if problem:
            unavailable.append((line.sku, problem))
        else:
            moved.append(line)
    repriced: list[tuple[str, Decimal, Decimal]] = []
    compared = [line for line in moved if line.unit_price is not None]
    if contract is not None and compared and contract.currency == currency:
        today = price_lines(
            company,
            contract,
            [(line.product_id, line.quantity) for line in compared],
            loaded=list(products.values()),
        )
        for line, now in zip(compared, today, strict=True):
            if (
                line.unit_price is not None
                and now.priced
                and now.unit_price is not None
                and now.unit_price.amount != line.unit_price
            ):
                repriced.append((line.sku, line.unit_price, now.unit_price.amount))
    today_currency = contract.currency if contract else ""
    return ReorderReport([line.sku for line in moved], unavailable, repriced, today_currency)
