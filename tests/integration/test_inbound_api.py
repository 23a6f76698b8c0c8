"""The ERP's inbound sync API: envelope, idempotency, refusals and per-row results."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from dealerdesk.core.models import AuditEntry
from dealerdesk.integration.choices import InboundStatus
from dealerdesk.integration.inbound.feeds import FEEDS
from dealerdesk.integration.models import InboundMessage
from dealerdesk.pricing.models import Price

NDJSON = "application/x-ndjson"


@pytest.fixture
def catalog(shop, world):  # type: ignore[no-untyped-def]
    """Product A known to the ERP as P-A; the base price type W (EUR) holds 120 for it."""
    world.product_a.external_id = "P-A"
    world.product_a.save()
    return shop


def price(amount: str, version: int, **extra: Any) -> dict[str, Any]:
    return {"product": "P-A", "price_type": "W", "amount": amount, "erp_version": version} | extra


def send(machine: Any, rows: list[Any], key: str = "m-1", feed: str = "prices", **extra: Any):  # type: ignore[no-untyped-def]
    return machine.post(f"/api/v1/sync/{feed}", {"rows": rows}, HTTP_IDEMPOTENCY_KEY=key, **extra)


def amount_of_a(catalog: Any) -> Decimal:
    return Price.objects.get(
        price_type=catalog.base, product__external_id="P-A", valid_from__isnull=True
    ).amount


def test_a_small_batch_is_applied_and_answered_row_by_row(erp, catalog, world):  # type: ignore[no-untyped-def]
    response = send(
        erp,
        [
            price("99.5", 1),
            {"sku": "CAB-002", "price_type": "W", "amount": "80", "erp_version": 1},
            price("10", 1, valid_from="2027-01-01", valid_to="2027-01-31"),
        ],
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done"
    assert (body["total"], body["applied"], body["unchanged"], body["rejected"]) == (3, 2, 1, 0)
    assert [(row["row"], row["status"], row["outcome"]) for row in body["rows"]] == [
        (0, "applied", "updated"),
        (1, "unchanged", "unchanged"),
        (2, "applied", "created"),
    ]
    assert amount_of_a(catalog) == Decimal("99.5")
    assert Price.objects.filter(product=world.product_a).count() == 2
    # One entry for the chunk, with its counts; the unchanged row is not counted.
    audit = AuditEntry.objects.filter(object_type="pricing.price")
    assert [
        (entry.action, entry.object_id, entry.object_repr, entry.before, entry.after, entry.source)
        for entry in audit
    ] == [("update", "", "2 prices", None, {"created": 1, "updated": 1}, "ERP message m-1")]


def test_the_same_message_twice_is_applied_once_and_answered_the_same(erp, catalog):  # type: ignore[no-untyped-def]
    first = send(erp, [price("99", 1)])
    again = send(erp, [price("99", 1)])

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert InboundMessage.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="pricing.price").count() == 1


def test_the_same_message_id_with_another_body_is_a_conflict(erp, catalog):  # type: ignore[no-untyped-def]
    send(erp, [price("99", 1)])

    response = send(erp, [price("98", 2)])

    assert response.status_code == 409
    assert response.json()["code"] == "message_id_reused"
    assert amount_of_a(catalog) == Decimal("99")


def test_two_clients_may_use_the_same_message_id(erp, machine_for, catalog):  # type: ignore[no-untyped-def]
    other = machine_for("prices:write")

    assert send(erp, [price("99", 1)]).status_code == 200
    assert send(other, [price("98", 2)]).status_code == 200
    assert amount_of_a(catalog) == Decimal("98")


@pytest.mark.parametrize(
    ("key", "code"),
    [
        (None, "idempotency_key_missing"),
        ("x" * 101, "idempotency_key_invalid"),
        ("naïve", "idempotency_key_invalid"),
    ],
)
def test_a_missing_or_odd_message_id_is_refused(erp, catalog, key, code):  # type: ignore[no-untyped-def]
    extra = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    response = erp.post("/api/v1/sync/prices", {"rows": [price("1", 1)]}, **extra)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert amount_of_a(catalog) == Decimal("120")
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("content_type", ["text/csv", "application/json; charset=latin-1", ""])
def test_another_content_type_is_refused(erp, catalog, content_type):  # type: ignore[no-untyped-def]
    response = erp.post(
        "/api/v1/sync/prices",
        json.dumps({"rows": [price("1", 1)]}),
        content_type=content_type,
        HTTP_IDEMPOTENCY_KEY="m-1",
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert amount_of_a(catalog) == Decimal("120")


def test_a_body_over_the_limit_is_refused_and_not_kept(erp, catalog, settings):  # type: ignore[no-untyped-def]
    settings.DEALERDESK_INBOUND_MAX_BYTES = 200

    response = send(erp, [price("1", version) for version in range(1, 10)])

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not InboundMessage.objects.exists()


def test_a_body_larger_than_djangos_upload_limit_is_read_as_a_stream(erp, catalog, settings):  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    rows = [price("7", 1, valid_from=f"2027-01-{day:02d}") for day in range(1, 29)]

    response = send(erp, rows)

    assert response.status_code == 200, response.content
    assert response.json()["applied"] == 28


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json at all", 400, "malformed_json"),
        (b'{"rows": [{"product": "P-A"', 400, "malformed_json"),
        (b'{"data": []}', 422, "rows_missing"),
        (b'{"rows": {"product": "P-A"}}', 422, "rows_not_array"),
        (b'[{"product": "P-A"}]', 422, "not_an_object"),
        (
            b'{"rows": [{"product": "P-A", "price_type": "W", "amount": "1", '
            b'"erp_version": 9}, 3]}',
            422,
            "row_not_object",
        ),
        (b'{"rows": [], "rows": []}', 422, "unexpected_key"),
        (b"\xff\xfe junk", 400, "malformed_json"),
    ],
)
def test_a_malformed_document_is_refused_and_nothing_applied(erp, catalog, body, status, code):  # type: ignore[no-untyped-def]
    response = erp.post(
        "/api/v1/sync/prices", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="m-1"
    )

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert amount_of_a(catalog) == Decimal("120")
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.FAILED
    assert message.error


def test_ten_megabytes_of_junk_are_refused(erp, catalog):  # type: ignore[no-untyped-def]
    junk = b'{"rows": [' + b"\x00junk" * (2 * 1024 * 1024)

    response = erp.post(
        "/api/v1/sync/prices", junk, content_type="application/json", HTTP_IDEMPOTENCY_KEY="m-1"
    )

    assert response.status_code == 400
    assert len(response.content) < 2000
    assert amount_of_a(catalog) == Decimal("120")


def test_a_row_that_is_no_object_in_ndjson_names_its_line(erp, catalog):  # type: ignore[no-untyped-def]
    body = json.dumps(price("5", 3)) + "\n[1, 2]\n"

    response = erp.post(
        "/api/v1/sync/prices", body, content_type=NDJSON, HTTP_IDEMPOTENCY_KEY="m-1"
    )

    assert response.status_code == 422
    assert response.json()["message"] == "Line 2 (row 1) is not a JSON object."
    assert amount_of_a(catalog) == Decimal("120")


def test_ndjson_rows_are_applied(erp, catalog):  # type: ignore[no-untyped-def]
    body = "\n".join(json.dumps(row) for row in [price("5", 3), price("6", 2)]) + "\n\n"

    response = erp.post(
        "/api/v1/sync/prices", body, content_type=NDJSON, HTTP_IDEMPOTENCY_KEY="m-1"
    )

    assert response.status_code == 200, response.content
    assert [row["outcome"] for row in response.json()["rows"]] == ["updated", "stale"]
    assert amount_of_a(catalog) == Decimal("5")


def test_bad_rows_are_rejected_with_row_and_field_and_the_good_ones_applied(erp, catalog):  # type: ignore[no-untyped-def]
    rows = [
        price("abc", 1),
        {"product": "P-A", "price_type": "W", "amount": "1"},
        price("1", 1, product="P-NONE"),
        price("1", 1, price_type="NOPE"),
        price("-1", 1),
        price("1", 1, currency="USD"),
        price("1", 1, valid_from="2027-02-01", valid_to="2027-01-01"),
        {"price_type": "W", "amount": "1", "erp_version": 1},
        price("1", 1, colour="red"),
        price("12345678901", 1),
        price("1.23456", 1),
        price("77", 5),
    ]

    response = send(erp, rows)

    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["rejected"]) == (1, 11)
    assert [(row["row"], row.get("field"), row.get("code")) for row in body["rows"]] == [
        (0, "amount", "decimal_parsing"),
        (1, "erp_version", "missing_stamp"),
        (2, "product", "unknown_product"),
        (3, "price_type", "unknown_price_type"),
        (4, "amount", "negative_amount"),
        (5, "currency", "currency_mismatch"),
        (6, "valid_to", "invalid_validity"),
        (7, "product", "missing_product"),
        (8, "colour", "extra_forbidden"),
        (9, "amount", "amount_too_large"),
        (10, "amount", "amount_too_precise"),
        (11, None, None),
    ]
    assert all(row["message"] for row in body["rows"][:11])
    assert amount_of_a(catalog) == Decimal("77")


def test_a_stale_row_after_a_newer_one_changes_nothing(erp, catalog):  # type: ignore[no-untyped-def]
    send(erp, [price("50", 7)], key="m-1")

    response = send(erp, [price("40", 6)], key="m-2")

    row = response.json()["rows"][0]
    assert (row["status"], row["outcome"], row["code"]) == ("unchanged", "stale", "stale")
    assert amount_of_a(catalog) == Decimal("50")


def test_change_times_order_rows_without_a_sequence(erp, catalog):  # type: ignore[no-untyped-def]
    newer = {"erp_changed_at": "2026-12-01T10:00:00+01:00"}
    older = {"erp_changed_at": "2026-12-01T08:59:59Z"}
    base = {"product": "P-A", "price_type": "W"}
    send(erp, [base | {"amount": "50"} | newer], key="m-1")

    response = send(erp, [base | {"amount": "40"} | older], key="m-2")

    assert response.json()["rows"][0]["outcome"] == "stale"
    message = InboundMessage.objects.get(message_id="m-1")
    assert message.latest_change_at.isoformat() == "2026-12-01T09:00:00+00:00"


def test_a_naive_change_time_is_rejected(erp, catalog):  # type: ignore[no-untyped-def]
    response = send(
        erp,
        [
            {
                "product": "P-A",
                "price_type": "W",
                "amount": "5",
                "erp_changed_at": "2026-12-01T10:00:00",
            }
        ],
    )

    row = response.json()["rows"][0]
    assert (row["field"], row["code"]) == ("erp_changed_at", "timezone_aware")


@pytest.mark.parametrize(
    ("feed", "row", "field"),
    [
        ("prices", price("5", 1, product="P-\x00A"), "product"),
        (
            "customer-prices",
            {
                "external_id": "CP\x00",
                "company": "C",
                "currency": "EUR",
                "amount": "1",
                "product": "P-A",
                "erp_version": 1,
            },
            "external_id",
        ),
        (
            "stock-deltas",
            {"product": "P-A", "warehouse": "C\x00", "delta": "1", "erp_version": 1},
            "warehouse",
        ),
        ("prices", {**price("5", 1), "x\x00": 1}, None),
    ],
)
def test_text_no_database_stores_is_a_row_rejection_not_a_failure(erp, catalog, feed, row, field):  # type: ignore[no-untyped-def]
    response = send(erp, [row, price("7", 2)], feed=feed)

    assert response.status_code == 200
    body = response.json()
    rejected = body["rows"][0]
    assert rejected["status"] == "rejected"
    assert rejected["code"] in {"unstorable_text", "extra_forbidden"}
    if field is not None:
        assert field in rejected["message"]
    assert "\x00" not in response.content.decode()


def test_a_lone_surrogate_makes_the_document_unreadable_not_a_failure(erp, catalog):  # type: ignore[no-untyped-def]
    response = send(erp, [price("5", 1, sku="\udc60")])

    assert response.status_code == 400
    assert response.json()["code"]
    assert amount_of_a(catalog) == Decimal("120")


def test_change_times_with_any_iso_offset_are_applied_in_utc(erp, catalog):  # type: ignore[no-untyped-def]
    base = {"product": "P-A", "price_type": "W", "amount": "61"}

    response = send(
        erp,
        [
            base | {"erp_changed_at": "2026-12-01T10:00:00+17:52"},
            base | {"erp_changed_at": "0001-01-01T01:00:00+17:52", "valid_from": "2027-01-01"},
        ],
    )

    assert response.status_code == 200
    first, second = response.json()["rows"]
    assert (first["status"], second["code"]) == ("applied", "datetime_out_of_range")
    held = Price.objects.get(
        price_type=catalog.base, product__external_id="P-A", valid_from__isnull=True
    )
    assert held.erp_changed_at.isoformat() == "2026-11-30T16:08:00+00:00"


def test_an_atomic_batch_with_one_bad_row_applies_none(erp, catalog):  # type: ignore[no-untyped-def]
    rows = [price("55", 2), price("1", 2, product="P-NONE"), price("9", 2, valid_from="2027-01-01")]

    response = erp.post(
        "/api/v1/sync/prices?atomic=true",
        {"rows": rows},
        HTTP_IDEMPOTENCY_KEY="m-1",
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["atomic"], body["applied"], body["rejected"]) == (True, 0, 3)
    assert [(row["status"], row["code"]) for row in body["rows"]] == [
        ("rejected", "atomic_batch_rejected"),
        ("rejected", "unknown_product"),
        ("rejected", "atomic_batch_rejected"),
    ]
    assert amount_of_a(catalog) == Decimal("120")
    assert Price.objects.filter(valid_from__isnull=False).count() == 0
    assert not AuditEntry.objects.filter(object_type="pricing.price").exists()


def test_an_atomic_batch_of_good_rows_applies_all(erp, catalog):  # type: ignore[no-untyped-def]
    response = erp.post(
        "/api/v1/sync/prices?atomic=true",
        {"rows": [price("55", 2), price("9", 2, valid_from="2027-01-01")]},
        HTTP_IDEMPOTENCY_KEY="m-1",
    )

    assert response.json()["applied"] == 2
    assert amount_of_a(catalog) == Decimal("55")


def test_a_large_batch_becomes_an_import_job(  # type: ignore[no-untyped-def]
    erp, catalog, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from dealerdesk.integration.inbound import process

    settings.DEALERDESK_INBOUND_SYNC_ROWS = 5
    monkeypatch.setitem(FEEDS, "prices", replace(FEEDS["prices"], chunk_rows=4))
    monkeypatch.setattr(process, "FULL_RESULT_ROWS", 5)
    rows = [price("3", 1, valid_from=f"2027-03-{day:02d}") for day in range(1, 11)]
    rows[6] = price("3", 1, product="P-NONE")

    with django_capture_on_commit_callbacks(execute=True):
        response = send(erp, rows, key="big/1")

    assert response.status_code == 202
    assert response["Location"] == "/api/v1/sync/messages/big/1"
    assert response.json()["status"] == "queued"
    job = erp.get(response["Location"])
    assert job.status_code == 200
    body = job.json()
    assert (body["status"], body["total"], body["rows_done"]) == ("done", 10, 10)
    assert (body["applied"], body["rejected"]) == (9, 1)
    # A large batch lists only the rows not applied.
    assert [(row["row"], row["code"]) for row in body["rows"]] == [(6, "unknown_product")]
    assert Price.objects.filter(valid_from__month=3).count() == 9


def test_a_large_batch_sent_again_is_answered_with_its_job(  # type: ignore[no-untyped-def]
    erp, catalog, settings, django_capture_on_commit_callbacks
):
    settings.DEALERDESK_INBOUND_SYNC_ROWS = 1
    rows = [price("3", 1), price("4", 2)]
    with django_capture_on_commit_callbacks(execute=True):
        send(erp, rows)

    again = send(erp, rows)

    assert again.status_code == 200
    assert again.json()["applied"] == 2
    assert InboundMessage.objects.count() == 1


def test_a_client_without_the_scope_is_refused(machine_for, catalog):  # type: ignore[no-untyped-def]
    reader = machine_for("stock:write")

    response = send(reader, [price("1", 1)])

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert not InboundMessage.objects.exists()


def test_without_credentials_the_answer_is_401(client, catalog):  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/sync/prices",
        {"rows": [price("1", 1)]},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="m-1",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_client_reads_only_its_own_messages(erp, machine_for, catalog):  # type: ignore[no-untyped-def]
    send(erp, [price("1", 1)], key="mine")
    other = machine_for("sync:read")

    assert erp.get("/api/v1/sync/messages/mine").status_code == 200
    response = other.get("/api/v1/sync/messages/mine")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_failed_message_sent_again_is_taken_again(erp, catalog, monkeypatch):  # type: ignore[no-untyped-def]
    from dealerdesk.integration.inbound import feeds

    def broken(rows, source, reference):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    # Without the fast lane, so that the rows reach the broken service on every database.
    monkeypatch.setitem(
        feeds.FEEDS, "prices", replace(feeds.FEEDS["prices"], apply=broken, lane=None)
    )
    first = send(erp, [price("33", 4)])
    monkeypatch.undo()

    again = send(erp, [price("33", 4)])

    assert first.status_code == 503
    assert "disk full" in first.json()["message"]
    assert again.status_code == 200
    assert amount_of_a(catalog) == Decimal("33")


def test_the_openapi_documents_each_feed_with_its_row_schema(erp):  # type: ignore[no-untyped-def]
    schema = erp.http.get("/api/v1/openapi.json").json()

    operation = schema["paths"]["/api/v1/sync/prices"]["post"]
    content = operation["requestBody"]["content"]
    row = content["application/json"]["schema"]["properties"]["rows"]["items"]
    assert {"product", "sku", "price_type", "amount", "erp_version"} <= set(row["properties"])
    assert content[NDJSON]["schema"] == row
    assert {"202", "409", "413", "415"} <= set(operation["responses"])
    parameters = {parameter["name"]: parameter["in"] for parameter in operation["parameters"]}
    assert parameters == {"Idempotency-Key": "header", "atomic": "query"}
    assert "/api/v1/sync/customer-prices" in schema["paths"]


def test_the_rows_listed_are_capped_and_the_rest_counted(  # type: ignore[no-untyped-def]
    erp, catalog, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from dealerdesk.integration.inbound import process

    settings.DEALERDESK_INBOUND_SYNC_ROWS = 2
    monkeypatch.setattr(process, "FULL_RESULT_ROWS", 2)
    monkeypatch.setattr(process, "RESULT_ROWS_CAP", 3)
    rows = [price("1", 1, product=f"P-NONE-{n}") for n in range(5)] + [price("8", 1)]

    with django_capture_on_commit_callbacks(execute=True):
        response = send(erp, rows)

    body = erp.get(response["Location"]).json()
    assert (body["applied"], body["rejected"], body["rows_left_out"]) == (1, 5, 2)
    assert [row["row"] for row in body["rows"]] == [0, 1, 2]


@pytest.mark.parametrize("content_type", ["application/json", NDJSON])
def test_a_deeply_nested_document_is_refused_before_it_is_read(erp, catalog, content_type):  # type: ignore[no-untyped-def]
    row = b'{"product": "P-A", "price_type": "W", "erp_version": 1, "amount": '
    row += b"[" * 50_000 + b"]" * 50_000 + b"}"
    body = row if content_type == NDJSON else b'{"rows": [' + row + b"]}"

    response = erp.post(
        "/api/v1/sync/prices", body, content_type=content_type, HTTP_IDEMPOTENCY_KEY="deep"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "too_deep"
    assert amount_of_a(catalog) == Decimal("120")


def test_an_import_whose_process_died_is_queued_again_and_applied(erp, catalog, settings):  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    from dealerdesk.integration.choices import InboundStatus
    from dealerdesk.integration.inbound.process import requeue_stalled
    from dealerdesk.integration.models import InboundMessage

    send(erp, [price("55", 1)], key="died")
    message = InboundMessage.objects.get(message_id="died")
    long_ago = timezone.now() - dt.timedelta(seconds=settings.DEALERDESK_IMPORT_STALL_SECONDS + 1)
    # as a process that died after taking it would leave it
    InboundMessage.objects.filter(pk=message.pk).update(
        status=InboundStatus.PROCESSING, progress_at=long_ago, finished_at=None
    )
    running = InboundMessage.objects.create(
        client=erp.client, message_id="running", feed="prices", category="prices",
        status=InboundStatus.PROCESSING, content_type=message.content_type, body=message.body,
        body_sha256=message.body_sha256, progress_at=timezone.now(),
    )  # fmt: skip

    assert requeue_stalled() == 1

    message.refresh_from_db()
    running.refresh_from_db()
    assert message.status == InboundStatus.DONE
    assert amount_of_a(catalog) == Decimal("55")
    assert running.status == InboundStatus.PROCESSING  # still getting further: left alone
