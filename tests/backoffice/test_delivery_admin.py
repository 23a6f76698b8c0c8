"""Delivery options (admins set them, managers read them), a dealer's credit (admins set
it, managers read it) and its address book on the company page."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from dealerdesk.core.models import AuditEntry
from dealerdesk.ordering.delivery import AddressInput, save_address
from dealerdesk.ordering.models import DeliveryAddress, DeliveryOption
from tests.backoffice.conftest import bo, change_form_data, form_errors
from tests.conftest import World


def test_an_admin_sets_up_a_delivery_option_with_its_conditions(
    world: World, admin_client: Client
) -> None:
    response = admin_client.post(
        bo("ordering_deliveryoption_add"),
        {
            "name": "Night express",
            "method": "carrier",
            "is_active": "on",
            "position": "5",
            "currency": "EUR",
            "min_order_net": "300",
            "fee_net": "12.50",
            "free_from_net": "",
            "lead_days": "1",
            "conditions": "",
        },
    )

    assert response.status_code == 302, form_errors(response)
    option = DeliveryOption.objects.get(name="Night express")
    assert option.min_order_net == Decimal("300")
    page = admin_client.get(bo("ordering_deliveryoption_changelist")).content.decode()
    assert "Minimum order 300.00 EUR (net)." in page
    assert AuditEntry.objects.filter(object_type="ordering.deliveryoption").exists()


def test_a_bad_currency_is_explained(world: World, admin_client: Client) -> None:
    response = admin_client.post(
        bo("ordering_deliveryoption_add"),
        {"name": "X", "method": "carrier", "position": "0", "lead_days": "0", "currency": "XYZ"},
    )

    assert response.status_code == 200
    assert "is not an ISO 4217 currency code" in response.content.decode()
    assert not DeliveryOption.objects.filter(name="X").exists()


def test_a_manager_reads_the_options_but_cannot_change_them(
    world: World, manager_client: Client
) -> None:
    option = DeliveryOption.objects.create(method="pickup", name="Counter")

    assert manager_client.get(bo("ordering_deliveryoption_changelist")).status_code == 200
    assert manager_client.get(bo("ordering_deliveryoption_add")).status_code == 403
    response = manager_client.post(
        bo("ordering_deliveryoption_change", option.pk),
        {"name": "Renamed", "method": "pickup", "position": "0", "lead_days": "0"},
    )
    assert response.status_code == 403
    option.refresh_from_db()
    assert option.name == "Counter"


def test_an_admin_sets_a_dealers_credit_and_it_is_audited(
    world: World, admin_client: Client
) -> None:
    url = bo("accounts_company_change", world.company_a.pk)
    data = change_form_data(admin_client.get(url))
    data.update(credit_limit="25000.00", balance="1200.50", credit_policy="block")

    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    world.company_a.refresh_from_db()
    assert (world.company_a.credit_limit, world.company_a.credit_policy) == (
        Decimal("25000.00"),
        "block",
    )
    entry = AuditEntry.objects.get(object_type="accounts.company")
    assert entry.after["credit_limit"] == "25000.00"


def test_a_manager_reads_the_credit_but_cannot_change_it(
    world: World, manager_client: Client
) -> None:
    url = bo("accounts_company_change", world.company_a.pk)
    page = manager_client.get(url)
    assert "Credit" in page.content.decode()
    data = change_form_data(page)
    data.update(credit_limit="999999", balance="0")

    response = manager_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    world.company_a.refresh_from_db()
    assert world.company_a.credit_limit is None


def test_staff_keep_a_dealers_address_book_one_default_at_a_time(
    world: World, manager_client: Client
) -> None:
    save_address(world.company_a, AddressInput("Shop", "Main st 1"), actor=None)
    url = bo("accounts_company_change", world.company_a.pk)
    data = change_form_data(manager_client.get(url))
    prefix = next(k for k in data if k.endswith("-TOTAL_FORMS") and "addresses" in k).split("-")[0]
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(total + 1),
            f"{prefix}-{total}-label": "Depot",
            f"{prefix}-{total}-address": "Harbour 5",
            f"{prefix}-{total}-is_default": "on",
        }
    )

    response = manager_client.post(url, data)

    assert response.status_code == 200
    assert "Only one address can be the default." in response.content.decode()
    assert DeliveryAddress.objects.count() == 1

    data.pop(f"{prefix}-{total}-is_default")
    assert manager_client.post(url, data).status_code == 302
    assert set(DeliveryAddress.objects.values_list("label", flat=True)) == {"Shop", "Depot"}


def test_another_managers_dealer_book_is_not_shown(world: World, manager_client: Client) -> None:
    save_address(world.company_b, AddressInput("Bravo depot", "Secret lane 7"), actor=None)

    response = manager_client.get(bo("accounts_company_change", world.company_b.pk))

    assert response.status_code in (302, 404)
    assert "Secret lane" not in response.content.decode()


def test_swapping_two_names_in_one_save_is_explained_not_a_crash(
    world: World, manager_client: Client
) -> None:
    first = save_address(world.company_a, AddressInput("Shop", "Main st 1"), actor=None)
    second = save_address(world.company_a, AddressInput("Depot", "Harbour 5"), actor=None)
    url = bo("accounts_company_change", world.company_a.pk)
    data = change_form_data(manager_client.get(url))
    names = {value: key for key, value in data.items() if key.endswith("-label")}
    data[names["Shop"]], data[names["Depot"]] = "Depot", "Shop"

    response = manager_client.post(url, data)

    assert response.status_code == 200
    assert "rename them one save at a time" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.label, second.label) == ("Shop", "Depot")
