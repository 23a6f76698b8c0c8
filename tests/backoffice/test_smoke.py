"""Every back-office page answers: changelist, search, add and change for each model."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import models
from django.test import Client, RequestFactory
from django.utils import timezone

from dealerdesk.accounts.services import create_invite
from dealerdesk.catalog.models import ProductImage
from dealerdesk.inventory.models import DefaultWarehouse
from dealerdesk.inventory.services import set_stock_level
from dealerdesk.ordering.services import OrderLineRequest, place_order
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
from dealerdesk.web.backoffice.site import backoffice_site
from tests import factories as f
from tests.backoffice.conftest import bo
from tests.conftest import World

# Pages that refuse "add" by design: requests come from the public form, the log is written
# by the system.
NO_ADD = {
    "accounts.accessrequest",
    "core.auditentry",
    "inventory.stockmovement",
    "ordering.order",  # orders come from dealers (or a manager acting for one)
    # what the ERP sent and what was sent to it; the six sync categories are fixed
    "integration.inboundmessage",
    "integration.delivery",
    "integration.syncalert",
    "integration.synccategory",
}
# Reference lists and the ERP connection: supplier admins only.
ADMIN_ONLY = {
    "accounts.region",
    "accounts.customergroup",
    "accounts.tier",
    "integration.apiclient",
    "integration.webhookendpoint",
    "integration.inboundmessage",
    "integration.delivery",
    "integration.synccategory",
    "integration.syncalert",
}


@pytest.fixture
def every_model(world: World) -> World:
    """At least one row of every registered model."""
    f.AccessRequestFactory()
    create_invite(world.company_a, email="new@alpha.test", invited_by=world.admin.user)
    f.RegionFactory()
    f.TierFactory()
    f.ProductAttributeValueFactory(product=world.product_a)
    ProductImage.objects.create(product=world.product_a, image="products/a.png", alt_text="A")
    _pricing_and_stock(world)
    _integration(world)
    return world


def _integration(world: World) -> None:
    """A client with a key, an endpoint with a delivery and its attempt, a message, an
    alert."""
    from django.core.files.base import ContentFile

    from dealerdesk.core.models import OutboxMessage
    from dealerdesk.integration.credentials import create_client, issue_api_key
    from dealerdesk.integration.models import (
        Delivery,
        DeliveryAttempt,
        InboundMessage,
        SyncAlert,
        WebhookEndpoint,
    )

    client = create_client("ERP", ["prices:write"])
    issue_api_key(client)
    endpoint = WebhookEndpoint.objects.create(
        name="ERP", url="http://127.0.0.1:9/webhooks", secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZI"
    )
    message = OutboxMessage.objects.order_by("created_at").first()
    assert message is not None  # the order placed above
    delivery = Delivery.objects.create(message=message, endpoint=endpoint, status="retrying")
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, started_at=timezone.now(), url=endpoint.url,
        error="connection refused",
    )  # fmt: skip
    InboundMessage.objects.create(
        client=client, message_id="m-1", feed="prices", category="prices", status="done",
        content_type="application/json", body=ContentFile(b'{"rows": []}', "m.json"),
        body_sha256="0" * 64, rejected=1,
        result={"rows": [{"row": 0, "status": "rejected", "outcome": "rejected",
                          "field": "amount", "code": "invalid", "message": "Not a number."}]},
    )  # fmt: skip
    SyncAlert.objects.create(category="stock", message="Stock: last synced 40 min ago")


def _pricing_and_stock(world: World) -> None:
    """One row of each pricing and inventory model (the ledger row comes from the service)."""
    now = timezone.now()
    base = PriceType.objects.create(code="WHS", name="Wholesale", currency="EUR", is_base=True)
    Price.objects.create(product=world.product_a, price_type=base, amount=Decimal("120"))
    contract = Contract.objects.create(company=world.company_a, name="Prepayment", currency="EUR")
    price_list = PriceList.objects.create(
        name="Group list", customer_group=world.company_a.customer_group
    )
    PriceListItem.objects.create(
        price_list=price_list, product=world.product_a, amount=Decimal("110")
    )
    CustomerPrice.objects.create(
        company=world.company_a, contract=contract, product=world.product_a, amount=Decimal("100")
    )
    QuantityBreak.objects.create(
        product=world.product_a, min_quantity=Decimal("10"), discount_percent=Decimal("5")
    )
    Promotion.objects.create(
        name="Spring",
        kind=PromotionKind.PERCENT_OFF,
        value=Decimal("10"),
        starts_at=now,
        ends_at=now + timedelta(days=7),
        product=world.product_a,
    )
    warehouse = f.WarehouseFactory(open_to_all=True)
    f.WarehouseAccessFactory(warehouse=warehouse, company=world.company_a)
    DefaultWarehouse.objects.create(company=world.company_a, warehouse=warehouse)
    set_stock_level(world.product_a, warehouse, on_hand=Decimal("5"))
    place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(1))],
        submission_key="smoke-order-1",
    )


def _info(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}_{model._meta.model_name}"


def test_every_page_answers_for_the_admin(every_model: World, admin_client: Client) -> None:
    assert admin_client.get(bo("index")).status_code == 200
    for model in backoffice_site._registry:
        label = model._meta.label_lower
        info = _info(model)
        assert admin_client.get(bo(f"{info}_changelist")).status_code == 200, label
        searched = admin_client.get(bo(f"{info}_changelist"), {SEARCH_VAR: "a"})
        assert searched.status_code == 200, label
        add = admin_client.get(bo(f"{info}_add"))
        assert add.status_code == (403 if label in NO_ADD else 200), label
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, label
        assert admin_client.get(bo(f"{info}_change", obj.pk)).status_code == 200, label
        assert admin_client.get(bo(f"{info}_history", obj.pk)).status_code == 200, label


def test_every_filter_choice_answers(every_model: World, admin_client: Client) -> None:
    request = RequestFactory().get("/")
    request.user = every_model.admin.user
    for model, model_admin in backoffice_site._registry.items():
        changelist = model_admin.get_changelist_instance(_with_session(request))
        url = bo(f"{_info(model)}_changelist")
        for list_filter in changelist.filter_specs:
            for choice in list_filter.choices(changelist):
                response = admin_client.get(url + choice["query_string"])
                assert response.status_code == 200, (model, choice["query_string"])


def _with_session(request: Any) -> Any:
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_manager_pages_answer(every_model: World, manager_client: Client) -> None:
    assert manager_client.get(bo("index")).status_code == 200
    for model in backoffice_site._registry:
        label = model._meta.label_lower
        info = _info(model)
        response = manager_client.get(bo(f"{info}_changelist"))
        if label in ADMIN_ONLY:
            assert response.status_code == 403, label
            continue
        assert response.status_code == 200, label
        first = next(iter(response.context["cl"].result_list), None)
        if first is not None:
            change = manager_client.get(bo(f"{info}_change", first.pk))
            assert change.status_code == 200, label


def test_custom_pages_answer(every_model: World, admin_client: Client) -> None:
    access_request = f.AccessRequestFactory(company_name="Charlie Supply")
    assert (
        admin_client.get(bo("accounts_company_invite", every_model.company_a.pk)).status_code == 200
    )
    assert (
        admin_client.get(bo("accounts_accessrequest_approve", access_request.pk)).status_code == 200
    )
    assert (
        admin_client.get(bo("accounts_accessrequest_reject", access_request.pk)).status_code == 200
    )
    user = every_model.buyer_a.user
    assert admin_client.get(bo("auth_user_password_change", user.pk)).status_code == 200
    from dealerdesk.integration.models import ApiClient, ApiKey, InboundMessage

    client = ApiClient.objects.get()
    key = ApiKey.objects.get()
    message = InboundMessage.objects.get()
    for name, arg in [
        ("sync_monitor", None),
        ("integration_apiclient_issue_key", client.pk),
        ("integration_apiclient_oauth", client.pk),
        ("integration_apikey_rotate", key.pk),
        ("integration_apikey_revoke", key.pk),
        ("integration_inboundmessage_body", message.pk),
    ]:
        page = admin_client.get(bo(name, arg) if arg is not None else bo(name))
        assert page.status_code == 200, name
