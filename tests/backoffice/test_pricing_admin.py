"""Pricing in the back office: who keeps what, scoping to a manager's dealers, the audit,
and the "Price check" page on a contract."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from dealerdesk.core.models import AuditAction, AuditEntry
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
from tests.backoffice.conftest import bo, change_form_data, form_errors
from tests.conftest import World


@dataclass
class Prices:
    wholesale: PriceType
    price: Price
    contract_a: Contract
    contract_b: Contract
    customer_price_a: CustomerPrice
    customer_price_b: CustomerPrice
    break_a: QuantityBreak
    break_b: QuantityBreak
    break_all: QuantityBreak
    price_list: PriceList
    promotion: Promotion


@pytest.fixture
def prices(world: World) -> Prices:
    wholesale = PriceType.objects.create(code="WHS", name="Wholesale", currency="EUR", is_base=True)
    now = timezone.now()
    price_list = PriceList.objects.create(
        name="Group list", currency="EUR", customer_group=world.company_a.customer_group
    )
    PriceListItem.objects.create(
        price_list=price_list, product=world.product_a_child, amount=Decimal("80")
    )
    return Prices(
        wholesale=wholesale,
        price=Price.objects.create(
            product=world.product_a, price_type=wholesale, amount=Decimal("120")
        ),
        contract_a=Contract.objects.create(
            company=world.company_a, name="Deferment 30 days", currency="EUR", is_default=True
        ),
        contract_b=Contract.objects.create(
            company=world.company_b, name="Bravo prepayment", currency="EUR", is_default=True
        ),
        customer_price_a=CustomerPrice.objects.create(
            company=world.company_a, product=world.product_a, amount=Decimal("118")
        ),
        customer_price_b=CustomerPrice.objects.create(
            company=world.company_b, product=world.product_a, amount=Decimal("99.5")
        ),
        break_a=QuantityBreak.objects.create(
            product=world.product_a,
            company=world.company_a,
            min_quantity=Decimal("50"),
            discount_percent=Decimal("5"),
        ),
        break_b=QuantityBreak.objects.create(
            product=world.product_a,
            company=world.company_b,
            min_quantity=Decimal("10"),
            discount_percent=Decimal("7"),
        ),
        break_all=QuantityBreak.objects.create(
            product=world.product_b, min_quantity=Decimal("5"), discount_percent=Decimal("2")
        ),
        price_list=price_list,
        promotion=Promotion.objects.create(
            name="Spring cables",
            kind=PromotionKind.PERCENT_OFF,
            value=Decimal("10"),
            starts_at=now - timezone.timedelta(days=1),
            ends_at=now + timezone.timedelta(days=10),
            category=world.cat_b,
        ),
    )


def _change(model: str, pk: int) -> str:
    return bo(f"pricing_{model}_change", pk)


# --- smoke ----------------------------------------------------------------------------------

PRICING_MODELS = (
    "pricetype",
    "price",
    "contract",
    "pricelist",
    "customerprice",
    "quantitybreak",
    "promotion",
)


def test_every_pricing_page_answers_for_the_admin(prices: Prices, admin_client: Client) -> None:
    objects = {
        "pricetype": prices.wholesale,
        "price": prices.price,
        "contract": prices.contract_a,
        "pricelist": prices.price_list,
        "customerprice": prices.customer_price_a,
        "quantitybreak": prices.break_a,
        "promotion": prices.promotion,
    }
    for model in PRICING_MODELS:
        assert admin_client.get(bo(f"pricing_{model}_changelist")).status_code == 200, model
        searched = admin_client.get(bo(f"pricing_{model}_changelist"), {"q": "a"})
        assert searched.status_code == 200, model
        assert admin_client.get(bo(f"pricing_{model}_add")).status_code == 200, model
        change = admin_client.get(_change(model, objects[model].pk))
        assert change.status_code == 200, model
        assert change.context["has_change_permission"], model
    filtered = admin_client.get(
        bo("pricing_price_changelist"), {"price_type__id__exact": prices.wholesale.pk}
    )
    assert list(filtered.context["cl"].result_list) == [prices.price]
    found = admin_client.get(bo("pricing_price_changelist"), {"q": "CAB-001"})
    assert list(found.context["cl"].result_list) == [prices.price]


# --- what a manager may do ------------------------------------------------------------------


@pytest.mark.parametrize("model", ["pricetype", "price", "pricelist", "promotion"])
def test_a_manager_reads_the_suppliers_prices(
    prices: Prices, manager_client: Client, model: str
) -> None:
    obj = {
        "pricetype": prices.wholesale,
        "price": prices.price,
        "pricelist": prices.price_list,
        "promotion": prices.promotion,
    }[model]
    assert manager_client.get(bo(f"pricing_{model}_changelist")).status_code == 200
    page = manager_client.get(_change(model, obj.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert manager_client.get(bo(f"pricing_{model}_add")).status_code == 403
    assert manager_client.post(bo(f"pricing_{model}_delete", obj.pk)).status_code == 403


def test_a_manager_cannot_change_a_price_by_post(prices: Prices, manager_client: Client) -> None:
    response = manager_client.post(
        _change("price", prices.price.pk),
        {"product": prices.price.product_id, "price_type": prices.wholesale.pk, "amount": "1"},
    )

    assert response.status_code == 403
    prices.price.refresh_from_db()
    assert prices.price.amount == Decimal("120")


def test_a_manager_sees_only_their_dealers_contracts(
    world: World, prices: Prices, manager_client: Client
) -> None:
    response = manager_client.get(bo("pricing_contract_changelist"))

    assert list(response.context["cl"].result_list) == [prices.contract_a]
    assert "Bravo" not in response.content.decode()


@pytest.mark.parametrize("model", ["contract", "customerprice", "quantitybreak"])
def test_a_manager_gets_nothing_of_another_managers_dealer(
    world: World, prices: Prices, manager_client: Client, model: str
) -> None:
    obj = {
        "contract": prices.contract_b,
        "customerprice": prices.customer_price_b,
        "quantitybreak": prices.break_b,
    }[model]

    response = manager_client.get(_change(model, obj.pk), follow=True)

    assert response.redirect_chain[-1][0] == bo("index")
    content = response.content.decode()
    assert "Perhaps it was deleted?" in content
    assert "Bravo" not in content


def test_a_manager_cannot_change_another_managers_contract_by_post(
    world: World, prices: Prices, manager_client: Client
) -> None:
    response = manager_client.post(
        _change("contract", prices.contract_b.pk), {"name": "Taken over"}
    )

    assert response.status_code == 302
    prices.contract_b.refresh_from_db()
    assert prices.contract_b.name == "Bravo prepayment"


def test_a_manager_edits_their_dealers_contract_and_it_is_audited(
    world: World, prices: Prices, manager_client: Client
) -> None:
    url = _change("contract", prices.contract_a.pk)
    page = manager_client.get(url)
    assert page.context["has_change_permission"]
    companies = page.context["adminform"].form.fields["company"].queryset
    assert list(companies) == [world.company_a]
    data = change_form_data(page)
    data["payment_terms_days"] = "45"

    response = manager_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    prices.contract_a.refresh_from_db()
    assert prices.contract_a.payment_terms_days == 45
    entry = AuditEntry.objects.get(object_type="pricing.contract", action=AuditAction.UPDATE)
    assert entry.actor == world.manager_a.user
    assert entry.company_id == world.company_a.pk
    assert entry.before == {"payment_terms_days": 0}
    assert entry.after == {"payment_terms_days": 45}


def test_a_manager_cannot_give_a_contract_to_another_managers_dealer(
    world: World, prices: Prices, manager_client: Client
) -> None:
    url = _change("contract", prices.contract_a.pk)
    data = change_form_data(manager_client.get(url))
    data["company"] = str(world.company_b.pk)

    response = manager_client.post(url, data)

    assert response.status_code == 200
    assert "company" in response.context["adminform"].form.errors
    prices.contract_a.refresh_from_db()
    assert prices.contract_a.company == world.company_a


def test_a_manager_adds_a_customer_price_for_their_dealer(
    world: World, prices: Prices, manager_client: Client
) -> None:
    response = manager_client.post(
        bo("pricing_customerprice_add"),
        {
            "company": world.company_a.pk,
            "contract": prices.contract_a.pk,
            "product": world.product_a_child.pk,
            "amount": "77.5",
            "currency": "EUR",
        },
    )

    assert response.status_code == 302, form_errors(response)
    added = CustomerPrice.objects.get(product=world.product_a_child)
    entry = AuditEntry.objects.get(object_type="pricing.customerprice", action=AuditAction.CREATE)
    assert entry.object_id == str(added.pk)
    assert entry.company_id == world.company_a.pk


def test_a_customer_price_cannot_use_another_companys_contract(
    world: World, prices: Prices, admin_client: Client
) -> None:
    response = admin_client.post(
        bo("pricing_customerprice_add"),
        {
            "company": world.company_a.pk,
            "contract": prices.contract_b.pk,
            "product": world.product_a_child.pk,
            "amount": "77.5",
            "currency": "EUR",
        },
    )

    assert response.status_code == 200
    assert "belongs to another company" in response.content.decode()
    assert not CustomerPrice.objects.filter(product=world.product_a_child).exists()


def test_a_manager_cannot_add_a_customer_price_for_another_managers_dealer(
    world: World, prices: Prices, manager_client: Client
) -> None:
    response = manager_client.post(
        bo("pricing_customerprice_add"),
        {
            "company": world.company_b.pk,
            "product": world.product_a_child.pk,
            "amount": "1",
            "currency": "EUR",
        },
    )

    assert response.status_code == 200
    assert "company" in response.context["adminform"].form.errors
    assert not CustomerPrice.objects.filter(product=world.product_a_child).exists()


def test_a_manager_lists_only_their_dealers_customer_prices(
    prices: Prices, manager_client: Client
) -> None:
    response = manager_client.get(bo("pricing_customerprice_changelist"))

    assert list(response.context["cl"].result_list) == [prices.customer_price_a]
    assert "Bravo" not in response.content.decode()


def test_a_manager_reads_a_break_for_everyone_and_keeps_their_dealers(
    world: World, prices: Prices, manager_client: Client
) -> None:
    listed = manager_client.get(bo("pricing_quantitybreak_changelist"))
    assert set(listed.context["cl"].result_list) == {prices.break_a, prices.break_all}
    assert "Bravo" not in listed.content.decode()

    shared = manager_client.get(_change("quantitybreak", prices.break_all.pk))
    assert shared.status_code == 200
    assert not shared.context["has_change_permission"]
    refused = manager_client.post(
        _change("quantitybreak", prices.break_all.pk),
        {"product": world.product_b.pk, "min_quantity": "1", "discount_percent": "50"},
    )
    assert refused.status_code == 403
    prices.break_all.refresh_from_db()
    assert prices.break_all.discount_percent == Decimal("2")

    url = _change("quantitybreak", prices.break_a.pk)
    page = manager_client.get(url)
    assert page.context["has_change_permission"]
    data = change_form_data(page)
    data["discount_percent"] = "6"
    response = manager_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    prices.break_a.refresh_from_db()
    assert prices.break_a.discount_percent == Decimal("6")
    assert AuditEntry.objects.filter(
        object_type="pricing.quantitybreak", object_id=str(prices.break_a.pk)
    ).exists()


def test_a_manager_must_name_their_dealer_on_a_new_break(
    world: World, prices: Prices, manager_client: Client
) -> None:
    response = manager_client.post(
        bo("pricing_quantitybreak_add"),
        {"product": world.product_a.pk, "min_quantity": "100", "discount_percent": "9"},
    )

    assert response.status_code == 200
    assert "company" in response.context["adminform"].form.errors
    assert not QuantityBreak.objects.filter(min_quantity=100).exists()


def test_an_admin_changes_a_price_and_it_is_audited(
    world: World, prices: Prices, admin_client: Client
) -> None:
    url = _change("price", prices.price.pk)
    data = change_form_data(admin_client.get(url))
    data["amount"] = "125.5"

    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    entry = AuditEntry.objects.get(object_type="pricing.price", action=AuditAction.UPDATE)
    assert entry.actor == world.admin.user
    assert entry.before is not None
    assert entry.after is not None
    assert Decimal(entry.before["amount"]) == Decimal("120")
    assert Decimal(entry.after["amount"]) == Decimal("125.5")


def test_an_admin_adds_a_price_list_item_inline(
    world: World, prices: Prices, admin_client: Client
) -> None:
    url = _change("pricelist", prices.price_list.pk)
    data = change_form_data(admin_client.get(url))
    index = int(data["items-TOTAL_FORMS"])
    data["items-TOTAL_FORMS"] = str(index + 1)
    data[f"items-{index}-product"] = str(world.product_a.pk)
    data[f"items-{index}-amount"] = "101"

    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    assert PriceListItem.objects.get(price_list=prices.price_list, product=world.product_a)
    assert AuditEntry.objects.filter(
        object_type="pricing.pricelistitem", action=AuditAction.CREATE
    ).exists()


# --- price check ----------------------------------------------------------------------------


def _check(contract: Contract) -> str:
    return bo("pricing_contract_price_check", contract.pk)


def test_the_contract_page_links_the_price_check(prices: Prices, manager_client: Client) -> None:
    page = manager_client.get(_change("contract", prices.contract_a.pk)).content.decode()

    assert _check(prices.contract_a) in page


def test_the_price_check_explains_the_price(
    world: World, prices: Prices, manager_client: Client
) -> None:
    response = manager_client.get(_check(prices.contract_a), {"q": "cab-001", "quantity": "50"})

    assert response.status_code == 200
    line = response.context["line"]
    assert line.unit_price.amount == Decimal("112.10")
    content = response.content.decode()
    assert "Base price type Wholesale 120.00" in content
    assert "customer price for Alpha Electric 118.00" in content
    assert "quantity break ≥ 50: -5% 112.10" in content
    assert "VAT 20%" in content
    assert "5605.00" in content  # line net: 112.10 * 50
    assert "6726.00" in content  # gross with 20 % VAT
    assert "6.58 %" in content  # off the list price
    assert content.count("<tr><td>") == len(line.steps) == 4


def test_the_price_check_form_opens_empty(prices: Prices, admin_client: Client) -> None:
    response = admin_client.get(_check(prices.contract_b))

    assert response.status_code == 200
    assert response.context["line"] is None
    assert not response.context["form"].errors


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"q": "NOPE-404", "quantity": "1"}, "q", "No product has the SKU “NOPE-404”."),
        ({"q": "CAB-001", "quantity": "abc"}, "quantity", "Enter a quantity"),
        ({"q": "CAB-001", "quantity": "0"}, "quantity", "greater than or equal to 0.001"),
        ({"q": "CAB-001", "quantity": "-3"}, "quantity", "greater than or equal to 0.001"),
        ({"q": "CAB-001", "quantity": "1e40"}, "quantity", "no more than"),
        ({"q": "CAB-001", "quantity": "NaN"}, "quantity", "Enter a quantity"),
        ({"q": "", "quantity": "1"}, "q", "This field is required."),
    ],
)
def test_bad_input_in_the_price_check_is_a_form_error(
    prices: Prices, admin_client: Client, query: dict[str, str], field: str, message: str
) -> None:
    response = admin_client.get(_check(prices.contract_a), query)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert response.context["line"] is None


def test_a_product_without_a_price_says_so(
    world: World, prices: Prices, admin_client: Client
) -> None:
    response = admin_client.get(_check(prices.contract_b), {"q": "TOOL-001", "quantity": "1"})

    assert response.status_code == 200
    assert "No price" in response.content.decode()


def test_the_price_check_refuses_another_managers_contract(
    world: World, prices: Prices, manager_client: Client
) -> None:
    response = manager_client.get(
        _check(prices.contract_b), {"q": "CAB-001", "quantity": "1"}, follow=True
    )

    assert response.redirect_chain[-1][0] == bo("index")
    content = response.content.decode()
    assert "Bravo" not in content
    assert "99.50" not in content


def test_an_admin_checks_any_dealers_price(
    world: World, prices: Prices, admin_client: Client
) -> None:
    response = admin_client.get(_check(prices.contract_b), {"q": "CAB-001", "quantity": "10"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "customer price for Bravo Tools 99.50" in content
    assert "quantity break ≥ 10: -7%" in content
