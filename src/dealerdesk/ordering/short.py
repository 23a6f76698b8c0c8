"""Short lines: a quick-order row or a cart line asking more than its warehouse can promise,
and the ways out the dealer is offered: take what is there, order it all with the rest on
backorder, or take it from another warehouse that has enough.

Whether a line is short is decided on the exact available-to-promise, and only for dealers
whose display policy shows exact figures (``inventory.availability``): for the others a
yes/no per quantity would reveal the figure, so their lines go to the cart as asked and
placing the order checks the stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Product
from dealerdesk.inventory.availability import (
    ZERO,
    StockDisplayStrategy,
    display_strategy_for,
    format_quantity,
)
from dealerdesk.inventory.models import Warehouse
from dealerdesk.inventory.queries import available_quantities, warehouses_for
from dealerdesk.ordering.errors import LINE_MESSAGES, LineProblem
from dealerdesk.ordering.models import CartLine
from dealerdesk.ordering.rules import backorders_allowed, quantity_problem, round_down

Key = tuple[int, int]  # (product id, warehouse id)


@dataclass(frozen=True)
class OtherWarehouse:
    """A warehouse open to the dealer that has enough for the whole line."""

    id: int
    name: str
    label: str  # its stock as the dealer's policy shows it


@dataclass(frozen=True)
class ShortOffer:
    """What the dealer reads about one short line and may do about it; it holds no figure
    the dealer's display policy hides."""

    product: Product
    warehouse_id: int
    warehouse_name: str
    quantity: Decimal  # what the row or line asks for
    in_cart: Decimal  # what the cart already holds there (quick-order rows only)
    reason: str
    take: Decimal | None  # what fits: added (quick order) or kept (cart); None: not offered
    backorder: bool  # "all of it, the rest on backorder" may be offered
    elsewhere: tuple[OtherWarehouse, ...]


@dataclass(frozen=True)
class StockCheck:
    """What short-line decisions need, read once: the dealer's display strategy, the
    warehouses open to it, the exact available-to-promise and what its cart holds."""

    strategy: StockDisplayStrategy
    warehouses: tuple[Warehouse, ...]
    available: Mapping[Key, Decimal]  # exact figures: for decisions, never for display
    in_cart: Mapping[Key, Decimal]
    on_backorder: frozenset[Key]

    def is_short(self, product_id: int, warehouse_id: int, total: Decimal) -> bool:
        """Whether a line of ``total`` there asks for more than there is (a line the dealer
        has put on backorder never does).

        Only dealers shown exact figures are told: under the banded, in/out and hidden
        policies a yes/no per quantity would give the exact figure away in a few tries, so
        their lines go to the cart and the stock is checked when the order is placed."""
        if not self.strategy.exact_figures:
            return False
        key = (product_id, warehouse_id)
        return key not in self.on_backorder and total > self.available.get(key, ZERO)


CartQuantities = Iterable[tuple[int, int, Decimal, bool]]  # product, warehouse, qty, backorder


def cart_quantities(company: Company, user: Any, product_ids: Iterable[int]) -> CartQuantities:
    """The person's cart lines of these products, as ``stock_check`` takes them."""
    return list(
        CartLine.objects.filter(
            cart__company=company, cart__user=user, product_id__in=set(product_ids)
        ).values_list("product_id", "warehouse_id", "quantity", "backorder")
    )


def stock_check(company: Company, product_ids: Iterable[int], lines: CartQuantities) -> StockCheck:
    """The read context for these products in one query (the warehouses are cached);
    ``lines`` are the cart's (``cart_quantities``, or the lines the cart page has read)."""
    ids = set(product_ids)
    warehouses = tuple(warehouses_for(company))
    in_cart: dict[Key, Decimal] = {}
    on_backorder: set[Key] = set()
    for product_id, warehouse_id, quantity, backorder in lines:
        key = (product_id, warehouse_id)
        in_cart[key] = in_cart.get(key, ZERO) + quantity
        if backorder:
            on_backorder.add(key)
    return StockCheck(
        strategy=display_strategy_for(company),
        warehouses=warehouses,
        available=available_quantities(ids, [w.pk for w in warehouses]),
        in_cart=in_cart,
        on_backorder=frozenset(on_backorder),
    )


def short_offer(
    check: StockCheck, product: Product, warehouse_id: int, quantity: Decimal, *, adding: bool
) -> ShortOffer:
    """The offer for ``quantity`` of ``product`` short in ``warehouse_id``.

    ``adding``: a quick-order row, which goes onto what the cart already holds there (what
    fits is what is left beside it); otherwise a cart line, whose quantity would be replaced.
    Another warehouse is offered when it can promise the whole quantity beside what the cart
    holds there already.
    """
    key = (product.pk, warehouse_id)
    here = check.available.get(key, ZERO)
    already = check.in_cart.get(key, ZERO) if adding else ZERO
    name = next((w.name for w in check.warehouses if w.pk == warehouse_id), "this warehouse")
    fits = round_down(product, here)
    take = fits - already
    can_take = take > 0 and take < quantity and not quantity_problem(product, fits)
    return ShortOffer(
        product=product,
        warehouse_id=warehouse_id,
        warehouse_name=name,
        quantity=quantity,
        in_cart=already,
        reason=_reason(here, name, already),
        take=take if can_take else None,
        backorder=backorders_allowed(),
        elsewhere=_elsewhere(check, product, warehouse_id, quantity),
    )


def _reason(here: Decimal, name: str, already: Decimal) -> str:
    """Why the line is short, with the figure: offers are made to dealers shown exact
    stock only (``StockCheck.is_short``)."""
    if here <= 0:
        return f"Out of stock in {name}."
    text = LINE_MESSAGES[LineProblem.SHORT].format(available=format_quantity(here), warehouse=name)
    if already:
        text += f" Your cart holds {format_quantity(already)} from there already."
    return text


def _elsewhere(
    check: StockCheck, product: Product, warehouse_id: int, quantity: Decimal
) -> tuple[OtherWarehouse, ...]:
    found = []
    for warehouse in check.warehouses:
        if warehouse.pk == warehouse_id:
            continue
        key = (product.pk, warehouse.pk)
        there = check.available.get(key, ZERO)
        needed = quantity + check.in_cart.get(key, ZERO)
        if needed > there or quantity_problem(product, needed) is not None:
            continue
        label = check.strategy.show(there).label
        found.append(OtherWarehouse(warehouse.pk, warehouse.name, label))
    return tuple(found)
