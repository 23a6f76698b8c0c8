"""price_lines against the database: scoping to the dealer, validity dates, query count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

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
from dealerdesk.pricing.queries import (
    contract_for,
    contracts_for,
    price_lines,
    quantity_break_table,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def wholesale() -> PriceType:
    return PriceType.objects.create(code="WHS", name="Wholesale", currency="EUR", is_base=True)


@pytest.fixture
def contract_a(world, wholesale) -> Contract:  # type: ignore[no-untyped-def]
    return Contract.objects.create(
        company=world.company_a, name="Prepayment", currency="EUR", is_default=True
    )


def price(product, price_type, amount, **dates):  # type: ignore[no-untyped-def]
    return Price.objects.create(
        product=product, price_type=price_type, amount=Decimal(amount), **dates
    )


def test_another_dealers_customer_price_is_never_used(world, wholesale, contract_a):
    price(world.product_a, wholesale, "120")
    CustomerPrice.objects.create(
        company=world.company_b, product=world.product_a, amount=Decimal("50"), currency="EUR"
    )
    CustomerPrice.objects.create(
        company=world.company_a, product=world.product_a, amount=Decimal("118"), currency="EUR"
    )

    [line] = price_lines(world.company_a, contract_a, [(world.product_a.pk, Decimal(1))])

    assert line.unit_price.amount == Decimal("118.00")
    assert "Alpha Electric" in line.explanation
    assert "Bravo" not in line.explanation


def test_a_contract_of_another_company_is_refused(world, wholesale, contract_a):
    with pytest.raises(ValueError, match="another company"):
        price_lines(world.company_b, contract_a, [(world.product_b.pk, Decimal(1))])
    assert contract_for(world.company_b, contract_a.pk) is None


def test_the_default_contract_comes_first_and_expired_ones_are_gone(world, contract_a):
    Contract.objects.create(company=world.company_a, name="Deferment 30", currency="EUR")
    Contract.objects.create(
        company=world.company_a,
        name="Old",
        currency="EUR",
        valid_to=timezone.localdate() - timedelta(days=1),
    )
    assert [c.name for c in contracts_for(world.company_a)] == ["Prepayment", "Deferment 30"]
    assert contract_for(world.company_a, None) == contract_a


def test_prices_follow_their_validity_dates(world, wholesale, contract_a):
    today = timezone.localdate()
    price(world.product_a, wholesale, "100", valid_to=today - timedelta(days=1))
    price(world.product_a, wholesale, "110", valid_from=today - timedelta(days=1))
    price(world.product_a, wholesale, "999", valid_from=today + timedelta(days=1))

    [line] = price_lines(world.company_a, contract_a, [(world.product_a.pk, Decimal(1))])

    assert line.unit_price.amount == Decimal("110.00")


def test_group_price_list_and_break_table(world, wholesale, contract_a):
    price(world.product_a, wholesale, "120")
    installers = PriceList.objects.create(
        name="Installers", currency="EUR", customer_group=world.company_a.customer_group
    )
    PriceListItem.objects.create(
        price_list=installers, product=world.product_a, amount=Decimal(115)
    )
    QuantityBreak.objects.create(
        product=world.product_a, min_quantity=Decimal(50), discount_percent=Decimal(5)
    )
    QuantityBreak.objects.create(
        product=world.product_a, min_quantity=Decimal(200), discount_percent=Decimal(10)
    )

    table = quantity_break_table(world.company_a, contract_a, world.product_a.pk)

    assert [(q, line.unit_price.amount) for q, line in table] == [
        (Decimal(1), Decimal("115.00")),
        (Decimal(50), Decimal("109.25")),
        (Decimal(200), Decimal("103.50")),
    ]
    # Dealer B's group has no such list: its price stays the base price.
    contract_b = Contract.objects.create(company=world.company_b, name="Prepay", currency="EUR")
    price(world.product_b, wholesale, "80")
    [other] = price_lines(world.company_b, contract_b, [(world.product_b.pk, Decimal(1))])
    assert other.unit_price.amount == Decimal("80.00")


def test_a_running_promotion_on_a_category_subtree(world, wholesale, contract_a):
    price(world.product_a_child, wholesale, "200")
    now = timezone.now()
    Promotion.objects.create(
        name="Cable week",
        kind=PromotionKind.PERCENT_OFF,
        value=Decimal(10),
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        category=world.cat_a,
    )
    Promotion.objects.create(
        name="Next month",
        kind=PromotionKind.PERCENT_OFF,
        value=Decimal(50),
        starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=40),
        category=world.cat_a,
    )

    [line] = price_lines(world.company_a, contract_a, [(world.product_a_child.pk, Decimal(1))])

    assert line.unit_price.amount == Decimal("180.00")
    assert line.promotion == "Cable week"


def test_pricing_many_lines_takes_the_same_queries_as_few(
    world, wholesale, contract_a, django_assert_num_queries, frozen_now
):
    products = [f.ProductFactory(category=world.cat_a) for _ in range(40)]
    for product in products:
        price(product, wholesale, "10")
        QuantityBreak.objects.create(
            product=product, min_quantity=Decimal(10), discount_percent=Decimal(1)
        )
        CustomerPrice.objects.create(
            company=world.company_a, product=product, amount=Decimal(9), currency="EUR"
        )
    few = [(p.pk, Decimal(1)) for p in products[:3]]
    many = [(p.pk, Decimal(12)) for p in products]
    price_lines(world.company_a, contract_a, few[:1])  # base type, lists, promotions cached

    # products, prices, customer prices, breaks (no price list applies, so no items to read)
    with django_assert_num_queries(4):
        price_lines(world.company_a, contract_a, few)
    with django_assert_num_queries(4):
        lines = price_lines(world.company_a, contract_a, many)

    assert {line.unit_price.amount for line in lines} == {Decimal("8.91")}


def test_invalid_currency_is_a_field_error(world):
    from django.core.exceptions import ValidationError

    contract = Contract(company=world.company_a, name="Bad", currency="EURO")
    with pytest.raises(ValidationError) as error:
        contract.full_clean()
    assert "currency" in error.value.message_dict


def test_the_break_table_starts_at_the_minimum_order(world, wholesale, contract_a):
    from dealerdesk.pricing.queries import product_prices

    price(world.product_a, wholesale, "1")
    for threshold, percent in ((100, 2), (500, 5), (1000, 10)):
        QuantityBreak.objects.create(
            product=world.product_a,
            min_quantity=Decimal(threshold),
            discount_percent=Decimal(percent),
        )

    line, table = product_prices(world.company_a, contract_a, world.product_a.pk, Decimal(500))

    assert line.unit_price.amount == Decimal("0.95")
    assert [q for q, _ in table] == [Decimal(500), Decimal(1000)]


def test_another_groups_promotion_never_applies(world, wholesale, contract_a, client_for):
    # given a 50% promotion for Bravo's customer group on a product Alpha sees
    price(world.product_a, wholesale, "100")
    now = timezone.now()
    other_group = f.CustomerGroupFactory(name="Bravo's group")
    Promotion.objects.create(
        name="Bravo only",
        kind=PromotionKind.PERCENT_OFF,
        value=Decimal(50),
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        product=world.product_a,
        customer_group=other_group,
    )
    # when Alpha prices it, lists it, sorts by price and asks the API
    [line] = price_lines(world.company_a, contract_a, [(world.product_a.pk, Decimal(1))])
    client = client_for(world.buyer_a.user)
    answers = [
        client.get(f"/portal/products/{world.product_a.pk}/").content.decode(),
        client.get("/portal/catalog/", {"sort": "price"}).content.decode(),
        client.get(f"/api/v1/catalog/products/{world.product_a.pk}").content.decode(),
    ]
    # then the promotion is nowhere
    assert line.unit_price.amount == Decimal("100.00")
    assert line.promotion is None
    for answer in answers:
        assert "Bravo only" not in answer
        assert "50.00" not in answer


def test_a_promotion_starts_on_the_second_even_when_cached(world, wholesale, contract_a):
    # promotions are read once a minute; the exact start still counts
    price(world.product_a, wholesale, "100")
    minute = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)
    Promotion.objects.create(
        name="At 30 s",
        kind=PromotionKind.FIXED_PRICE,
        value=Decimal(70),
        starts_at=minute + timedelta(seconds=30),
        ends_at=minute + timedelta(hours=1),
        product=world.product_a,
    )
    lines = [(world.product_a.pk, Decimal(1))]

    [before] = price_lines(world.company_a, contract_a, lines, at=minute + timedelta(seconds=29))
    [after] = price_lines(world.company_a, contract_a, lines, at=minute + timedelta(seconds=30))

    assert before.unit_price.amount == Decimal("100.00")
    assert after.unit_price.amount == Decimal("70.00")
