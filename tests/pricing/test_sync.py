"""Set-based price upserts from the ERP: classification, ordering, audit, concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealerdesk.core.models import AuditEntry
from dealerdesk.core.sync import ErpStamp, Outcome
from dealerdesk.pricing.models import Contract, CustomerPrice, Price, PriceType
from dealerdesk.pricing.sync import (
    CustomerPriceChange,
    PriceChange,
    upsert_customer_prices,
    upsert_prices,
)
from tests import factories as f


def change(amount: str, version: int | None = None, **extra: object) -> PriceChange:
    values: dict[str, object] = {
        "sku": "CAB-001",
        "price_type": "W",
        "amount": Decimal(amount),
        "stamp": ErpStamp(version),
    }
    return PriceChange(**(values | extra))  # type: ignore[arg-type]


def outcomes(results: list) -> list[str]:  # type: ignore[type-arg]
    return [str(result.outcome) for result in results]


def summaries(object_type: str = "pricing.price") -> list[tuple[str, object, str]]:
    """The audit entries of the price feed, oldest first, as (object_repr, after, source):
    one per chunk that created or updated prices, with its counts, never one per price."""
    entries = AuditEntry.objects.filter(object_type=object_type).order_by("id")
    for entry in entries:
        assert (entry.action, entry.verb, entry.object_id) == ("update", "synced from the ERP", "")
        assert (entry.actor_id, entry.actor_repr, entry.before, entry.company_id) == (
            None,
            "system",
            None,
            None,
        )
    return [(entry.object_repr, entry.after, entry.source) for entry in entries]


def test_prices_are_created_updated_and_left_alone_by_their_natural_key(shop, world):  # type: ignore[no-untyped-def]
    results = upsert_prices(
        [
            change("120", 1),  # what the shop already holds
            change("130", 1, sku="CAB-002"),
            change("9", 1, valid_from=dt.date(2027, 1, 1)),
        ],
        source="test",
    )

    assert outcomes(results) == ["unchanged", "updated", "created"]
    assert [result.index for result in results] == [0, 1, 2]
    assert Price.objects.get(product=world.product_a_child).amount == Decimal("130")
    assert Price.objects.filter(product=world.product_a).count() == 2
    held = Price.objects.get(product=world.product_a, valid_from__isnull=True)
    assert (held.amount, held.erp_version) == (Decimal("120"), 1)


def test_an_older_change_is_stale_even_after_an_unchanged_newer_one(shop):  # type: ignore[no-untyped-def]
    upsert_prices([change("120", 5)], source="test")  # same amount, newer sequence

    results = upsert_prices([change("99", 4)], source="test")

    assert outcomes(results) == ["stale"]
    assert results[0].code == "stale"
    held = Price.objects.get(product__sku="CAB-001")
    assert (held.amount, held.erp_version) == (Decimal("120"), 5)


def test_a_stale_change_names_the_held_sequence_even_when_it_is_zero(shop):  # type: ignore[no-untyped-def]
    upsert_prices([change("120", 0)], source="test")

    results = upsert_prices([change("99", 0)], source="test")

    assert outcomes(results) == ["stale"]
    assert results[0].message == "Older than the change already applied (0); ignored."


def test_several_changes_of_one_price_in_a_batch_apply_in_order(shop, world):  # type: ignore[no-untyped-def]
    new_day = dt.date(2027, 5, 1)

    results = upsert_prices(
        [
            change("10", 3, valid_from=new_day),
            change("11", 4, valid_from=new_day),
            change("9", 2, valid_from=new_day),
        ],
        source="test",
    )

    assert outcomes(results) == ["created", "created", "stale"]
    price = Price.objects.get(product=world.product_a, valid_from=new_day)
    assert (price.amount, price.erp_version) == (Decimal("11"), 4)


def test_a_price_without_start_date_is_matched_not_duplicated(shop, world):  # type: ignore[no-untyped-def]
    for version in (1, 2, 3):
        upsert_prices([change(str(100 + version), version, sku="TOOL-001")], source="test")

    prices = Price.objects.filter(product=world.product_b)
    assert [(price.amount, price.erp_version) for price in prices] == [(Decimal("103"), 3)]


def test_rows_are_rejected_with_field_and_code(shop):  # type: ignore[no-untyped-def]
    PriceType.objects.create(code="USD", name="Wholesale USD", currency="USD")

    results = upsert_prices(
        [
            change("1", 1, sku="NOPE"),
            change("1", 1, sku=None, product="ERP-NOPE"),
            change("1", 1, price_type="X"),
            change("-0.01", 1),
            change("10000000000", 1),
            change("1.00001", 1),
            change("1", 1, valid_from=dt.date(2027, 2, 2), valid_to=dt.date(2027, 2, 1)),
            change("1", 1, price_type="USD", currency="EUR"),
        ],
        source="test",
    )

    assert [(r.outcome, r.field, r.code) for r in results] == [
        (Outcome.REJECTED, "sku", "unknown_product"),
        (Outcome.REJECTED, "product", "unknown_product"),
        (Outcome.REJECTED, "price_type", "unknown_price_type"),
        (Outcome.REJECTED, "amount", "negative_amount"),
        (Outcome.REJECTED, "amount", "amount_too_large"),
        (Outcome.REJECTED, "amount", "amount_too_precise"),
        (Outcome.REJECTED, "valid_to", "invalid_validity"),
        (Outcome.REJECTED, "currency", "currency_mismatch"),
    ]
    assert all(result.message for result in results)
    assert Price.objects.count() == 2


def test_a_chunk_is_audited_once_with_its_counts_and_source(shop, world):  # type: ignore[no-untyped-def]
    results = upsert_prices(
        [
            change("125.5", 2),  # updated
            change("80", 2, sku="CAB-002"),  # the same amount: unchanged, not a change
            change("9", 1, valid_from=dt.date(2027, 1, 1)),  # created
            change("1", 1, sku="NOPE"),  # rejected
        ],
        source="ERP message x",
    )

    assert outcomes(results) == ["updated", "unchanged", "created", "rejected"]
    assert summaries() == [("2 prices", {"created": 1, "updated": 1}, "ERP message x")]
    assert list(summaries()[0][1]) == ["created", "updated"]  # keys in order
    held = Price.objects.get(product=world.product_a, valid_from__isnull=True)
    assert (held.amount, held.erp_version) == (Decimal("125.5"), 2)
    assert not AuditEntry.objects.filter(object_id=str(held.pk)).exists()


def test_a_chunk_that_changes_no_price_leaves_no_audit_entry(shop):  # type: ignore[no-untyped-def]
    upsert_prices([change("120", 5)], source="ERP message a")  # same amount, newer stamp
    results = upsert_prices(
        [change("99", 4), change("1", 1, price_type="X")],  # stale, rejected
        source="ERP message b",
    )

    assert outcomes(results) == ["stale", "rejected"]
    assert summaries() == []


def test_several_changes_of_one_price_are_counted_in_the_chunks_entry(shop, world):  # type: ignore[no-untyped-def]
    day = dt.date(2027, 5, 1)

    upsert_prices(
        [change("10", 3, valid_from=day), change("11", 4, valid_from=day), change("12", 5)],
        source="ERP message s",
    )

    assert summaries() == [("3 prices", {"created": 2, "updated": 1}, "ERP message s")]


def test_a_long_source_is_cut_to_the_column(shop):  # type: ignore[no-untyped-def]
    source = "ERP message " + "x" * 200

    upsert_prices([change("121", 2)], source=source)

    assert summaries() == [("1 price", {"updated": 1}, source[:100])]


def test_the_number_of_queries_does_not_grow_with_the_batch(shop):  # type: ignore[no-untyped-def]
    products = f.ProductFactory.create_batch(60)

    def run(rows: list[PriceChange]) -> int:
        with CaptureQueriesContext(connection) as queries:
            upsert_prices(rows, source="test")
        return len(queries)

    small = run([change("1", 1, sku=p.sku) for p in products[:6]])
    large = run([change("1", 1, sku=p.sku) for p in products[6:]])
    updates_small = run([change("2", 2, sku=p.sku) for p in products[:6]])
    updates_large = run([change("2", 2, sku=p.sku) for p in products[6:]])

    assert small == large
    assert updates_small == updates_large
    assert Price.objects.filter(amount=2).count() == 60


def test_concurrent_imports_of_the_same_prices_never_duplicate_nor_go_back(  # type: ignore[no-untyped-def]
    transactional_db, postgres_only
):
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    products = f.ProductFactory.create_batch(40)
    errors: list[BaseException] = []

    def run(version: int) -> None:
        try:
            upsert_prices(
                [change(str(version), version, sku=p.sku) for p in products], source="test"
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(version,)) for version in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    prices = Price.objects.filter(price_type=base)
    assert prices.count() == 40
    assert set(prices.values_list("amount", "erp_version")) == {(Decimal(4), 4)}


@pytest.fixture
def agreement(shop, world):  # type: ignore[no-untyped-def]
    world.company_b.external_id = "C-B"
    world.company_b.save()
    shop.contract.external_id = "K-A"
    shop.contract.save()
    return shop


def customer(amount: str, version: int, **extra: object) -> CustomerPriceChange:
    values: dict[str, object] = {
        "external_id": "CP-1",
        "company": "ERP-CP-A",
        "sku": "CAB-001",
        "currency": "EUR",
        "amount": Decimal(amount),
        "stamp": ErpStamp(version),
    }
    return CustomerPriceChange(**(values | extra))  # type: ignore[arg-type]


def test_customer_prices_are_upserted_by_the_agreements_erp_id(agreement, world):  # type: ignore[no-untyped-def]
    company = world.company_a.external_id

    first = upsert_customer_prices([customer("90", 1, company=company)], source="test")
    second = upsert_customer_prices(
        [customer("85", 2, company=company, contract="K-A"), customer("80", 1, company=company)],
        source="test",
    )

    assert outcomes(first) == ["created"]
    assert outcomes(second) == ["updated", "stale"]
    price = CustomerPrice.objects.get(external_id="CP-1")
    assert (price.company, price.contract, price.amount) == (
        world.company_a,
        agreement.contract,
        Decimal("85"),
    )
    # A dealer's own prices keep an audit entry each, under the dealer.
    audit = AuditEntry.objects.filter(object_type="pricing.customerprice").order_by("id")
    assert [entry.company_id for entry in audit] == [world.company_a.pk] * 2
    assert audit[1].after == {"amount": "85", "contract_id": agreement.contract.pk}


def test_customer_price_rows_are_checked_against_company_and_contract(agreement, world):  # type: ignore[no-untyped-def]
    Contract.objects.create(
        company=world.company_b, name="USD terms", currency="USD", external_id="K-USD"
    )
    company = world.company_a.external_id

    results = upsert_customer_prices(
        [
            customer("1", 1, company="C-NONE"),
            customer("1", 1, company=company, contract="K-NONE"),
            customer("1", 1, company=company, contract="K-USD", currency="USD"),
            customer("1", 1, company="C-B", contract="K-USD"),
            customer("1", 1, company=company, currency="XXZ"),
            customer("1", 1, company=company, contract="K-A", currency="USD"),
        ],
        source="test",
    )

    assert [(r.field, r.code) for r in results] == [
        ("company", "unknown_company"),
        ("contract", "unknown_contract"),
        ("contract", "contract_of_other_company"),
        ("currency", "currency_mismatch"),
        ("currency", "invalid_currency"),
        ("currency", "currency_mismatch"),
    ]
    assert not CustomerPrice.objects.exists()


def test_a_new_end_date_is_applied_and_change_times_order_rows(shop, world):  # type: ignore[no-untyped-def]
    at = dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC)
    end = dt.date(2027, 6, 30)

    first = upsert_prices(
        [change("120", None, stamp=ErpStamp(None, at), valid_to=end)], source="ERP message y"
    )
    older = upsert_prices(
        [change("1", None, stamp=ErpStamp(None, at - dt.timedelta(seconds=1)))], source="z"
    )

    assert outcomes(first) == ["updated"]
    assert (outcomes(older), older[0].code) == (["stale"], "stale")
    held = Price.objects.get(product=world.product_a, valid_from__isnull=True)
    assert (held.amount, held.valid_to, held.erp_changed_at) == (Decimal("120"), end, at)
    # The stale change leaves no entry; the new end date is the first chunk's update.
    assert summaries() == [("1 price", {"updated": 1}, "ERP message y")]


def test_created_prices_are_counted_in_the_chunks_audit_entry(shop, world):  # type: ignore[no-untyped-def]
    day = dt.date(2027, 9, 1)

    results = upsert_prices(
        [change("42.50", 1, valid_from=day), change("7", 1, sku="CAB-002", valid_from=day)],
        source="ERP message c",
    )

    assert outcomes(results) == ["created", "created"]
    made = Price.objects.filter(valid_from=day).order_by("product__sku")
    assert [(price.product, price.amount, price.erp_version) for price in made] == [
        (world.product_a, Decimal("42.5"), 1),
        (world.product_a_child, Decimal("7"), 1),
    ]
    assert summaries() == [("2 prices", {"created": 2}, "ERP message c")]
