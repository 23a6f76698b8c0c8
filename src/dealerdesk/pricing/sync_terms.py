"""The terms prices are read under, as the ERP sends them: price types, contracts and
quantity-break tables.

Price types and contracts are keyed by their ERP id and saved through the ORM, so the
pricing cache (``pricing.events.PRICING``) follows them; bulk ``update()`` calls (the
old default contract, the old base price type) invalidate it themselves. A quantity-break
table is replaced whole for its product and audience.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from dealerdesk.accounts.models import Company, CustomerGroup
from dealerdesk.catalog.models import Product
from dealerdesk.core import audit, batch
from dealerdesk.core.batch import rejection, serialise, snapshot
from dealerdesk.core.models import AuditAction
from dealerdesk.core.sync import ErpStamp, Outcome, RowResult, held_stamp
from dealerdesk.pricing.choices import VatRegime
from dealerdesk.pricing.events import PRICING
from dealerdesk.pricing.models import Contract, Price, PriceType, QuantityBreak

VERB = "synced from the ERP"
_record = partial(batch.record, verb=VERB)
Problem = tuple[str, str, str]


@dataclass(frozen=True)
class PriceTypeChange:
    """A price column of the ERP; ``is_base`` makes it the base of its currency (the
    previous base of that currency stops being one)."""

    external_id: str
    code: str
    name: str
    currency: str
    stamp: ErpStamp
    is_base: bool = False


@dataclass(frozen=True)
class ContractChange:
    """A dealer's contract; ``is_default`` makes it the company's default (the previous
    default stops being one); ``price_type`` is a code (None: the currency's base)."""

    external_id: str
    company: str  # the company's ERP id
    name: str
    stamp: ErpStamp
    payment_terms_days: int = 0
    prepayment_percent: Decimal = Decimal(0)
    currency: str = "EUR"
    vat_regime: str = VatRegime.STANDARD
    price_type: str | None = None
    markup_percent: Decimal = Decimal(0)
    is_default: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    active: bool = True


@dataclass(frozen=True)
class BreakStep:
    min_quantity: Decimal
    discount_percent: Decimal


@dataclass(frozen=True)
class BreakTable:
    """The whole break table of one product for everyone, one company (ERP id) or one
    customer group (code); an empty ``breaks`` removes the table."""

    breaks: tuple[BreakStep, ...]
    stamp: ErpStamp
    product: str | None = None  # ERP id
    sku: str | None = None
    company: str | None = None
    customer_group: str | None = None


# A break table: product, company, customer group.
Table = tuple[int, int | None, int | None]


# ---- price types --------------------------------------------------------------------------


def upsert_price_types(rows: Sequence[PriceTypeChange], *, source: str) -> list[RowResult]:
    """Create or update price types by ERP id; one result per row, in order."""
    with transaction.atomic():
        serialise("price-types")
        query = PriceType.objects.select_for_update().filter(
            Q(external_id__in={r.external_id for r in rows}) | Q(code__in={r.code for r in rows})
        )
        held = list(query.order_by("pk"))
        by_id = {t.external_id: t for t in held if t.external_id}
        by_code = {t.code: t for t in held}
        return [
            _upsert_price_type(index, row, by_id, by_code, source) for index, row in enumerate(rows)
        ]


def _upsert_price_type(
    index: int,
    row: PriceTypeChange,
    by_id: dict[str, PriceType],
    by_code: dict[str, PriceType],
    source: str,
) -> RowResult:
    key = row.external_id
    price_type, taken = batch.claimed(by_id, by_code, key, row.code, noun="price type")
    if taken is not None:
        return RowResult.rejected(index, key, *taken)
    if stale := RowResult.stale_against(index, key, row.stamp, price_type):
        return stale
    created = price_type is None
    if price_type is None:
        price_type = PriceType()
    elif price_type.currency != row.currency and _in_use(price_type):
        return RowResult.rejected(
            index,
            key,
            "currency",
            "currency_in_use",
            f"Price type {price_type.code} has prices or contracts in {price_type.currency}; "
            "its currency cannot change.",
        )
    fields = ["code", "name", "currency", "is_base"]
    before = snapshot(price_type, fields)
    old_code = price_type.code
    price_type.external_id, price_type.code, price_type.name = key, row.code, row.name
    price_type.currency, price_type.is_base = row.currency, row.is_base
    try:
        price_type.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        if not created:
            price_type.refresh_from_db()
        return RowResult.rejected(index, key, *rejection(error, {}))
    if price_type.is_base:
        _unset(
            PriceType.objects.filter(is_base=True, currency=price_type.currency),
            price_type,
            "is_base",
            source,
        )
    price_type.erp_version, price_type.erp_changed_at = row.stamp.version, row.stamp.changed_at
    price_type.save()
    by_id[key] = price_type
    by_code.pop(old_code, None)
    by_code[price_type.code] = price_type
    after = snapshot(price_type, fields)
    return _settled(index, key, price_type, created, before, after, source)


def _in_use(price_type: PriceType) -> bool:
    return (
        Price.objects.filter(price_type=price_type).exists()
        or Contract.objects.filter(price_type=price_type).exists()
    )


# ---- contracts ----------------------------------------------------------------------------

CONTRACT_FIELDS = [
    "company",
    "name",
    "payment_terms_days",
    "prepayment_percent",
    "currency",
    "vat_regime",
    "price_type",
    "markup_percent",
    "is_default",
    "valid_from",
    "valid_to",
    "is_active",
]


def upsert_contracts(rows: Sequence[ContractChange], *, source: str) -> list[RowResult]:
    """Create, update or switch off dealers' contracts by ERP id; one result per row."""
    with transaction.atomic():
        serialise("contracts")
        held = {
            c.external_id: c
            for c in Contract.objects.select_for_update()
            .filter(external_id__in={r.external_id for r in rows})
            .order_by("pk")
        }
        companies = {
            c.external_id: c
            for c in Company.objects.filter(external_id__in={r.company for r in rows})
        }
        types = {
            t.code: t
            for t in PriceType.objects.filter(code__in={r.price_type for r in rows if r.price_type})
        }
        return [
            _upsert_contract(index, row, held, companies, types, source)
            for index, row in enumerate(rows)
        ]


def _upsert_contract(
    index: int,
    row: ContractChange,
    held: dict[str | None, Contract],
    companies: dict[str | None, Company],
    types: dict[str, PriceType],
    source: str,
) -> RowResult:
    key = row.external_id
    contract = held.get(key)
    if stale := RowResult.stale_against(index, key, row.stamp, contract):
        return stale
    company = companies.get(row.company)
    if company is None:
        return RowResult.rejected(
            index, key, "company", "unknown_company", f"No company with the ERP id {row.company!r}."
        )
    problem = _contract_problem(row, contract, company, types)
    if problem:
        return RowResult.rejected(index, key, *problem)
    created = contract is None
    if contract is None:
        contract = Contract(external_id=key, company=company)
    before = snapshot(contract, CONTRACT_FIELDS)
    was_active = contract.is_active
    contract.name = row.name
    contract.payment_terms_days = row.payment_terms_days
    contract.prepayment_percent = row.prepayment_percent
    contract.currency, contract.vat_regime = row.currency, row.vat_regime
    contract.price_type = types[row.price_type] if row.price_type else None
    contract.markup_percent = row.markup_percent
    contract.is_default, contract.is_active = row.is_default, row.active
    contract.valid_from, contract.valid_to = row.valid_from, row.valid_to
    try:
        contract.full_clean(exclude=["company"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        if not created:
            contract.refresh_from_db()
        return RowResult.rejected(index, key, *rejection(error, {"is_active": "active"}))
    if contract.is_default:
        _unset(
            Contract.objects.filter(company=company, is_default=True),
            contract,
            "is_default",
            source,
        )
    contract.erp_version, contract.erp_changed_at = row.stamp.version, row.stamp.changed_at
    contract.save()
    held[key] = contract
    after = snapshot(contract, CONTRACT_FIELDS)
    if not created and was_active and not contract.is_active:
        _record(contract, AuditAction.UPDATE, before, after, source)
        return RowResult(index, Outcome.DEACTIVATED, key)
    return _settled(index, key, contract, created, before, after, source)


def _contract_problem(
    row: ContractChange, contract: Contract | None, company: Company, types: dict[str, PriceType]
) -> Problem | None:
    if contract is not None and contract.company_id != company.pk:
        return (
            "company",
            "contract_of_other_company",
            f"Contract {row.external_id} belongs to another company; a contract cannot move.",
        )
    if row.price_type and row.price_type not in types:
        return (
            "price_type",
            "unknown_price_type",
            f"No price type with the code {row.price_type!r}.",
        )
    if row.vat_regime not in VatRegime.values:
        allowed = ", ".join(repr(v) for v in VatRegime.values)
        return ("vat_regime", "invalid_vat_regime", f"{row.vat_regime!r} is not one of {allowed}.")
    return None


# ---- quantity breaks ----------------------------------------------------------------------


def replace_quantity_breaks(rows: Sequence[BreakTable], *, source: str) -> list[RowResult]:
    """Replace each named product's break table for its audience; one result per row.

    A table older than the stored one (by the stamp its steps carry) is stale. An empty
    table removes the steps and with them the stamp, so an older table arriving after a
    removal applies again: the ERP resends the table it means.
    """
    with transaction.atomic():
        serialise("quantity-breaks")
        ids = {r.product for r in rows if r.product}
        skus = {r.sku for r in rows if r.sku and not r.product}
        products: dict[tuple[str, str], Product] = {}
        for product in Product.objects.filter(Q(external_id__in=ids) | Q(sku__in=skus)):
            if product.external_id in ids:
                products["product", product.external_id or ""] = product
            if product.sku in skus:
                products["sku", product.sku] = product
        companies = dict(
            Company.objects.filter(
                external_id__in={r.company for r in rows if r.company}
            ).values_list("external_id", "pk")
        )
        groups = dict(
            CustomerGroup.objects.filter(
                code__in={r.customer_group for r in rows if r.customer_group}
            ).values_list("code", "pk")
        )
        held: dict[Table, list[tuple[Decimal, Decimal]]] = {}
        stamps: dict[Table, ErpStamp] = {}
        query = QuantityBreak.objects.filter(product__in={p.pk for p in products.values()})
        for step in query.order_by("min_quantity"):
            table = (step.product_id, step.company_id, step.customer_group_id)
            held.setdefault(table, []).append((step.min_quantity, step.discount_percent))
            stamps[table] = ErpStamp(step.erp_version, step.erp_changed_at)
        return [
            _replace_table(index, row, products, companies, groups, held, stamps, source)
            for index, row in enumerate(rows)
        ]


def _replace_table(
    index: int,
    row: BreakTable,
    products: dict[tuple[str, str], Product],
    companies: dict[str | None, int],
    groups: dict[str, int],
    held: dict[Table, list[tuple[Decimal, Decimal]]],
    stamps: dict[Table, ErpStamp],
    source: str,
) -> RowResult:
    name = row.product or row.sku or ""
    audience = row.company or (f"group {row.customer_group}" if row.customer_group else "all")
    key = f"{name}/{audience}"
    product = products.get(("product", row.product) if row.product else ("sku", row.sku or ""))
    if product is None:
        field = "product" if row.product else "sku"
        return RowResult.rejected(
            index, key, field, "unknown_product", f"No product with the {field} {name!r}."
        )
    problem = _audience_problem(row, companies, groups) or _steps_problem(row.breaks)
    if problem:
        return RowResult.rejected(index, key, *problem)
    company_id = companies.get(row.company) if row.company else None
    group_id = groups.get(row.customer_group) if row.customer_group else None
    table = (product.pk, company_id, group_id)
    stored = stamps.get(table)
    if stored is not None and not row.stamp.is_newer_than(stored.version, stored.changed_at):
        return RowResult.stale(index, key, held_stamp(stored.version, stored.changed_at))
    audience_rows = Q(company__isnull=True) if company_id is None else Q(company_id=company_id)
    audience_rows &= (
        Q(customer_group__isnull=True) if group_id is None else Q(customer_group_id=group_id)
    )
    before = held.get(table, [])
    after = sorted((step.min_quantity, step.discount_percent) for step in row.breaks)
    if before == after:
        QuantityBreak.objects.filter(audience_rows, product_id=product.pk).update(
            erp_version=row.stamp.version, erp_changed_at=row.stamp.changed_at
        )
        stamps[table] = row.stamp
        return RowResult(index, Outcome.UNCHANGED, key)
    QuantityBreak.objects.filter(audience_rows, product_id=product.pk).delete()
    QuantityBreak.objects.bulk_create(
        QuantityBreak(
            product_id=product.pk,
            company_id=company_id,
            customer_group_id=group_id,
            min_quantity=quantity,
            discount_percent=discount,
            erp_version=row.stamp.version,
            erp_changed_at=row.stamp.changed_at,
        )
        for quantity, discount in after
    )
    held[table] = after
    stamps[table] = row.stamp
    audit.record(
        actor=None,
        instance=product,
        action=AuditAction.UPDATE,
        verb=f"quantity breaks for {audience} synced from the ERP",
        before={"quantity_breaks": [[str(q), str(d)] for q, d in before]},
        after={"quantity_breaks": [[str(q), str(d)] for q, d in after]},
        company_id=company_id,
        source=source[:100],
    )
    return RowResult(index, Outcome.CREATED if not before else Outcome.UPDATED, key)


def _audience_problem(
    row: BreakTable, companies: dict[str | None, int], groups: dict[str, int]
) -> Problem | None:
    if row.company and row.customer_group:
        return ("company", "two_audiences", "Name a company or a customer group, not both.")
    if row.company and row.company not in companies:
        return ("company", "unknown_company", f"No company with the ERP id {row.company!r}.")
    if row.customer_group and row.customer_group not in groups:
        return (
            "customer_group",
            "unknown_customer_group",
            f"No customer group with the code {row.customer_group!r}.",
        )
    return None


def _steps_problem(steps: Sequence[BreakStep]) -> Problem | None:
    seen: set[Decimal] = set()
    for position, step in enumerate(steps):
        where = f"breaks[{position}]"
        quantity, discount = step.min_quantity, step.discount_percent
        if not quantity.is_finite() or not discount.is_finite():
            return (where, "invalid_number", "Quantities and discounts must be numbers.")
        if quantity <= 0 or quantity >= Decimal(10) ** 9 or quantity != round(quantity, 3):
            return (
                f"{where}.min_quantity",
                "invalid_min_quantity",
                f"{quantity} must be above 0, below 10^9, with at most 3 decimal places.",
            )
        if not 0 <= discount <= 100 or discount != round(discount, 3):
            return (
                f"{where}.discount_percent",
                "invalid_discount",
                f"{discount} must be a percentage from 0 to 100 with at most 3 decimal places.",
            )
        if quantity in seen:
            return (
                f"{where}.min_quantity",
                "duplicate_min_quantity",
                f"The table names the quantity {quantity} twice.",
            )
        seen.add(quantity)
    return None


# ---- shared -------------------------------------------------------------------------------


def _unset(query: Any, keeper: PriceType | Contract, flag: str, source: str) -> None:
    """Take ``flag`` (the base price type of a currency, the default contract of a company)
    from the rows that hold it, before ``keeper`` takes it: the unique constraint allows one."""
    for other in query.exclude(pk=keeper.pk) if keeper.pk else query:
        type(other)._default_manager.filter(pk=other.pk).update(**{flag: False})
        _record(other, AuditAction.UPDATE, {flag: True}, {flag: False}, source)
        PRICING.invalidate()


def _settled(
    index: int,
    key: str,
    instance: PriceType | Contract,
    created: bool,
    before: dict[str, Any],
    after: dict[str, Any],
    source: str,
) -> RowResult:
    if created:
        _record(instance, AuditAction.CREATE, None, after, source)
        return RowResult(index, Outcome.CREATED, key)
    if before == after:
        return RowResult(index, Outcome.UNCHANGED, key)
    _record(instance, AuditAction.UPDATE, before, after, source)
    return RowResult(index, Outcome.UPDATED, key)
