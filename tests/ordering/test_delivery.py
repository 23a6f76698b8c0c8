"""Delivery options (conditions shown, minimum and earliest day enforced) and a dealer's
address book."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dealerdesk.core.models import AuditEntry
from dealerdesk.ordering.choices import DeliveryMethod
from dealerdesk.ordering.delivery import (
    AddressError,
    AddressInput,
    conditions,
    delete_address,
    delivery_problem,
    fee,
    make_default,
    save_address,
)
from dealerdesk.ordering.errors import OrderingError, OrderingErrorCode
from dealerdesk.ordering.models import DeliveryAddress, DeliveryOption, Order
from dealerdesk.ordering.services import Delivery, OrderLineRequest, place_order

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def truck(db):  # type: ignore[no-untyped-def]
    return DeliveryOption.objects.create(
        method=DeliveryMethod.SUPPLIER,
        name="Our truck",
        currency="EUR",
        min_order_net=D("500"),
        fee_net=D("40"),
        free_from_net=D("2000"),
        lead_days=2,
        conditions="Tuesdays and Fridays in the city.",
    )


def test_the_conditions_read_as_sentences(truck):
    assert conditions(truck) == [
        "Minimum order 500.00 EUR (net).",
        "Delivered in 2 days at the earliest.",
        "Free from 2,000.00 EUR (net); below that 40.00 EUR, billed on the invoice.",
        "Needs a delivery address.",
        "Tuesdays and Fridays in the city.",
    ]


def test_amounts_in_another_currency_bind_nothing(truck):
    assert fee(truck, D("100"), "USD") is None
    assert delivery_problem(truck, D("1"), "USD", None, TODAY) is None


def test_the_fee_falls_away_from_the_free_amount(truck):
    assert fee(truck, D("1999.99"), "EUR") == D("40")
    assert fee(truck, D("2000"), "EUR") == D("0")


def test_below_the_minimum_says_how_much_is_missing(truck):
    problem = delivery_problem(truck, D("420.50"), "EUR", None, TODAY)

    assert problem == (
        "Our truck takes orders from 500.00 EUR (net); add 79.50 EUR or choose another delivery."
    )


def test_a_day_before_the_earliest_is_refused(truck):
    assert delivery_problem(truck, D("600"), "EUR", TODAY + dt.timedelta(days=2), TODAY) is None
    problem = delivery_problem(truck, D("600"), "EUR", TODAY + dt.timedelta(days=1), TODAY)
    assert problem == "Our truck delivers on 25 Nov 2026 at the earliest; pick that day or later."


def _place(world, shop, option, **delivery):  # type: ignore[no-untyped-def]
    return place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, D(2))],  # 240.00 EUR net
        submission_key="delivery-0001",
        delivery=Delivery(option_id=option.pk, **delivery),
    )


def test_an_order_under_the_minimum_is_refused_and_nothing_is_written(world, shop, truck):
    with pytest.raises(OrderingError) as caught:
        _place(world, shop, truck, address="Main st 1")

    assert caught.value.code == OrderingErrorCode.DELIVERY_NOT_POSSIBLE
    assert "add 260.00 EUR" in caught.value.message
    assert not Order.objects.exists()


def test_an_order_by_an_option_records_it(world, shop, truck):
    truck.min_order_net = D(100)
    truck.lead_days = 0
    truck.save()

    order = _place(world, shop, truck, address="Main st 1").order

    assert (order.delivery_option, order.delivery_name) == (truck, "Our truck")
    assert order.delivery_method == DeliveryMethod.SUPPLIER
    assert order.delivery_address == "Main st 1"


def test_an_option_that_delivers_needs_an_address(world, shop, truck):
    truck.min_order_net = None
    truck.save()

    with pytest.raises(OrderingError, match="Our truck needs a delivery address"):
        _place(world, shop, truck)


def test_a_withdrawn_option_is_refused(world, shop, truck):
    truck.is_active = False
    truck.save()

    with pytest.raises(OrderingError, match="no longer offered"):
        _place(world, shop, truck, address="x")


# --- the address book ------------------------------------------------------------------------


def _add(world, label: str = "Shop", **more):  # type: ignore[no-untyped-def]
    return save_address(
        world.company_a,
        AddressInput(label=label, address=more.pop("address", "Main st 1\n01001 Kyiv"), **more),
        actor=world.buyer_a.user,
    )


def test_the_first_address_is_the_default_and_the_change_is_audited(world):
    entry = _add(world, recipient="  Olena   K. ", phone="+380 44 000")

    assert entry.is_default
    assert entry.recipient == "Olena K."
    assert entry.as_text() == "Olena K.\nMain st 1\n01001 Kyiv\n+380 44 000"
    assert AuditEntry.objects.filter(verb="added a delivery address").count() == 1


def test_a_label_is_once_per_company_whatever_the_case(world):
    _add(world, "Shop")

    with pytest.raises(AddressError) as caught:
        _add(world, "SHOP ")

    assert caught.value.field == "label"
    assert DeliveryAddress.objects.count() == 1
    # another company may use the same name
    save_address(world.company_b, AddressInput("Shop", "Elm st"), actor=world.buyer_b.user)


@pytest.mark.parametrize(
    ("label", "address", "field"),
    [("", "Main st", "label"), ("\x00\x01", "Main st", "label"), ("Shop", " \n\x00 ", "address")],
)
def test_an_empty_label_or_address_is_refused(world, label, address, field):
    with pytest.raises(AddressError) as caught:
        _add(world, label, address=address)

    assert caught.value.field == field
    assert not DeliveryAddress.objects.exists()


def test_one_default_at_a_time_and_a_successor_when_it_goes(world):
    shop = _add(world, "Shop")
    depot = _add(world, "Depot", is_default=True)
    shop.refresh_from_db()
    assert (shop.is_default, depot.is_default) == (False, True)

    make_default(world.company_a, shop.pk, actor=world.buyer_a.user)
    delete_address(world.company_a, shop.pk, actor=world.buyer_a.user)

    assert DeliveryAddress.objects.get().is_default  # the depot took over


def test_another_companys_address_cannot_be_touched(world):
    theirs = save_address(world.company_b, AddressInput("B", "Elm st"), actor=world.buyer_b.user)

    with pytest.raises(DeliveryAddress.DoesNotExist):
        save_address(world.company_a, AddressInput("A", "x"), actor=None, address_id=theirs.pk)
    with pytest.raises(DeliveryAddress.DoesNotExist):
        delete_address(world.company_a, theirs.pk, actor=None)
    with pytest.raises(DeliveryAddress.DoesNotExist):
        make_default(world.company_a, theirs.pk, actor=None)
    assert DeliveryAddress.objects.get().label == "B"
