"""Companies and credit from the ERP: keyed by ERP id, in ERP order, audited, never deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import StockDisplayPolicy
from dealerdesk.accounts.models import Company
from dealerdesk.accounts.sync import (
    DEACTIVATED_REASON,
    CompanyChange,
    CreditChange,
    set_credit,
    upsert_companies,
)
from dealerdesk.core.models import AuditEntry
from dealerdesk.core.sync import ErpStamp, Outcome
from tests import factories as f

pytestmark = pytest.mark.django_db

SOURCE = "ERP message m-1"


def company(version: int = 1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("external_id", "CP-1")
    kw.setdefault("name", "Delta Electric")
    return CompanyChange(stamp=ErpStamp(version), **kw)


def test_a_new_company_is_created_with_its_references_and_audited() -> None:
    group = f.CustomerGroupFactory(code="WHOLESALE")
    region = f.RegionFactory(code="NORTH")

    [result] = upsert_companies(
        [
            company(
                legal_name="Delta Electric LLC",
                tax_id="7701234567",
                email="orders@delta.test",
                customer_group="WHOLESALE",
                region="NORTH",
                stock_display_policy=StockDisplayPolicy.BANDED,
                credit_limit=Decimal("50000.00"),
                balance=Decimal("1200.50"),
            )
        ],
        source=SOURCE,
    )

    assert result.outcome == Outcome.CREATED
    stored = Company.objects.get(external_id="CP-1")
    assert (stored.name, stored.customer_group, stored.region) == ("Delta Electric", group, region)
    assert stored.credit_limit == Decimal("50000.00")
    assert stored.stock_display_policy == StockDisplayPolicy.BANDED
    assert stored.erp_version == 1
    entry = AuditEntry.objects.get(object_type="accounts.company", object_id=str(stored.pk))
    assert (entry.action, entry.source, entry.company_id) == ("create", SOURCE, stored.pk)


def test_an_update_changes_what_differs_and_the_same_row_again_is_unchanged() -> None:
    upsert_companies([company(version=1)], source=SOURCE)

    [renamed] = upsert_companies([company(version=2, name="Delta Power")], source=SOURCE)
    [again] = upsert_companies([company(version=3, name="Delta Power")], source=SOURCE)

    assert (renamed.outcome, again.outcome) == (Outcome.UPDATED, Outcome.UNCHANGED)
    stored = Company.objects.get(external_id="CP-1")
    assert (stored.name, stored.erp_version) == ("Delta Power", 3)
    update = AuditEntry.objects.filter(object_id=str(stored.pk), action="update").get()
    assert update.before == {"name": "Delta Electric"}
    assert update.after == {"name": "Delta Power"}


def test_an_older_change_is_stale_and_changes_nothing() -> None:
    upsert_companies([company(version=5, name="Newest")], source=SOURCE)

    [result] = upsert_companies([company(version=4, name="Older")], source=SOURCE)

    assert (result.outcome, result.code) == (Outcome.STALE, "stale")
    assert Company.objects.get(external_id="CP-1").name == "Newest"


def test_a_later_row_of_the_same_company_in_one_batch_wins_and_an_older_one_is_stale() -> None:
    results = upsert_companies(
        [company(version=2, name="Two"), company(version=3, name="Three"), company(version=1)],
        source=SOURCE,
    )

    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.UPDATED, Outcome.STALE]
    assert Company.objects.get(external_id="CP-1").name == "Three"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"customer_group": "NOPE"}, "customer_group", "unknown_customer_group"),
        ({"tier": "GOLD"}, "tier", "unknown_tier"),
        ({"region": "MARS"}, "region", "unknown_region"),
        (
            {"stock_display_policy": "sometimes"},
            "stock_display_policy",
            "invalid_stock_display_policy",
        ),
        ({"credit_currency": "XXQ"}, "credit_currency", "invalid_currency"),
        ({"credit_limit": Decimal("-1")}, "credit_limit", "min_value"),
        ({"email": "not-an-address"}, "email", "invalid_email"),
        ({"name": "x" * 201}, "name", "max_length"),
    ],
)
def test_a_bad_row_is_rejected_with_its_field_and_code(change, field, code) -> None:  # type: ignore[no-untyped-def]
    [result] = upsert_companies([company(**change)], source=SOURCE)

    assert (result.outcome, result.field, result.code) == (Outcome.REJECTED, field, code)
    assert result.message
    assert not Company.objects.filter(external_id="CP-1").exists()


def test_a_rejected_update_leaves_the_stored_company_as_it_was_for_later_rows() -> None:
    upsert_companies([company(version=1, email="a@delta.test")], source=SOURCE)

    results = upsert_companies(
        [
            company(version=2, email="broken", name="Bad"),
            company(version=3, phone="+100", sent=frozenset({"phone"})),
        ],
        source=SOURCE,
    )

    assert [r.outcome for r in results] == [Outcome.REJECTED, Outcome.UPDATED]
    stored = Company.objects.get(external_id="CP-1")
    assert (stored.name, stored.email, stored.phone) == ("Delta Electric", "a@delta.test", "+100")


def test_deactivation_blocks_the_company_keeps_its_history_and_reactivation_lifts_it() -> None:
    upsert_companies([company(version=1)], source=SOURCE)
    dealer = Company.objects.get(external_id="CP-1")
    member = f.MembershipFactory(company=dealer)

    [off] = upsert_companies([company(version=2, active=False)], source=SOURCE)
    dealer.refresh_from_db()
    assert off.outcome == Outcome.DEACTIVATED
    assert (dealer.is_blocked, dealer.blocked_reason) == (True, DEACTIVATED_REASON)
    assert member.__class__.objects.filter(pk=member.pk).exists()

    [on] = upsert_companies([company(version=3, active=True)], source=SOURCE)
    dealer.refresh_from_db()
    assert on.outcome == Outcome.UPDATED
    assert (dealer.is_blocked, dealer.blocked_reason) == (False, "")


def test_an_active_row_never_lifts_a_block_staff_imposed() -> None:
    f.CompanyFactory(external_id="CP-1", is_blocked=True, blocked_reason="Unpaid invoices")

    upsert_companies([company(version=9, active=True)], source=SOURCE)

    assert Company.objects.get(external_id="CP-1").blocked_reason == "Unpaid invoices"


def test_a_row_changes_only_the_fields_it_states() -> None:
    upsert_companies(
        [company(version=1, phone="+1", credit_limit=Decimal(100), active=False)], source=SOURCE
    )

    [result] = upsert_companies(
        [company(version=2, name="Renamed", sent=frozenset({"name"}))], source=SOURCE
    )

    stored = Company.objects.get(external_id="CP-1")
    assert result.outcome == Outcome.UPDATED
    assert (stored.name, stored.phone, stored.credit_limit) == ("Renamed", "+1", Decimal(100))
    assert stored.is_blocked


def test_a_new_company_needs_a_name_and_the_reads_do_not_grow_with_the_batch(
    django_assert_max_num_queries,
) -> None:  # type: ignore[no-untyped-def]
    f.CustomerGroupFactory(code="WHOLESALE")
    [nameless] = upsert_companies([company(name=None, sent=frozenset({"active"}))], source=SOURCE)
    assert (nameless.outcome, nameless.field, nameless.code) == (
        Outcome.REJECTED,
        "name",
        "required",
    )

    rows = [
        company(external_id=f"CP-{n}", name=f"Dealer {n}", customer_group="WHOLESALE")
        for n in range(30)
    ]
    # Per row: the insert and its audit entry; the reads are one per kind of reference.
    with django_assert_max_num_queries(2 * len(rows) + 8):
        results = upsert_companies(rows, source=SOURCE)

    assert {r.outcome for r in results} == {Outcome.CREATED}


def credit(version: int = 2, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("company", "CP-1")
    kw.setdefault("credit_limit", Decimal("1000.00"))
    kw.setdefault("balance", Decimal("250.00"))
    kw.setdefault("currency", "EUR")
    return CreditChange(stamp=ErpStamp(version), **kw)


def test_credit_sets_limit_and_balance_guarded_by_the_company_stamp() -> None:
    upsert_companies([company(version=5)], source=SOURCE)

    results = set_credit(
        [
            credit(version=4, balance=Decimal(1)),
            credit(version=6),
            credit(version=7),
            credit(version=8, credit_limit=None, currency="USD"),
            credit(company="CP-404"),
            credit(version=9, currency="ABC"),
        ],
        source=SOURCE,
    )

    assert [r.outcome for r in results] == [
        Outcome.STALE,
        Outcome.UPDATED,
        Outcome.UNCHANGED,
        Outcome.UPDATED,
        Outcome.REJECTED,
        Outcome.REJECTED,
    ]
    assert (results[4].field, results[4].code) == ("company", "unknown_company")
    assert (results[5].field, results[5].code) == ("currency", "invalid_currency")
    stored = Company.objects.get(external_id="CP-1")
    assert (stored.credit_limit, stored.balance, stored.credit_currency) == (
        None,
        Decimal("250.00"),
        "USD",
    )
    assert stored.erp_version == 8
    audit = AuditEntry.objects.filter(object_id=str(stored.pk), action="update").first()
    assert audit is not None
    assert audit.after == {"credit_limit": None, "credit_currency": "USD"}
