"""Ordering a list by the dealer's own price: the database's order agrees with the engine."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealerdesk.catalog.models import Product
from dealerdesk.offers.queries import first_quantity
from dealerdesk.pricing.choices import PromotionKind
from dealerdesk.pricing.models import (
    Contract,
    CustomerPrice,
    Price,
    PriceList,
    PriceListItem,
    PriceType,
    Promotion,
    QuantityBreak,
)
from dealerdesk.pricing.queries import order_by_price, price_lines
from tests import factories as f

pytestmark = pytest.mark.django_db

amounts = st.decimals(min_value=Decimal("0.50"), max_value=Decimal("900"), places=2)
maybe = st.none() | amounts
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(60), places=1)

product_rules = st.fixed_dictionaries(
    {
        "base": maybe,
        "contract_type": maybe,
        "listed": maybe,
        "customer": maybe,
        "customer_for_contract": maybe,
        "min_quantity": st.sampled_from([Decimal(1), Decimal(5), Decimal(50)]),
        "breaks": st.lists(
            st.tuples(
                st.sampled_from([2, 5, 10, 50, 100]), percents, st.sampled_from(["all", "me"])
            ),
            max_size=3,
        ),
        "promotion": st.none()
        | st.tuples(
            st.sampled_from(["product", "brand", "category"]),
            st.sampled_from(["%", "fixed"]),
            amounts,
        ),
    }
)


def _engine_prices(company, contract, products):  # type: ignore[no-untyped-def]
    lines = price_lines(company, contract, [(p.pk, first_quantity(p)) for p in products])
    return [line.unit_price.amount if line.priced and line.unit_price else None for line in lines]


def _build(rules, markup):  # type: ignore[no-untyped-def]
    base, _ = PriceType.objects.get_or_create(
        code="BASE", defaults={"name": "Base", "currency": "EUR", "is_base": True}
    )
    dealer_type = PriceType.objects.create(code=f"D{PriceType.objects.count()}", name="Dealer")
    group = f.CustomerGroupFactory()
    company = f.CompanyFactory(customer_group=group)
    contract = Contract.objects.create(
        company=company,
        name="Deferment 30",
        currency="EUR",
        price_type=dealer_type,
        markup_percent=markup,
        is_default=True,
    )
    price_list = PriceList.objects.create(
        name="Group list", customer_group=group, currency="EUR", priority=1
    )
    category = f.CategoryFactory()
    now = timezone.now()
    products = []
    for rule in rules:
        brand = f.BrandFactory()
        product = f.ProductFactory(
            category=category, brand=brand, min_quantity=rule["min_quantity"], pack_multiple=1
        )
        products.append(product)
        if rule["base"] is not None:
            Price.objects.create(product=product, price_type=base, amount=rule["base"])
        if rule["contract_type"] is not None:
            Price.objects.create(
                product=product, price_type=dealer_type, amount=rule["contract_type"]
            )
        if rule["listed"] is not None:
            PriceListItem.objects.create(
                price_list=price_list, product=product, amount=rule["listed"]
            )
        if rule["customer"] is not None:
            CustomerPrice.objects.create(company=company, product=product, amount=rule["customer"])
        if rule["customer_for_contract"] is not None:
            CustomerPrice.objects.create(
                company=company,
                product=product,
                contract=contract,
                amount=rule["customer_for_contract"],
            )
        for threshold, percent, audience in rule["breaks"]:
            QuantityBreak.objects.get_or_create(
                product=product,
                min_quantity=threshold,
                company=company if audience == "me" else None,
                defaults={"discount_percent": percent},
            )
        if rule["promotion"] is not None:
            target, kind, value = rule["promotion"]
            Promotion.objects.create(
                name="Promo",
                kind=PromotionKind.PERCENT_OFF if kind == "%" else PromotionKind.FIXED_PRICE,
                value=min(value, Decimal(90)) if kind == "%" else value,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=1),
                product=product if target == "product" else None,
                brand=brand if target == "brand" else None,
                category=category if target == "category" else None,
            )
    return company, contract, products


def _assert_ordered(prices, descending):  # type: ignore[no-untyped-def]
    known = [p for p in prices if p is not None]
    # unpriced products come last, whichever way the list is sorted
    assert prices[: len(known)] == known
    assert known == sorted(known, reverse=descending)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rules=st.lists(product_rules, min_size=2, max_size=6),
    markup=st.sampled_from([Decimal(0), Decimal(3), Decimal(-5)]),
    descending=st.booleans(),
)
def test_the_database_orders_products_as_the_engine_prices_them(db, rules, markup, descending):
    # given products priced by every rule of the engine, in any combination
    company, contract, products = _build(rules, markup)
    # when the list is ordered by price in the database
    ids = [p.pk for p in products]
    ordered = list(
        order_by_price(Product.objects.filter(pk__in=ids), company, contract, descending=descending)
    )
    # then the engine's prices along that order never go the wrong way
    assert sorted(p.pk for p in ordered) == sorted(ids)
    _assert_ordered(_engine_prices(company, contract, ordered), descending)


def test_a_contract_of_another_company_cannot_order_a_list(world):
    other = Contract.objects.create(company=world.company_b, name="B", currency="EUR")
    with pytest.raises(ValueError, match="another company"):
        order_by_price(Product.objects.all(), world.company_a, other)


def test_a_later_price_row_wins_in_the_order_as_in_the_engine(world):
    # given two valid rows for one product: an open-ended one and a newer dated one
    base = PriceType.objects.create(code="W", name="W", currency="EUR", is_base=True)
    contract = Contract.objects.create(company=world.company_a, name="A", currency="EUR")
    today = timezone.localdate()
    Price.objects.create(product=world.product_a, price_type=base, amount=Decimal("10"))
    Price.objects.create(
        product=world.product_a,
        price_type=base,
        amount=Decimal("30"),
        valid_from=today - timedelta(days=2),
    )
    Price.objects.create(product=world.product_a_child, price_type=base, amount=Decimal("20"))
    # when priced and ordered
    [line] = price_lines(world.company_a, contract, [(world.product_a.pk, Decimal(1))])
    ordered = order_by_price(
        Product.objects.filter(pk__in=[world.product_a.pk, world.product_a_child.pk]),
        world.company_a,
        contract,
    )
    # then the dated row (newer than "since ever") is the price, and the order follows it
    assert line.unit_price is not None
    assert line.unit_price.amount == Decimal("30.00")
    assert [p.pk for p in ordered] == [world.product_a_child.pk, world.product_a.pk]


def test_a_dealers_own_breaks_override_the_general_ones_in_the_order_too(world):
    # given X at 100 with a general 50% break from 1 and the dealer's own 1% break from 100,
    # and Y at 80 without breaks
    base = PriceType.objects.create(code="W", name="W", currency="EUR", is_base=True)
    contract = Contract.objects.create(company=world.company_a, name="A", currency="EUR")
    x, y = world.product_a, world.product_a_child
    Price.objects.create(product=x, price_type=base, amount=Decimal("100"))
    Price.objects.create(product=y, price_type=base, amount=Decimal("80"))
    QuantityBreak.objects.create(product=x, min_quantity=1, discount_percent=50)
    QuantityBreak.objects.create(
        product=x, min_quantity=100, discount_percent=1, company=world.company_a
    )
    # when ordered by price: the dealer's own breaks are the only ones for it, none reached
    ordered = order_by_price(Product.objects.filter(pk__in=[x.pk, y.pk]), world.company_a, contract)
    # then X costs 100 and comes after Y, as the engine prices it
    assert [p.pk for p in ordered] == [y.pk, x.pk]
    assert _engine_prices(world.company_a, contract, list(ordered)) == [
        Decimal("80.00"),
        Decimal("100.00"),
    ]


def test_whole_number_prices_order_by_their_exact_discounted_value(world):
    # 15.00 with 5 % off is 14.25, dearer than 14.10: no rounding to whole numbers anywhere
    base = PriceType.objects.create(code="W", name="W", currency="EUR", is_base=True)
    contract = Contract.objects.create(company=world.company_a, name="A", currency="EUR")
    x, y = world.product_a, world.product_a_child
    Price.objects.create(product=x, price_type=base, amount=Decimal("15.00"))
    Price.objects.create(product=y, price_type=base, amount=Decimal("14.10"))
    QuantityBreak.objects.create(product=x, min_quantity=1, discount_percent=Decimal(5))

    ordered = order_by_price(Product.objects.filter(pk__in=[x.pk, y.pk]), world.company_a, contract)

    assert [p.pk for p in ordered] == [y.pk, x.pk]
