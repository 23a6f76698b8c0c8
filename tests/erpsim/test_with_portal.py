"""The simulator and the real portal (``live_server``), wired as ``seed-demo`` wires them:
an order placed in the portal reaches the simulator as a signed webhook, and the
simulator's statuses, invoice and stock come back through the public API."""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal
from pathlib import Path

import pytest

from dealerdesk.demo.erp_simulator import seed_erp_simulator
from dealerdesk.erpsim.config import Pace, load
from dealerdesk.erpsim.simulator import Simulator
from dealerdesk.integration.outbound.delivery import deliver_due
from dealerdesk.inventory.models import StockLevel
from dealerdesk.ordering.choices import DocumentKind, OrderStatus
from dealerdesk.ordering.models import Order, OrderDocument
from dealerdesk.ordering.services import OrderLineRequest, place_order
from tests.erpsim.conftest import Clock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulator(live_server, shop, tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    settings.DEALERDESK_ERP_SIM_CONFIG = tmp_path / "erp-sim.json"
    setup = seed_erp_simulator(portal_url=live_server.url)
    config = load(setup.path).with_overrides(listen="127.0.0.1:0")
    # Prices and stock stay put, so that what the shipment leaves is what the test sees.
    config = dataclasses.replace(
        config, pace=Pace(accept=1, invoice=10, ship=20, deliver=30, market=0)
    )
    clock = Clock()
    clock.now = time.time()
    sim = Simulator(config, clock=clock, backoff=lambda attempts: 1.0)
    sim.start(run_loop=False)
    setup.endpoint.url = f"{sim.url}/webhooks"
    setup.endpoint.save(update_fields=["url"])
    yield sim, clock
    sim.stop()


def test_an_order_goes_from_the_portal_through_the_erp_and_back(simulator, world, shop) -> None:
    sim, clock = simulator
    placed = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(3))],
        submission_key="erpsim-e2e-0001",
        notify=False,
    )
    deliver_due(10)

    order = Order.objects.get(pk=placed.order.pk)
    assert order.status == OrderStatus.ACCEPTED
    assert order.erp_number == "SO-000001"
    assert [o["number"] for o in sim.state.snapshot()["orders"]] == [order.number]

    for _ in range(31):
        clock.advance(1)
        sim.step()

    order.refresh_from_db()
    assert sim.state.snapshot()["outbox"] == {
        "waiting": 0,
        "sent": 6,  # accepted, the invoice, invoiced, stock, shipped, delivered
        "refused": [],
        "next": None,
    }
    assert order.status == OrderStatus.DELIVERED
    assert order.erp_version is not None
    invoice = OrderDocument.objects.get(order=order, kind=DocumentKind.INVOICE)
    assert invoice.number == "INV-000001"
    assert invoice.file.read().startswith(b"%PDF-")
    level = StockLevel.objects.get(product=world.product_a, warehouse=shop.depot)
    assert level.on_hand == Decimal(7)  # 10 on hand, 3 shipped
