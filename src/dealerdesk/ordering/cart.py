"""The cart: one per person and company, priced and checked on every read.

A cart line holds a product, a warehouse and a quantity, nothing else: its price, its
explanation and the stock are worked out when the cart is shown (``cart_view``), so
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
)
from dealerdesk.ordering.models import Cart, CartLine
from dealerdesk.ordering.rules import quantity_problem
from dealerdesk.ordering.services import Delivery, OrderLineRequest, PlacedOrder, place_order
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
) -> CartLine:
    """Add ``quantity`` of a product (to the line it already has in that warehouse).

    Refuses a product outside the dealer's catalog, a quantity the product cannot be
    ordered in (the total of the line is what is checked) and a warehouse it may not use.
    """
    product = scope_for_company(company).products().filter(pk=product_id).first()
    if product is None:
        _refuse(LineProblem.NOT_IN_CATALOG, product_id)
    warehouse = _warehouse(company, warehouse_id)
    if warehouse is None:
        _refuse(LineProblem.WAREHOUSE_NOT_ALLOWED, product_id)
    cart = cart_for(company, user)
    try:
        return _add_line(cart, product, warehouse, quantity)
    except IntegrityError:
        # The same product was added at the same moment (a double click): add to that line.
        return _add_line(cart, product, warehouse, quantity)


def _add_line(cart: Cart, product: Product, warehouse: Warehouse, quantity: Decimal) -> CartLine:
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
                cart=cart, product=product, warehouse=warehouse, quantity=total
            )
        line.quantity = total
        line.save(update_fields=["quantity", "updated_at"])
        return line


CART_FULL = "The cart is full (1,000 lines): order what is in it first."


def add_many(
    company: Company, user: Any, wanted: Sequence[tuple[Product, Warehouse, Decimal]]
) -> list[str]:
    """Add many (product, warehouse, quantity) at once, in one transaction and a fixed
    number of queries; a product already in the cart in that warehouse (or twice in
    ``wanted``) gets the quantities added. The products must be the dealer's and the
    warehouses open to it. Returns, per item, why it was not added ("" when it was): the
    quantity rules for the line's new total, or a full cart."""
    try:
        return _add_many(company, user, wanted)
    except IntegrityError:
        # A line was added at the same moment (a double submit): add onto it.
        return _add_many(company, user, wanted)


def _add_many(
    company: Company, user: Any, wanted: Sequence[tuple[Product, Warehouse, Decimal]]
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
                    cart=cart, product=product, warehouse=warehouse, quantity=total
                )
            else:
                line.quantity = total
                if key in existing:
                    changed[key] = line
            problems.append("")
        CartLine.objects.bulk_create([line for key, line in lines.items() if key not in existing])
        if changed:
            CartLine.objects.bulk_update(changed.values(), ["quantity"])
    return problems


def update_line(
    company: Company,
    user: Any,
    line_id: int,
    *,
    quantity: Decimal | None = None,
    warehouse_id: int | None = None,
) -> CartLine | None:
    """Change a line's quantity (0 removes it) or warehouse; None when it was removed.

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
                twin.save(update_fields=["quantity", "updated_at"])
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
        return bool(self.items) and not any(item.problem for item in self.items)


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
    items = []
    for index, line in enumerate(lines):
        price = priced[index] if priced else None
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
                problem=_problem(line, visible, allowed, price, contract),
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

    Lines are sent in the cart's order; a line's ``backorder`` flag is not kept in the
    cart, so a short line fails the order with the stock that is there.
    """
    lines = list(
        CartLine.objects.filter(cart__company=company, cart__user=user).order_by("created_at", "id")
    )
    requests = [
        OrderLineRequest(line.product_id, line.quantity, line.warehouse_id) for line in lines
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


def reorder(company: Company, user: Any, order: Any, contract: Contract | None) -> ReorderReport:
    """Put a past order's lines in the cart at today's prices (in the warehouse ordered
    from if the dealer may still use it, else its default one); say what could not be
    added and what costs something else now."""
    lines = list(order.lines.all())
    products = {
        p.pk: p
        for p in scope_for_company(company)
        .products()
        .filter(pk__in={line.product_id for line in lines})
    }
    allowed = {w.pk: w for w in warehouses_for(company)}
    default = default_warehouse_for(company)
    unavailable: list[tuple[str, str]] = []
    wanted: list[tuple[Product, Warehouse, Decimal]] = []
    asked: list[Any] = []
    for line in lines:
        product = products.get(line.product_id)
        warehouse = allowed.get(line.warehouse_id) or default
        if product is None:
            unavailable.append((line.sku, LINE_MESSAGES[LineProblem.NOT_IN_CATALOG]))
        elif warehouse is None:
            unavailable.append((line.sku, LINE_MESSAGES[LineProblem.WAREHOUSE_NOT_ALLOWED]))
        else:
            wanted.append((product, warehouse, line.quantity))
            asked.append(line)
    moved: list[Any] = []
    for line, problem in zip(asked, add_many(company, user, wanted), strict=True):
        if problem:
            unavailable.append((line.sku, problem))
        else:
            moved.append(line)
    repriced: list[tuple[str, Decimal, Decimal]] = []
    if contract is not None and moved and contract.currency == order.currency:
        today = price_lines(
            company,
            contract,
            [(line.product_id, line.quantity) for line in moved],
            loaded=list(products.values()),
        )
        for line, now in zip(moved, today, strict=True):
            if (
                now.priced
                and now.unit_price is not None
                and now.unit_price.amount != line.unit_price
            ):
                repriced.append((line.sku, line.unit_price, now.unit_price.amount))
    currency = contract.currency if contract else ""
    return ReorderReport([line.sku for line in moved], unavailable, repriced, currency)
