"""Short rows and lines: more than the warehouse can promise stays out of the cart with what
can be done instead (what is there, the rest on backorder, another warehouse), each through
the dealer's display policy; a backorder line is ordered as one, unless backorders are off."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import StockDisplayPolicy
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.cart import add_many, add_to_cart, cart_view, checkout, update_line
from dealerdesk.ordering.errors import LineProblem, OrderingError, OrderingErrorCode
from dealerdesk.ordering.models import CartLine
from dealerdesk.ordering.parsing import ParsedRow
from dealerdesk.ordering.quick import STOCK_CHANGED, ShortAction, quick_order, resolve_short_row
from dealerdesk.ordering.services import Delivery, OrderLineRequest, place_order
from tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal


def _rows(*items: tuple[str, str]) -> list[ParsedRow]:
    return [
        ParsedRow(number, code, D(quantity), f"{code} {quantity}")
        for number, (code, quantity) in enumerate(items, start=1)
    ]


def _policy(world, policy: str) -> None:  # type: ignore[no-untyped-def]
    world.company_a.stock_display_policy = policy
    world.company_a.save()


def _line(product, warehouse=None) -> CartLine | None:  # type: ignore[no-untyped-def]
    lines = CartLine.objects.filter(product=product)
    if warehouse is not None:
        lines = lines.filter(warehouse=warehouse)
    return lines.first()


@pytest.fixture
def north(world, shop):  # type: ignore[no-untyped-def]
    """A second warehouse open to everyone with 20 of product A."""
    warehouse = Warehouse.objects.create(code="N", name="North", open_to_all=True, sort_order=5)
    StockLevel.objects.create(product=world.product_a, warehouse=warehouse, on_hand=D(20))
    return warehouse


# --- quick order ---------------------------------------------------------------------------


def test_a_short_row_stays_out_with_its_three_offers(world, shop, north):
    result = quick_order(world.company_a, world.buyer_a.user, _rows(("CAB-001", "15")))

    [row] = result.rows
    assert not row.added
    assert row.short is not None
    assert row.problem == "Only 10 available in Central."
    assert row.short.take == D(10)
    assert row.short.backorder
    assert [(w.name, w.label) for w in row.short.elsewhere] == [("North", "20")]
    assert result.to_fix == []
    assert not CartLine.objects.exists()


def test_a_row_that_fits_goes_in_and_a_warehouse_short_of_the_whole_is_not_offered(
    world, shop, north
):
    StockLevel.objects.filter(warehouse=north).update(on_hand=D(12))
    result = quick_order(
        world.company_a, world.buyer_a.user, _rows(("CAB-001", "10"), ("CAB-002", "15"))
    )

    assert [row.added for row in result.rows] == [True, False]
    assert _line(world.product_a).quantity == D(10)
    assert result.rows[1].short is not None
    assert result.rows[1].short.elsewhere == ()  # North has none of CAB-002


def test_an_earlier_row_and_the_cart_count_for_a_later_one(world, shop):
    add_to_cart(world.company_a, world.buyer_a.user, world.product_a.pk, D(2))

    result = quick_order(
        world.company_a, world.buyer_a.user, _rows(("CAB-001", "5"), ("CAB-001", "5"))
    )

    first, second = result.rows
    assert first.added
    assert second.short is not None
    assert second.short.take == D(3)  # 10 there, 7 in the cart now
    assert second.short.in_cart == D(7)
    assert second.problem == "Only 10 available in Central. Your cart holds 7 from there already."
    assert _line(world.product_a).quantity == D(7)


def test_what_is_available_is_rounded_down_to_whole_packs(world, shop):
    # CAB-002: packs of 5, at least 5
    world.product_a_child.pack_multiple = D(5)
    world.product_a_child.min_quantity = D(5)
    world.product_a_child.save()
    StockLevel.objects.filter(product=world.product_a_child).update(on_hand=D(13))

    [row] = quick_order(world.company_a, world.buyer_a.user, _rows(("CAB-002", "20"))).rows
    assert row.short is not None
    assert row.short.take == D(10)

    StockLevel.objects.filter(product=world.product_a_child).update(on_hand=D(4))
    [row] = quick_order(world.company_a, world.buyer_a.user, _rows(("CAB-002", "20"))).rows
    assert row.short is not None
    assert row.short.take is None  # not even the minimum is there


def test_a_row_joins_a_line_already_on_backorder(world, shop):
    add_to_cart(world.company_a, world.buyer_a.user, world.product_a.pk, D(12), backorder=True)

    [row] = quick_order(world.company_a, world.buyer_a.user, _rows(("CAB-001", "5"))).rows

    assert row.added
    line = _line(world.product_a)
    assert (line.quantity, line.backorder) == (D(17), True)


# --- what the dealer picks ------------------------------------------------------------------


def test_take_what_is_available(world, shop):
    outcome = resolve_short_row(
        world.company_a,
        world.buyer_a.user,
        world.product_a.pk,
        D(15),
        shop.depot.pk,
        ShortAction.TAKE,
        take=D(10),
    )
    assert outcome.line is not None
    assert outcome.message == "10 pcs of CAB-001 in the cart from Central."
    line = _line(world.product_a)
    assert (line.quantity, line.warehouse_id, line.backorder) == (D(10), shop.depot.pk, False)


def test_all_of_it_on_backorder(world, shop):
    outcome = resolve_short_row(
        world.company_a,
        world.buyer_a.user,
        world.product_a.pk,
        D(15),
        shop.depot.pk,
        ShortAction.BACKORDER,
    )
    assert outcome.line is not None
    line = _line(world.product_a)
    assert (line.quantity, line.warehouse_id, line.backorder) == (D(15), shop.depot.pk, True)


def test_all_of_it_from_another_warehouse(world, shop, north):
    outcome = resolve_short_row(
        world.company_a,
        world.buyer_a.user,
        world.product_a.pk,
        D(15),
        shop.depot.pk,
        ShortAction.MOVE,
        to=north.pk,
    )
    assert outcome.message == "15 pcs of CAB-001 in the cart from North."
    line = _line(world.product_a)
    assert (line.quantity, line.warehouse_id, line.backorder) == (D(15), north.pk, False)


def test_an_offer_the_stock_no_longer_holds_comes_back_renewed(world, shop, north):
    StockLevel.objects.filter(warehouse=shop.depot, product=world.product_a).update(on_hand=D(8))
    StockLevel.objects.filter(warehouse=north).update(on_hand=D(9))

    took = resolve_short_row(
        world.company_a,
        world.buyer_a.user,
        world.product_a.pk,
        D(15),
        shop.depot.pk,
        ShortAction.TAKE,
        take=D(10),
    )
    moved = resolve_short_row(
        world.company_a,
        world.buyer_a.user,
        world.product_a.pk,
        D(15),
        shop.depot.pk,
        ShortAction.MOVE,
        to=north.pk,
    )

    assert took.line is None
    assert took.message == STOCK_CHANGED
    assert took.offer is not None
    assert took.offer.take == D(8)
    assert moved.line is None
    assert moved.offer is not None
    assert moved.offer.elsewhere == ()
    assert not CartLine.objects.exists()


def test_a_warehouse_not_open_to_the_dealer_is_refused(world, shop):
    closed = Warehouse.objects.create(code="X", name="Closed", open_to_all=False)
    StockLevel.objects.create(product=world.product_a, warehouse=closed, on_hand=D(100))

    with pytest.raises(OrderingError) as caught:
        resolve_short_row(
            world.company_a,
            world.buyer_a.user,
            world.product_a.pk,
            D(15),
            shop.depot.pk,
            ShortAction.MOVE,
            to=closed.pk,
        )
    assert caught.value.lines[0].problem == LineProblem.WAREHOUSE_NOT_ALLOWED
    assert not CartLine.objects.exists()


def test_another_dealers_product_is_not_in_the_catalog(world, shop):
    with pytest.raises(OrderingError) as caught:
        resolve_short_row(
            world.company_a,
            world.buyer_a.user,
            world.product_b.pk,
            D(1),
            shop.depot.pk,
            ShortAction.BACKORDER,
        )
    assert caught.value.lines[0].problem == LineProblem.NOT_IN_CATALOG


# --- the display policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy", [StockDisplayPolicy.HIDDEN, StockDisplayPolicy.IN_OUT, StockDisplayPolicy.BANDED]
)
def test_without_exact_figures_a_row_is_never_called_short(world, shop, north, policy):
    """A yes/no per quantity would give the figure away in a few tries: such a dealer's
    rows go to the cart as asked, and placing the order checks the stock."""
    _policy(world, policy)

    [row] = quick_order(world.company_a, world.buyer_a.user, _rows(("CAB-001", "15"))).rows
    taken = resolve_short_row(
        world.company_a,
        world.buyer_a.user,
        world.product_a.pk,
        D(15),
        shop.depot.pk,
        ShortAction.TAKE,
        take=D(10),  # what an exact dealer would have been offered
    )
    moved = resolve_short_row(
        world.company_a,
        world.buyer_a.user,
        world.product_a.pk,
        D(999),  # more than North has: it goes in all the same, saying nothing
        shop.depot.pk,
        ShortAction.MOVE,
        to=north.pk,
    )

    assert row.short is None
    assert not row.problem
    assert taken.line is None  # "what is there" is never taken: the cart would show it
    assert moved.line is not None
    assert {(line.warehouse_id, line.quantity) for line in CartLine.objects.all()} == {
        (shop.depot.pk, D(15)),
        (north.pk, D(999)),
    }


def test_banded_stock_below_the_lowest_band_is_not_offered_either(world, shop, north):
    _policy(world, StockDisplayPolicy.BANDED)
    StockLevel.objects.filter(warehouse=shop.depot, product=world.product_a).update(on_hand=D(8))

    [row] = quick_order(world.company_a, world.buyer_a.user, _rows(("CAB-001", "15"))).rows

    assert row.short is None
    assert CartLine.objects.get().quantity == D(15)


# --- backorders through to the order --------------------------------------------------------


def test_a_backorder_line_is_placed_as_one_and_reserves_beyond_the_stock(world, shop):
    add_to_cart(world.company_a, world.buyer_a.user, world.product_a.pk, D(15), backorder=True)

    view = cart_view(world.company_a, world.buyer_a.user, shop.contract)
    placed = checkout(
        world.company_a,
        world.buyer_a.user,
        submission_key="short-rows-0001",
        contract_id=shop.contract.pk,
        delivery=Delivery(),
    )

    assert view.items[0].short is None
    assert view.can_check_out
    [line] = placed.order.lines.all()
    assert (line.quantity, line.backorder) == (D(15), True)
    level = StockLevel.objects.get(product=world.product_a, warehouse=shop.depot)
    assert (level.on_hand, level.reserved, level.available) == (D(10), D(15), D(0))
    assert not CartLine.objects.exists()


def test_a_short_cart_line_is_offered_and_blocks_checkout_until_one_is_taken(world, shop, north):
    add_to_cart(world.company_a, world.buyer_a.user, world.product_a.pk, D(15))

    [item] = cart_view(world.company_a, world.buyer_a.user, shop.contract).items
    assert item.short is not None
    assert item.short.take == D(10)  # keep what is there
    assert [w.name for w in item.short.elsewhere] == ["North"]
    assert not cart_view(world.company_a, world.buyer_a.user, shop.contract).can_check_out

    update_line(world.company_a, world.buyer_a.user, item.line.pk, backorder=True)
    view = cart_view(world.company_a, world.buyer_a.user, shop.contract)
    assert view.items[0].short is None
    assert view.can_check_out

    update_line(world.company_a, world.buyer_a.user, item.line.pk, backorder=False)
    update_line(world.company_a, world.buyer_a.user, item.line.pk, warehouse_id=north.pk)
    view = cart_view(world.company_a, world.buyer_a.user, shop.contract)
    assert view.items[0].short is None
    assert view.items[0].line.warehouse_id == north.pk


def test_a_line_moved_onto_another_is_on_backorder_only_if_both_were(world, shop, north):
    user = world.buyer_a.user
    there = add_to_cart(world.company_a, user, world.product_a.pk, D(3), north.pk)
    here = add_to_cart(world.company_a, user, world.product_a.pk, D(15), backorder=True)

    merged = update_line(world.company_a, user, here.pk, warehouse_id=north.pk)

    assert merged is not None
    assert merged.pk == there.pk
    assert (merged.quantity, merged.backorder) == (D(18), False)


def test_with_backorders_off_none_is_offered_or_taken(world, shop, settings):
    settings.DEALERDESK_ALLOW_BACKORDERS = False
    user = world.buyer_a.user

    [row] = quick_order(world.company_a, user, _rows(("CAB-001", "15"))).rows
    with pytest.raises(OrderingError) as added:
        add_to_cart(world.company_a, user, world.product_a.pk, D(15), backorder=True)
    many = add_many(world.company_a, user, [(world.product_a, shop.depot, D(15))], backorder=True)
    with pytest.raises(OrderingError) as picked:
        resolve_short_row(
            world.company_a, user, world.product_a.pk, D(15), shop.depot.pk, ShortAction.BACKORDER
        )
    with pytest.raises(OrderingError) as placed:
        place_order(
            world.company_a,
            user,
            [OrderLineRequest(world.product_a.pk, D(15), backorder=True)],
            submission_key="short-rows-0002",
        )

    assert row.short is not None
    assert not row.short.backorder
    assert row.short.take == D(10)
    message = "Backorders are not taken: order what is in stock."
    assert added.value.lines[0].problem == LineProblem.BACKORDER_NOT_ALLOWED
    assert many == [message]
    assert picked.value.lines[0].message == message
    assert placed.value.code == OrderingErrorCode.LINES_INVALID
    assert [(e.problem, e.message) for e in placed.value.lines] == [
        (LineProblem.BACKORDER_NOT_ALLOWED, message)
    ]
    assert not CartLine.objects.exists()
    assert StockLevel.objects.get(product=world.product_a, warehouse=shop.depot).reserved == 0


def test_a_backorder_line_left_in_the_cart_when_backorders_are_switched_off(world, shop, settings):
    line = add_to_cart(
        world.company_a, world.buyer_a.user, world.product_a.pk, D(4), backorder=True
    )
    settings.DEALERDESK_ALLOW_BACKORDERS = False

    [item] = cart_view(world.company_a, world.buyer_a.user, shop.contract).items
    with pytest.raises(OrderingError) as caught:
        checkout(
            world.company_a,
            world.buyer_a.user,
            submission_key="short-rows-0003",
            contract_id=shop.contract.pk,
            delivery=Delivery(),
        )
    with pytest.raises(OrderingError):
        update_line(world.company_a, world.buyer_a.user, line.pk, backorder=True)
    update_line(world.company_a, world.buyer_a.user, line.pk, backorder=False)

    assert item.problem == "Backorders are not taken: order what is in stock."
    assert caught.value.lines[0].problem == LineProblem.BACKORDER_NOT_ALLOWED
    assert CartLine.objects.get().backorder is False
    assert cart_view(world.company_a, world.buyer_a.user, shop.contract).can_check_out


def test_a_row_short_everywhere_is_still_offered_the_backorder(world, shop):
    StockLevel.objects.filter(product=world.product_a).delete()
    other = f.WarehouseFactory(open_to_all=True)

    [row] = quick_order(world.company_a, world.buyer_a.user, _rows(("CAB-001", "1"))).rows

    assert row.short is not None
    assert row.problem == "Out of stock in Central."
    assert row.short.take is None
    assert row.short.backorder
    assert row.short.elsewhere == ()
    assert other.pk not in [w.id for w in row.short.elsewhere]
