"""Price types, contracts and quantity-break tables from the ERP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dealerdesk.core.models import AuditEntry
from dealerdesk.core.sync import ErpStamp, Outcome
from dealerdesk.pricing.events import PRICING
from dealerdesk.pricing.models import Contract, Price, PriceType, QuantityBreak
from dealerdesk.pricing.queries import contracts_for
from dealerdesk.pricing.sync_terms import (
    BreakStep,
    BreakTable,
    ContractChange,
    PriceTypeChange,
    replace_quantity_breaks,
    upsert_contracts,
    upsert_price_types,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

SOURCE = "ERP message m-1"
D = Decimal


def price_type(external_id: str = "PT-1", version: int = 1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("code", "WHOLESALE")
    kw.setdefault("name", "Wholesale")
    kw.setdefault("currency", "EUR")
    return PriceTypeChange(external_id=external_id, stamp=ErpStamp(version), **kw)


def test_price_types_are_created_updated_and_guarded_by_the_stamp() -> None:
    results = upsert_price_types(
        [
            price_type(version=2),
            price_type(version=1, name="Older"),
            price_type(version=3, name="Wholesale EUR"),
            price_type(version=4, name="Wholesale EUR"),
        ],
        source=SOURCE,
    )

    assert [r.outcome for r in results] == [
        Outcome.CREATED,
        Outcome.STALE,
        Outcome.UPDATED,
        Outcome.UNCHANGED,
    ]
    stored = PriceType.objects.get(external_id="PT-1")
    assert (stored.code, stored.name, stored.erp_version) == ("WHOLESALE", "Wholesale EUR", 4)


def test_a_new_base_takes_over_from_the_old_one_of_its_currency_only() -> None:
    upsert_price_types(
        [
            price_type("PT-1", code="RETAIL", is_base=True),
            price_type("PT-USD", code="USD", currency="USD", is_base=True),
        ],
        source=SOURCE,
    )
    token = PRICING.token()

    [result] = upsert_price_types([price_type("PT-2", code="W", is_base=True)], source=SOURCE)

    assert result.outcome == Outcome.CREATED
    bases = set(PriceType.objects.filter(is_base=True).values_list("code", flat=True))
    assert bases == {"W", "USD"}
    assert PRICING.token() != token
    old = PriceType.objects.get(code="RETAIL")
    assert AuditEntry.objects.filter(object_id=str(old.pk), after={"is_base": False}).exists()


def test_a_code_of_another_price_type_and_a_bad_currency_are_rejected() -> None:
    upsert_price_types([price_type("PT-1", code="RETAIL")], source=SOURCE)

    results = upsert_price_types(
        [price_type("PT-2", code="RETAIL"), price_type("PT-3", code="X", currency="ZZZ")],
        source=SOURCE,
    )

    assert [(r.outcome, r.field, r.code) for r in results] == [
        (Outcome.REJECTED, "code", "code_taken"),
        (Outcome.REJECTED, "currency", "invalid_currency"),
    ]


def test_the_currency_of_a_price_type_with_prices_cannot_change() -> None:
    upsert_price_types([price_type()], source=SOURCE)
    Price.objects.create(
        product=f.ProductFactory(), price_type=PriceType.objects.get(), amount=D("10")
    )

    [result] = upsert_price_types([price_type(version=2, currency="USD")], source=SOURCE)

    assert (result.outcome, result.code) == (Outcome.REJECTED, "currency_in_use")
    assert PriceType.objects.get().currency == "EUR"


def contract(external_id: str = "K-1", version: int = 1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("company", "CP-1")
    kw.setdefault("name", "Deferment 30 days")
    return ContractChange(external_id=external_id, stamp=ErpStamp(version), **kw)


@pytest.fixture
def dealer():  # type: ignore[no-untyped-def]
    return f.CompanyFactory(external_id="CP-1")


def test_a_contract_is_created_with_its_price_type_and_the_new_default_unsets_the_old(
    dealer,
) -> None:  # type: ignore[no-untyped-def]
    upsert_price_types([price_type()], source=SOURCE)
    upsert_contracts([contract("K-1", is_default=True)], source=SOURCE)
    assert [c.external_id for c in contracts_for(dealer)] == ["K-1"]

    [result] = upsert_contracts(
        [
            contract(
                "K-2",
                name="Prepayment",
                price_type="WHOLESALE",
                payment_terms_days=0,
                prepayment_percent=D("100"),
                markup_percent=D("-2.5"),
                is_default=True,
                valid_from=dt.date(2026, 1, 1),
            )
        ],
        source=SOURCE,
    )

    assert result.outcome == Outcome.CREATED
    defaults = Contract.objects.filter(company=dealer, is_default=True)
    assert [c.external_id for c in defaults] == ["K-2"]
    k2 = defaults.get()
    assert (k2.price_type.code, k2.markup_percent) == ("WHOLESALE", D("-2.500"))  # type: ignore[union-attr]
    # The cached list of the dealer's contracts follows at once.
    assert [c.external_id for c in contracts_for(dealer)] == ["K-2", "K-1"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"company": "CP-404"}, "company", "unknown_company"),
        ({"price_type": "NOPE"}, "price_type", "unknown_price_type"),
        ({"vat_regime": "reverse"}, "vat_regime", "invalid_vat_regime"),
        ({"price_type": "USD"}, "price_type", "invalid_price_type"),
        ({"currency": "QQQ"}, "currency", "invalid_currency"),
        (
            {"valid_from": dt.date(2026, 5, 1), "valid_to": dt.date(2026, 4, 1)},
            "valid_to",
            "invalid_valid_to",
        ),
        ({"prepayment_percent": D("101")}, "prepayment_percent", "max_value"),
    ],
)
def test_a_bad_contract_is_rejected(dealer, change, field, code) -> None:  # type: ignore[no-untyped-def]
    upsert_price_types([price_type("PT-USD", code="USD", currency="USD")], source=SOURCE)

    [result] = upsert_contracts([contract(**change)], source=SOURCE)

    assert (result.outcome, result.field, result.code) == (Outcome.REJECTED, field, code)
    assert not Contract.objects.exists()


def test_a_contract_cannot_move_to_another_company_and_deactivation_keeps_it(dealer) -> None:  # type: ignore[no-untyped-def]
    f.CompanyFactory(external_id="CP-2")
    upsert_contracts([contract()], source=SOURCE)

    results = upsert_contracts(
        [contract(version=2, company="CP-2"), contract(version=3, active=False), contract()],
        source=SOURCE,
    )

    assert [(r.outcome, r.code) for r in results] == [
        (Outcome.REJECTED, "contract_of_other_company"),
        (Outcome.DEACTIVATED, ""),
        (Outcome.STALE, "stale"),
    ]
    stored = Contract.objects.get(external_id="K-1")
    assert (stored.company, stored.is_active) == (dealer, False)


def table(*steps: tuple[str, str], version: int = 1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("product", "P-1")
    return BreakTable(
        breaks=tuple(BreakStep(D(q), D(p)) for q, p in steps), stamp=ErpStamp(version), **kw
    )


def test_a_break_table_replaces_the_products_table_for_its_audience_only() -> None:
    product = f.ProductFactory(external_id="P-1", sku="CAB-1")
    dealer = f.CompanyFactory(external_id="CP-1")
    group = f.CustomerGroupFactory(code="WHOLESALE")
    QuantityBreak.objects.create(product=product, min_quantity=D(5), discount_percent=D(1))

    results = replace_quantity_breaks(
        [
            table(("10", "2"), ("100", "5")),
            table(("10", "3"), company="CP-1"),
            table(("50", "4"), sku="CAB-1", product=None, customer_group="WHOLESALE"),
            table(("10", "2"), ("100", "5"), version=2),
        ],
        source=SOURCE,
    )

    assert [r.outcome for r in results] == [
        Outcome.UPDATED,
        Outcome.CREATED,
        Outcome.CREATED,
        Outcome.UNCHANGED,
    ]
    rows = set(
        QuantityBreak.objects.values_list(
            "min_quantity", "discount_percent", "company_id", "customer_group_id"
        )
    )
    assert rows == {
        (D(10), D(2), None, None),
        (D(100), D(5), None, None),
        (D(10), D(3), dealer.pk, None),
        (D(50), D(4), None, group.pk),
    }
    entry = AuditEntry.objects.filter(object_type="catalog.product").first()
    assert entry is not None
    assert entry.source == SOURCE

    [emptied] = replace_quantity_breaks([table(company="CP-1", version=2)], source=SOURCE)
    assert emptied.outcome == Outcome.UPDATED
    assert not QuantityBreak.objects.filter(company=dealer).exists()


def test_an_older_break_table_never_replaces_a_newer_one() -> None:
    f.ProductFactory(external_id="P-1", sku="CAB-1")
    replace_quantity_breaks([table(("10", "2"), version=7)], source=SOURCE)

    [older] = replace_quantity_breaks([table(("10", "9"), version=6)], source=SOURCE)
    [newer] = replace_quantity_breaks([table(("10", "3"), version=8)], source=SOURCE)

    assert older.outcome == Outcome.STALE
    assert newer.outcome == Outcome.UPDATED
    assert list(QuantityBreak.objects.values_list("discount_percent", "erp_version")) == [(D(3), 8)]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"product": "P-404"}, "product", "unknown_product"),
        ({"company": "CP-404"}, "company", "unknown_company"),
        ({"customer_group": "NOPE"}, "customer_group", "unknown_customer_group"),
        ({"steps": (("0", "1"),)}, "breaks[0].min_quantity", "invalid_min_quantity"),
        ({"steps": (("1", "101"),)}, "breaks[0].discount_percent", "invalid_discount"),
        ({"steps": (("5", "1"), ("5", "2"))}, "breaks[1].min_quantity", "duplicate_min_quantity"),
    ],
)
def test_a_bad_break_table_is_rejected_and_keeps_the_old_one(change, field, code) -> None:  # type: ignore[no-untyped-def]
    product = f.ProductFactory(external_id="P-1")
    QuantityBreak.objects.create(product=product, min_quantity=D(5), discount_percent=D(1))
    steps = change.pop("steps", (("10", "2"),))

    [result] = replace_quantity_breaks([table(*steps, **change)], source=SOURCE)

    assert (result.outcome, result.field, result.code) == (Outcome.REJECTED, field, code)
    assert list(QuantityBreak.objects.values_list("min_quantity", flat=True)) == [D(5)]
