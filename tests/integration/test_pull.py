"""The pull endpoint for ERPs that poll: a page of unacknowledged events, then an ack —
each client its own events only."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from dealerdesk.core import outbox
from dealerdesk.core.models import OutboxMessage
from dealerdesk.integration.models import Delivery
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.services import OrderLineRequest, place_order

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/sync/events"
ACK = "/api/v1/sync/events/ack"


def event(number: str, topic: str = "order.cancelled") -> OutboxMessage:
    return outbox.enqueue(topic, f"order:{number}", {"number": number})


@pytest.fixture
def puller(machine_for):  # type: ignore[no-untyped-def]
    return machine_for("orders:read", pulls_events=True)


def test_a_client_pulls_its_events_oldest_first_and_acknowledges_them(puller):
    first, second = event("DD-0000001"), event("DD-0000002")

    page = puller.get(EVENTS)

    assert page.status_code == 200
    body = page.json()
    assert body["more"] is False
    assert [e["id"] for e in body["events"]] == [str(first.pk), str(second.pk)]
    assert body["events"][0] == {
        "id": str(first.pk),
        "type": "order.cancelled",
        "key": "order:DD-0000001",
        "created_at": body["events"][0]["created_at"],
        "data": {"number": "DD-0000001"},
    }

    acked = puller.post(ACK, {"ids": [str(first.pk)]})

    assert acked.status_code == 200
    assert acked.json() == {"acknowledged": 1, "unknown": []}
    assert [e["id"] for e in puller.get(EVENTS).json()["events"]] == [str(second.pk)]
    delivery = Delivery.objects.get(message=first, client=puller.client)
    assert (delivery.status, delivery.delivered_at is not None) == ("delivered", True)


def test_pages_follow_the_cursor_and_say_when_more_wait(puller):
    messages = [event(f"DD-000000{n}") for n in range(1, 6)]

    first = puller.get(f"{EVENTS}?limit=2").json()
    second = puller.get(f"{EVENTS}?limit=2&after={first['events'][-1]['id']}").json()
    last = puller.get(f"{EVENTS}?limit=2&after={second['events'][-1]['id']}").json()

    seen = [e["id"] for page in (first, second, last) for e in page["events"]]
    assert seen == [str(m.pk) for m in messages]
    assert (first["more"], second["more"], last["more"]) == (True, True, False)


def test_a_client_never_sees_nor_acknowledges_another_clients_events(machine_for):
    erp = machine_for("orders:read", pulls_events=True)
    wms = machine_for("orders:read", pulls_events=True)
    message = event("DD-0000001")
    erp.get(EVENTS)  # both clients get their own delivery of the event

    stolen = wms.post(ACK, {"ids": [str(message.pk)]})
    assert stolen.json() == {"acknowledged": 1, "unknown": []}  # wms's own copy
    assert [e["id"] for e in erp.get(EVENTS).json()["events"]] == [str(message.pk)]

    other = machine_for("orders:read", pulls_events=True)  # joins after the event
    assert other.get(EVENTS).json()["events"] == []
    refused = other.post(ACK, {"ids": [str(message.pk)]})
    assert refused.json() == {"acknowledged": 0, "unknown": [str(message.pk)]}
    assert Delivery.objects.get(message=message, client=erp.client).status == "pending"
    cursor = other.get(f"{EVENTS}?after={message.pk}")
    assert cursor.status_code == 422
    assert cursor.json()["code"] == "unknown_cursor"
    assert cursor.json()["errors"][0]["field"] == "after"


def test_acknowledging_twice_or_an_unknown_id_reports_them_unknown(puller):
    message = event("DD-0000001")
    puller.get(EVENTS)
    stranger = uuid.uuid4()

    puller.post(ACK, {"ids": [str(message.pk)]})
    again = puller.post(ACK, {"ids": [str(message.pk), str(stranger)]}).json()

    assert again == {"acknowledged": 0, "unknown": [str(message.pk), str(stranger)]}


def test_a_client_that_does_not_pull_is_told_so(machine_for):
    webhooks_only = machine_for("orders:read")

    answer = webhooks_only.get(EVENTS)

    assert answer.status_code == 409
    assert answer.json()["code"] == "pull_not_enabled"
    assert "pulls order events" in answer.json()["message"]
    assert webhooks_only.post(ACK, {"ids": [str(uuid.uuid4())]}).status_code == 409


def test_pulling_needs_the_orders_read_scope(machine_for):
    writer = machine_for("orders:write", pulls_events=True)

    answer = writer.get(EVENTS)

    assert answer.status_code == 403
    assert answer.json()["code"] == "missing_scope"


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=5000", "limit"), ("after=not-a-uuid", "after")],
)
def test_a_bad_query_is_answered_with_the_field_at_fault(puller, query, field):
    answer = puller.get(f"{EVENTS}?{query}")

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [({"ids": []}, "ids"), ({"ids": ["x"]}, "ids.0"), ({}, "ids"), ({"ids": "all"}, "ids")],
)
def test_a_bad_ack_is_answered_with_the_field_at_fault(puller, body, field):
    answer = puller.post(ACK, body)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field


def test_acknowledging_a_placed_order_shows_it_reached_the_erp(puller, world, shop):
    order = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(2))],
        submission_key="pulled-order-0001",
        notify=False,
    ).order

    [pulled] = puller.get(EVENTS).json()["events"]
    assert (pulled["type"], pulled["data"]["number"]) == ("order.placed", order.number)
    puller.post(ACK, {"ids": [pulled["id"]]})

    order.refresh_from_db()
    assert order.status == OrderStatus.SENT_TO_ERP


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("not json", "application/json"), ("ids=1", "application/x-www-form-urlencoded")],
)
def test_an_ack_that_is_not_json_is_refused_in_the_one_error_shape(puller, body, content_type):
    answer = puller.post(ACK, body, content_type=content_type)

    assert answer.status_code == 400
    assert set(answer.json()) == {"code", "message", "errors"}
