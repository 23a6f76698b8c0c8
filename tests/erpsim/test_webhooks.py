"""The simulator's webhook endpoint over real HTTP: signatures, once-only application, down
and up, and bad payloads."""

from __future__ import annotations

import datetime as dt
import json

import httpx
from standardwebhooks.webhooks import Webhook

from dealerdesk.erpsim.simulator import Simulator
from tests.erpsim.conftest import SECRET, Clock, placed, post_webhook, signed


def _status(sim: Simulator) -> dict:
    return httpx.get(f"{sim.url}/status", timeout=5).json()


def test_a_correctly_signed_order_is_booked_and_answered_with_its_erp_number(sim) -> None:
    response = post_webhook(sim, placed("DD-0000123"))

    assert response.status_code == 200
    assert response.json() == {"erp_number": "SO-000001"}
    second = post_webhook(sim, placed("DD-0000124"), webhook_id="msg_2")
    assert second.json() == {"erp_number": "SO-000002"}
    status = _status(sim)
    assert status["webhooks"]["applied"] == 2
    assert [(o["number"], o["erp_number"], o["stage"]) for o in status["orders"]] == [
        ("DD-0000123", "SO-000001", "received"),
        ("DD-0000124", "SO-000002", "received"),
    ]


def test_a_webhook_signed_with_another_secret_is_refused_and_not_applied(sim) -> None:
    other = "whsec_" + "A" * 32
    response = post_webhook(sim, placed(), secret=other)

    assert response.status_code == 401
    assert "Signature" in response.json()["error"]
    status = _status(sim)
    assert status["webhooks"]["bad_signatures"] == 1
    assert status["webhooks"]["applied"] == 0
    assert status["orders"] == []


def test_a_tampered_body_or_missing_headers_are_refused(sim) -> None:
    headers, body = signed(placed())
    tampered = body.replace(b"DD-0000123", b"DD-0000999")
    assert httpx.post(f"{sim.url}/webhooks", content=tampered, headers=headers).status_code == 401
    unsigned = {k: v for k, v in headers.items() if k != "webhook-signature"}
    assert httpx.post(f"{sim.url}/webhooks", content=body, headers=unsigned).status_code == 401
    assert _status(sim)["webhooks"]["bad_signatures"] == 2
    assert _status(sim)["orders"] == []


def test_a_duplicate_webhook_id_is_answered_alike_and_applied_once(sim) -> None:
    first = post_webhook(sim, placed(), webhook_id="msg_dup")
    again = post_webhook(sim, placed(), webhook_id="msg_dup")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() == {"erp_number": "SO-000001"}
    status = _status(sim)
    assert status["webhooks"]["applied"] == 1
    assert status["webhooks"]["duplicates"] == 1
    assert len(status["orders"]) == 1


def test_the_same_order_under_a_new_webhook_id_keeps_its_sales_order(sim) -> None:
    post_webhook(sim, placed(), webhook_id="msg_a")
    again = post_webhook(sim, placed(), webhook_id="msg_b")

    assert again.json() == {"erp_number": "SO-000001"}
    assert len(_status(sim)["orders"]) == 1


def test_down_answers_503_until_up_and_then_applies(sim) -> None:
    assert httpx.post(f"{sim.url}/control/down").json()["up"] is False

    refused = post_webhook(sim, placed(), webhook_id="msg_while_down")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert _status(sim)["up"] is False

    assert httpx.post(f"{sim.url}/control/up").json() == {"up": True}
    retried = post_webhook(sim, placed(), webhook_id="msg_while_down")

    assert retried.status_code == 200
    status = _status(sim)
    assert status["up"] is True
    assert status["webhooks"]["refused_while_down"] == 1
    assert status["webhooks"]["applied"] == 1
    assert status["webhooks"]["duplicates"] == 0  # the refused attempt applied nothing


def test_down_for_some_seconds_comes_back_by_itself(sim, clock: Clock) -> None:
    response = httpx.post(f"{sim.url}/control/down", json={"seconds": 30})
    assert response.json() == {"up": False, "seconds": 30}
    assert _status(sim)["down_until"] is not None

    clock.advance(29)
    assert post_webhook(sim, placed()).status_code == 503
    clock.advance(2)
    assert post_webhook(sim, placed()).status_code == 200


def test_control_down_refuses_nonsense_seconds(sim) -> None:
    for body in (b'{"seconds": -1}', b'{"seconds": "soon"}', b"not json"):
        response = httpx.post(f"{sim.url}/control/down", content=body)
        assert response.status_code == 400, body
    assert _status(sim)["up"] is True


def test_an_order_without_lines_is_refused_with_the_field(sim) -> None:
    event = placed()
    event["data"]["lines"] = []
    response = post_webhook(sim, event)

    assert response.status_code == 422
    assert "data.lines" in response.json()["error"]
    event = placed()
    event["data"]["lines"][0]["quantity"] = "three"
    response = post_webhook(sim, event, webhook_id="msg_2")
    assert response.status_code == 422
    assert "data.lines[0].quantity" in response.json()["error"]
    assert _status(sim)["webhooks"]["rejected"] == 2


def test_a_signed_body_that_is_not_json_is_refused_as_such(sim) -> None:
    now = dt.datetime.now(tz=dt.UTC)
    body = "not json {"
    headers = {
        "webhook-id": "msg_junk",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign("msg_junk", now, body),
    }
    response = httpx.post(f"{sim.url}/webhooks", content=body, headers=headers)

    assert response.status_code == 422
    assert "not JSON" in response.json()["error"]
    assert _status(sim)["webhooks"]["bad_signatures"] == 0


def test_a_cancelled_order_stops_and_other_events_are_acknowledged(sim) -> None:
    post_webhook(sim, placed())
    cancelled = {"type": "order.cancelled", "data": {"number": "DD-0000123", "reason": "twice"}}
    assert post_webhook(sim, cancelled, webhook_id="msg_2").status_code == 200
    other = {"type": "company.approved", "data": {"id": 4}}
    assert post_webhook(sim, other, webhook_id="msg_3").json() == {"ignored": "company.approved"}

    status = _status(sim)
    assert status["orders"][0]["stage"] == "cancelled"
    assert status["webhooks"]["ignored"] == 1


def test_a_changed_order_takes_its_new_lines_until_it_is_invoiced(sim) -> None:
    post_webhook(sim, placed())
    changed = placed()
    changed["type"] = "order.changed"
    changed["data"]["lines"] = changed["data"]["lines"][:1]
    changed["data"]["totals"] = {"net": "360.00", "vat": "68.40", "gross": "428.40"}

    response = post_webhook(sim, changed, webhook_id="msg_2")

    assert response.json() == {"erp_number": "SO-000001"}
    [order] = _status(sim)["orders"]
    assert order["lines"] == 1
    assert order["totals"]["gross"] == "428.40"


def test_unknown_paths_answer_404_as_json(sim) -> None:
    response = httpx.get(f"{sim.url}/nothing")
    assert response.status_code == 404
    assert json.loads(response.content)["error"]
