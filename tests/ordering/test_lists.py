"""Shopping lists as a service: names, limits, packs, the closed catalog, the cart into a
list and a list into the cart with its report, and one company never reaching another's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealerdesk.core.money import Money
from dealerdesk.inventory.models import StockLevel
from dealerdesk.ordering import lists
from dealerdesk.ordering.cart import add_to_cart
from dealerdesk.ordering.lists import (
    ListError,
    ListErrorCode,
    add_list_to_cart,
    add_product,
    change_line,
    create_list,
    delete_list,
    list_view,
    remove_line,
    rename_list,
    replace_with_cart,
    save_cart_as_list,
)
from dealerdesk.ordering.models import CartLine, ShoppingList, ShoppingListLine
from dealerdesk.ordering.services import OrderLineRequest, place_order
from dealerdesk.pricing.models import Price
from tests import factories as f
from tests.concurrency import race_same

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def packs(world, shop):  # type: ignore[no-untyped-def]
    """CAB-002 is sold in packs of 5 (at least 5)."""
    world.product_a_child.pack_multiple = D(5)
    world.product_a_child.min_quantity = D(5)
    world.product_a_child.save()
    return world.product_a_child


def _user(world):  # type: ignore[no-untyped-def]
    return world.buyer_a.user


def _lines(shopping_list: ShoppingList) -> list[tuple[str, Decimal]]:
    return [
        (line.product.sku, line.quantity)
        for line in shopping_list.lines.select_related("product").order_by("created_at", "id")
    ]


# --- names --------------------------------------------------------------------------------------


def test_a_name_is_kept_tidy_and_the_creator_remembered(world):
    created = create_list(world.company_a, _user(world), "  Weekly \t restock\x00 ")

    assert created.name == "Weekly restock"
    assert created.created_by == _user(world)
    assert created.company == world.company_a


@pytest.mark.parametrize("taken", ["weekly restock", "WEEKLY RESTOCK", " Weekly  restock "])
def test_a_name_is_once_per_company_whatever_the_case(world, taken):
    create_list(world.company_a, _user(world), "Weekly restock")

    with pytest.raises(ListError) as refused:
        create_list(world.company_a, _user(world), taken)

    assert refused.value.code == ListErrorCode.NAME_TAKEN
    assert "already has a list with this name" in refused.value.message
    assert ShoppingList.objects.count() == 1


def test_another_company_may_use_the_same_name(world):
    create_list(world.company_a, _user(world), "Weekly restock")
    create_list(world.company_b, world.buyer_b.user, "weekly restock")

    assert ShoppingList.objects.count() == 2


def test_a_name_with_letters_beyond_ascii_is_compared_case_insensitively(world):
    create_list(world.company_a, _user(world), "Щотижневе поповнення")

    with pytest.raises(ListError) as refused:
        create_list(world.company_a, _user(world), "ЩОТИЖНЕВЕ ПОПОВНЕННЯ")

    assert refused.value.code == ListErrorCode.NAME_TAKEN


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", ListErrorCode.NAME_EMPTY),
        ("   \t\n", ListErrorCode.NAME_EMPTY),
        ("\x00\x00", ListErrorCode.NAME_EMPTY),
        ("x" * 101, ListErrorCode.NAME_TOO_LONG),
        ("x" * 10_000, ListErrorCode.NAME_TOO_LONG),
    ],
)
def test_empty_and_overlong_names_are_refused_plainly(world, name, code):
    with pytest.raises(ListError) as refused:
        create_list(world.company_a, _user(world), name)

    assert refused.value.code == code
    assert not ShoppingList.objects.exists()


def test_an_overlong_name_says_how_long_it_was(world):
    with pytest.raises(ListError) as refused:
        create_list(world.company_a, _user(world), "x" * 10_000)

    assert refused.value.message == (
        "A list name can have at most 100 characters. This one has 10,000."
    )


def test_a_name_of_exactly_the_limit_is_fine(world):
    assert create_list(world.company_a, _user(world), "x" * 100).name == "x" * 100


def test_a_company_keeps_at_most_200_lists(world):
    ShoppingList.objects.bulk_create(
        ShoppingList(company=world.company_a, name=f"List {n}") for n in range(200)
    )

    with pytest.raises(ListError) as refused:
        create_list(world.company_a, _user(world), "One more")

    assert refused.value.code == ListErrorCode.TOO_MANY_LISTS
    assert "at most 200 lists" in refused.value.message
    assert ShoppingList.objects.filter(company=world.company_a).count() == 200
    # the limit is per company
    create_list(world.company_b, world.buyer_b.user, "One more")


def test_rename_keeps_the_list_and_allows_a_change_of_case(world):
    created = create_list(world.company_a, _user(world), "weekly restock")

    renamed = rename_list(world.company_a, created.pk, "Weekly Restock")

    assert renamed.pk == created.pk
    assert ShoppingList.objects.get().name == "Weekly Restock"


def test_rename_to_the_name_of_another_list_is_refused(world):
    create_list(world.company_a, _user(world), "Weekly restock")
    other = create_list(world.company_a, _user(world), "Workshop")

    with pytest.raises(ListError) as refused:
        rename_list(world.company_a, other.pk, "WEEKLY restock")

    assert refused.value.code == ListErrorCode.NAME_TAKEN
    assert ShoppingList.objects.get(pk=other.pk).name == "Workshop"


def test_delete_takes_the_lines_with_it(world, shop):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(2))

    assert delete_list(world.company_a, created.pk) == "Weekly restock"

    assert not ShoppingList.objects.exists()
    assert not ShoppingListLine.objects.exists()


# --- lines --------------------------------------------------------------------------------------


def test_adding_rounds_up_to_whole_packs(world, packs):
    created = create_list(world.company_a, _user(world), "Weekly restock")

    added = add_product(world.company_a, created.pk, packs.pk, D(7))

    assert (added.asked, added.added, added.rounded, added.merged) == (D(7), D(10), True, False)
    assert _lines(created) == [("CAB-002", D(10))]


def test_adding_a_product_again_adds_to_its_line(world, packs):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    add_product(world.company_a, created.pk, packs.pk, D(5))

    again = add_product(world.company_a, created.pk, packs.pk, D(1))

    assert again.merged
    assert again.line.quantity == D(10)
    assert _lines(created) == [("CAB-002", D(10))]


def test_a_quantity_below_the_minimum_becomes_the_minimum(world, packs):
    created = create_list(world.company_a, _user(world), "Weekly restock")

    assert add_product(world.company_a, created.pk, packs.pk, D("0.001")).added == D(5)


@pytest.mark.parametrize("quantity", [D(0), D(-3), D("NaN"), D("Infinity"), D(10) ** 8])
def test_impossible_quantities_are_refused_and_nothing_is_written(world, shop, quantity):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    before = ShoppingList.objects.get().updated_at

    with pytest.raises(ListError) as refused:
        add_product(world.company_a, created.pk, world.product_a.pk, quantity)

    assert refused.value.code == ListErrorCode.BAD_QUANTITY
    assert refused.value.message in (
        "The quantity must be more than zero.",
        "The quantity is too large.",
    )
    assert not ShoppingListLine.objects.exists()
    assert ShoppingList.objects.get().updated_at == before


def test_adding_past_the_largest_quantity_is_refused(world, shop):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(60_000_000))

    with pytest.raises(ListError) as refused:
        add_product(world.company_a, created.pk, world.product_a.pk, D(60_000_000))

    assert refused.value.message == "The quantity is too large."
    assert _lines(created) == [("CAB-001", D(60_000_000))]


def test_a_product_outside_the_dealers_catalog_is_refused(world, shop):
    created = create_list(world.company_a, _user(world), "Weekly restock")

    for product_id in (world.product_b.pk, 987654321):
        with pytest.raises(ListError) as refused:
            add_product(world.company_a, created.pk, product_id, D(1))
        assert refused.value.code == ListErrorCode.NOT_IN_CATALOG

    assert not ShoppingListLine.objects.exists()


def test_a_retired_product_cannot_be_added(world, shop):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    world.product_a.is_active = False
    world.product_a.save()

    with pytest.raises(ListError):
        add_product(world.company_a, created.pk, world.product_a.pk, D(1))


def test_a_list_holds_at_most_so_many_lines(world, shop, monkeypatch):
    monkeypatch.setattr(lists, "MAX_LIST_LINES", 1)
    created = create_list(world.company_a, _user(world), "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(1))

    with pytest.raises(ListError) as refused:
        add_product(world.company_a, created.pk, world.product_a_child.pk, D(1))

    assert refused.value.code == ListErrorCode.TOO_MANY_LINES
    # a product already on it can still get more
    add_product(world.company_a, created.pk, world.product_a.pk, D(1))
    assert _lines(created) == [("CAB-001", D(2))]


def test_the_limit_of_lines_is_a_thousand():
    assert lists.MAX_LIST_LINES == 1000
    assert "at most 1,000 lines" in lists.LIST_MESSAGES[ListErrorCode.TOO_MANY_LINES]


def test_change_rounds_up_and_remove_takes_the_line_off(world, packs):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    line = add_product(world.company_a, created.pk, packs.pk, D(5)).line

    changed, asked = change_line(world.company_a, created.pk, line.pk, D(11))
    assert (changed.quantity, asked) == (D(15), D(11))

    with pytest.raises(ListError):
        change_line(world.company_a, created.pk, line.pk, D(-1))
    assert ShoppingListLine.objects.get().quantity == D(15)

    removed = remove_line(world.company_a, created.pk, line.pk)
    assert removed.product == packs
    assert not ShoppingListLine.objects.exists()


def test_every_change_to_the_lines_is_the_lists_last_change(world, shop):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    ShoppingList.objects.filter(pk=created.pk).update(updated_at="2001-01-01T00:00:00Z")

    line = add_product(world.company_a, created.pk, world.product_a.pk, D(1)).line
    first = ShoppingList.objects.get().updated_at
    ShoppingList.objects.filter(pk=created.pk).update(updated_at="2001-01-01T00:00:00Z")
    remove_line(world.company_a, created.pk, line.pk)

    assert first.year > 2001
    assert ShoppingList.objects.get().updated_at.year > 2001


# --- company B ----------------------------------------------------------------------------------


def test_another_companys_list_and_lines_are_out_of_reach(world, shop):
    theirs = create_list(world.company_b, world.buyer_b.user, "Bravo list")
    line = ShoppingListLine.objects.create(
        shopping_list=theirs, product=world.product_b, quantity=D(3)
    )
    ours = create_list(world.company_a, _user(world), "Alpha list")
    a = world.company_a

    attempts = [
        lambda: rename_list(a, theirs.pk, "Mine now"),
        lambda: delete_list(a, theirs.pk),
        lambda: add_product(a, theirs.pk, world.product_a.pk, D(1)),
        lambda: change_line(a, theirs.pk, line.pk, D(9)),
        lambda: remove_line(a, theirs.pk, line.pk),
        lambda: replace_with_cart(a, _user(world), theirs.pk),
        lambda: lists.get_list(a, theirs.pk),
        # their line through our list
        lambda: change_line(a, ours.pk, line.pk, D(9)),
        lambda: remove_line(a, ours.pk, line.pk),
        lambda: add_list_to_cart(a, _user(world), theirs, shop.contract),
    ]
    for attempt in attempts:
        with pytest.raises((ShoppingList.DoesNotExist, ShoppingListLine.DoesNotExist)):
            attempt()

    theirs.refresh_from_db()
    assert theirs.name == "Bravo list"
    assert _lines(theirs) == [("TOOL-001", D(3))]
    assert not CartLine.objects.exists()


# --- the cart into a list -----------------------------------------------------------------------


def test_the_cart_saved_as_a_list_keeps_products_quantities_and_warehouses(world, packs, shop):
    user = _user(world)
    add_to_cart(world.company_a, user, world.product_a.pk, D(2))
    add_to_cart(world.company_a, user, packs.pk, D(10))

    saved = save_cart_as_list(world.company_a, user, "From the cart")

    assert (saved.saved, saved.skipped) == (2, [])
    assert _lines(saved.shopping_list) == [("CAB-001", D(2)), ("CAB-002", D(10))]
    assert set(saved.shopping_list.lines.values_list("warehouse_id", flat=True)) == {shop.depot.pk}
    assert CartLine.objects.count() == 2  # the cart stays


def test_one_product_in_two_warehouses_is_one_line(world, shop):
    user = _user(world)
    other = f.WarehouseFactory(code="N", name="North", open_to_all=True)
    add_to_cart(world.company_a, user, world.product_a.pk, D(2), shop.depot.pk)
    add_to_cart(world.company_a, user, world.product_a.pk, D(3), other.pk)

    saved = save_cart_as_list(world.company_a, user, "Merged")

    (line,) = saved.shopping_list.lines.all()
    assert (line.quantity, line.warehouse_id) == (D(5), None)


def test_an_empty_cart_saves_no_list(world, shop):
    with pytest.raises(ListError) as refused:
        save_cart_as_list(world.company_a, _user(world), "Nothing")

    assert refused.value.code == ListErrorCode.CART_EMPTY
    assert not ShoppingList.objects.exists()


def test_a_bad_name_saves_nothing_from_the_cart(world, shop):
    add_to_cart(world.company_a, _user(world), world.product_a.pk, D(2))
    create_list(world.company_a, _user(world), "Taken")

    with pytest.raises(ListError):
        save_cart_as_list(world.company_a, _user(world), "TAKEN")

    assert ShoppingList.objects.count() == 1
    assert not ShoppingListLine.objects.exists()


def test_cart_lines_no_longer_in_the_catalog_are_left_out_and_named(world, shop):
    user = _user(world)
    add_to_cart(world.company_a, user, world.product_a.pk, D(2))
    add_to_cart(world.company_a, user, world.product_a_child.pk, D(1))
    world.product_a_child.is_active = False
    world.product_a_child.save()

    saved = save_cart_as_list(world.company_a, user, "Partly")

    assert saved.skipped == [("CAB-002", "This product is no longer sold.")]
    assert _lines(saved.shopping_list) == [("CAB-001", D(2))]


def test_replace_with_the_cart_swaps_the_lines(world, shop):
    user = _user(world)
    created = create_list(world.company_a, user, "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(7))
    add_to_cart(world.company_a, user, world.product_a_child.pk, D(4))

    saved = replace_with_cart(world.company_a, user, created.pk)

    assert saved.shopping_list.pk == created.pk
    assert _lines(created) == [("CAB-002", D(4))]


def test_replace_with_an_empty_cart_keeps_the_lines(world, shop):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(7))

    with pytest.raises(ListError):
        replace_with_cart(world.company_a, _user(world), created.pk)

    assert _lines(created) == [("CAB-001", D(7))]


# --- the list into the cart ---------------------------------------------------------------------


def test_a_list_goes_to_the_cart_and_adds_to_what_is_there(world, shop):
    user = _user(world)
    created = create_list(world.company_a, user, "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(2))
    add_product(world.company_a, created.pk, world.product_a_child.pk, D(3))
    add_to_cart(world.company_a, user, world.product_a.pk, D(1))

    report = add_list_to_cart(world.company_a, user, created, shop.contract)

    assert report.added == ["CAB-001", "CAB-002"]
    assert (report.unavailable, report.repriced, report.currency) == ([], [], "EUR")
    cart = dict(CartLine.objects.values_list("product__sku", "quantity"))
    assert cart == {"CAB-001": D(3), "CAB-002": D(3)}
    assert _lines(created) == [("CAB-001", D(2)), ("CAB-002", D(3))]  # the list stays


def test_the_report_names_what_is_gone_and_what_costs_something_else(world, shop):
    user = _user(world)
    extra = f.ProductFactory(sku="CAB-003", category=world.cat_a)
    Price.objects.create(product=extra, price_type=shop.base, amount=D(10))
    StockLevel.objects.create(product=extra, warehouse=shop.depot, on_hand=D(10))
    place_order(
        world.company_a,
        user,
        [OrderLineRequest(world.product_a.pk, D(1)), OrderLineRequest(extra.pk, D(1))],
        submission_key="list-report-0001",
        notify=False,
    )
    created = create_list(world.company_a, user, "Weekly restock")
    for product in (world.product_a, world.product_a_child, extra):
        add_product(world.company_a, created.pk, product.pk, D(1))
    # since: CAB-001 costs more, CAB-002 was retired, CAB-003 left the dealer's catalog
    Price.objects.filter(product=world.product_a).update(amount=D(130))
    world.product_a_child.is_active = False
    world.product_a_child.save()
    extra.category = world.cat_b
    extra.save()
    CartLine.objects.all().delete()

    report = add_list_to_cart(world.company_a, user, created, shop.contract)

    assert report.added == ["CAB-001"]
    assert report.unavailable == [
        ("CAB-002", "This product is no longer sold."),
        ("CAB-003", "This product is not in your catalog."),
    ]
    assert report.repriced == [("CAB-001", D(120), D(130))]
    assert list(CartLine.objects.values_list("product__sku", flat=True)) == ["CAB-001"]


def test_a_price_is_compared_only_with_what_was_paid_in_that_currency(world, shop):
    user = _user(world)
    created = create_list(world.company_a, user, "Never ordered")
    add_product(world.company_a, created.pk, world.product_a.pk, D(1))

    report = add_list_to_cart(world.company_a, user, created, shop.contract)

    assert report.added == ["CAB-001"]
    assert report.repriced == []


def test_lines_that_break_the_quantity_rules_now_are_reported_not_added(world, shop):
    user = _user(world)
    created = create_list(world.company_a, user, "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a_child.pk, D(3))
    world.product_a_child.pack_multiple = D(5)
    world.product_a_child.save()

    report = add_list_to_cart(world.company_a, user, created, shop.contract)

    assert report.added == []
    assert report.unavailable == [("CAB-002", "Sold in packs of 5: order 5.")]
    assert not CartLine.objects.exists()


def test_an_empty_list_adds_nothing(world, shop):
    created = create_list(world.company_a, _user(world), "Empty")

    report = add_list_to_cart(world.company_a, _user(world), created, shop.contract)

    assert (report.added, report.unavailable) == ([], [])


# --- the list page ------------------------------------------------------------------------------


def test_the_list_is_priced_at_each_lines_quantity_with_its_stock(world, shop):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(3))
    add_product(world.company_a, created.pk, world.product_a_child.pk, D(2))

    view = list_view(world.company_a, shop.contract, created)

    first, second = view.items
    assert first.offer is not None
    assert first.offer.price is not None
    assert first.offer.price.line_net == Money(D(360), "EUR")
    assert first.stock is not None
    assert first.stock.warehouse.name == "Central"
    assert (first.problem, second.problem) == ("", "")
    assert view.total_net == Money(D(520), "EUR")


def test_a_line_gone_from_the_catalog_shows_why_and_no_price(world, shop):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(3))
    world.product_a.category = world.cat_b
    world.product_a.save()

    (item,) = list_view(world.company_a, shop.contract, created).items

    assert item.offer is None
    assert item.problem == "This product is not in your catalog."


def test_the_list_page_reads_a_fixed_number_of_queries(world, shop):
    created = create_list(world.company_a, _user(world), "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(3))
    list_view(world.company_a, shop.contract, created)  # warm the caches
    with CaptureQueriesContext(connection) as one:
        list_view(world.company_a, shop.contract, created)
    for n in range(12):
        product = f.ProductFactory(category=world.cat_a)
        Price.objects.create(product=product, price_type=shop.base, amount=D(n + 1))
        add_product(world.company_a, created.pk, product.pk, D(1))
    list_view(world.company_a, shop.contract, created)
    with CaptureQueriesContext(connection) as thirteen:
        list_view(world.company_a, shop.contract, created)

    assert len(thirteen) == len(one)


# --- races (PostgreSQL) -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_same_name_created_at_once_is_one_list(world, postgres_only):
    results = race_same(lambda: create_list(world.company_a, world.buyer_a.user, "Race"), 6)

    created = [r for r in results if isinstance(r, ShoppingList)]
    refused = [r for r in results if isinstance(r, ListError)]
    assert len(created) == 1
    assert len(refused) == 5
    assert {r.code for r in refused} == {ListErrorCode.NAME_TAKEN}


@pytest.mark.django_db(transaction=True)
def test_the_same_product_added_at_once_is_one_line_with_every_quantity(world, shop, postgres_only):
    created = create_list(world.company_a, world.buyer_a.user, "Race")

    results = race_same(
        lambda: add_product(world.company_a, created.pk, world.product_a.pk, D(1)), 6
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert _lines(created) == [("CAB-001", D(6))]
