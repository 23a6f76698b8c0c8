"""Prices and customer prices as the ERP sends them: set-based batch upserts.

A batch of tens of thousands of rows is applied in a fixed number of statements per chunk:
one query per kind of reference (products, price types, companies, contracts), one for the
rows the chunk touches, then bulk inserts (``pricing.bulk``: COPY on PostgreSQL) and one
guarded ``UPDATE … FROM``. On PostgreSQL a chunk of prices that names each price once goes
further: its checked rows are copied into a temporary table and the database classifies
and writes them (``pricing.sync_staged``), so Python builds no object per stored price.
Each chunk leaves one audit entry with its counts (``core.batch.summarise``); the rows stay
in the stored message. Creating prices is serialised by a transaction-level lock per feed,
so two imports cannot both find a price absent and both create it (this path takes it for
every chunk; the staged path only for a chunk that creates a price). An update is guarded
by its stamp: a row that lost to a newer change written meanwhile is answered stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.queries import products_named
from dealerdesk.core.batch import serialise, summarise
from dealerdesk.core.models import AuditAction, AuditEntry
from dealerdesk.core.money import validate_currency
from dealerdesk.core.sync import ErpStamp, Outcome, RowResult, held_stamp
from dealerdesk.pricing import bulk
from dealerdesk.pricing.models import Contract, CustomerPrice, Price, PriceType
from dealerdesk.pricing.sync_staged import AUDIT_VERB, write_prices

# Price amounts are numeric(14, 4): ten digits before the point, four after.
AMOUNT_PLACES = 4
AMOUNT_LIMIT = Decimal(10) ** (14 - AMOUNT_PLACES)
# Why a row is rejected: the field at fault, a stable code, a message for people.
Problem = tuple[str, str, str]
NO_PROBLEM: Problem = ("", "", "")
STAMP_COLUMNS = ("erp_version", "erp_changed_at", "created_at", "updated_at")
PRICE_FIELDS = ("amount", "valid_to")
HELD = (*PRICE_FIELDS, "erp_version", "erp_changed_at")
PRICE_COLUMNS = ("product_id", "price_type_id", "valid_from", *PRICE_FIELDS, *STAMP_COLUMNS)
CUSTOMER_PRICE_FIELDS = (
    "company_id",
    "product_id",
    "contract_id",
    "currency",
    "amount",
    "valid_from",
    "valid_to",
)

AUDIT_COLUMNS = (
    "created_at",
    "actor_repr",
    "action",
    "verb",
    "object_type",
    "object_id",
    "object_repr",
    "company_id",
    "before",
    "after",
    "source",
)


@dataclass(frozen=True)
class PriceChange:
    """One product's price in one price type from a date, as the ERP states it.

    The product is named by its ERP id (``product``) or, failing that, its ``sku``;
    ``currency``, when sent, must be the price type's.
    """

    price_type: str
    amount: Decimal
    stamp: ErpStamp
    product: str | None = None
    sku: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    currency: str | None = None


class PriceInput(Protocol):
    """What :func:`upsert_prices` reads of a row: a :class:`PriceChange`, or any object with
    the same attributes (the inbound feed passes its validated rows as they are, rather
    than copying a hundred thousand of them)."""

    @property
    def price_type(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def stamp(self) -> ErpStamp: ...
    @property
    def product(self) -> str | None: ...
    @property
    def sku(self) -> str | None: ...
    @property
    def valid_from(self) -> dt.date | None: ...
    @property
    def valid_to(self) -> dt.date | None: ...
    @property
    def currency(self) -> str | None: ...


@dataclass(frozen=True)
class CustomerPriceChange:
    """A price agreed with one dealer (``company``, its ERP id), for all its contracts or
    the one named by ``contract`` (ERP id). ``external_id`` is the agreement's ERP id."""

    external_id: str
    company: str
    currency: str
    amount: Decimal
    stamp: ErpStamp
    product: str | None = None
    sku: str | None = None
    contract: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


def upsert_prices(rows: Sequence[PriceInput], *, source: str) -> list[RowResult]:
    """Create or update the prices ``rows`` name, in one transaction; one result per row.

    A price is matched on its natural key (product, price type, valid from). An older
    change than the one held is stale; the same values again are unchanged (the newer
    stamp is still recorded, so an older delta arriving later stays stale).
    """
    with transaction.atomic():
        serialise("prices")
        products = products_named(rows)
        types = {t.code: t for t in PriceType.objects.filter(code__in={r.price_type for r in rows})}
        now = timezone.now()
        results: list[RowResult | None] = [None] * len(rows)
        # First every row's references and figures, then one read of the prices the valid
        # rows name, then the rows in order against what is held.
        accepted: list[tuple[int, str, tuple[int, int, dt.date | None]]] = []
        for index, row in enumerate(rows):
            key = _price_key(row)
            product_id, unknown = _product_for(row, products)
            price_type = types.get(row.price_type)
            problem = (
                unknown
                if product_id is None
                else _price_type_problem(row, price_type)
                or _amount_problem(row.amount)
                or _validity_problem(row)
                or _currency_mismatch(row, price_type)
            )
            if problem or product_id is None or price_type is None:
                results[index] = RowResult.rejected(index, key, *(problem or unknown))
            else:
                accepted.append((index, key, (product_id, price_type.pk, row.valid_from)))
        if connection.vendor == "postgresql" and _each_price_once(accepted):
            for result in write_prices(rows, accepted, now=now):
                results[result.index] = result
            written = [result for result in results if result]
            summarise(Price, written, source, verb=AUDIT_VERB)
            return written
        held = _held_prices({(product, kind) for _i, _k, (product, kind, _f) in accepted})
        pending: dict[tuple[int, int, dt.date | None], _Pending] = {}
        for index, key, natural in accepted:
            row = rows[index]
            state = pending.get(natural)
            if state is None:
                found = held.get(natural)
                state = pending[natural] = (
                    _Pending.of(found, PRICE_FIELDS) if found else _Pending.new()
                )
            values = {"amount": row.amount, "valid_to": row.valid_to}
            results[index] = state.offer(index, key, row.stamp, values)
        new = [(natural, state) for natural, state in pending.items() if state.pk is None]
        bulk.insert(
            Price,
            PRICE_COLUMNS,
            [
                (*natural, state.values["amount"], state.values["valid_to"], *state.row_tail(now))
                for natural, state in new
            ],
        )
        updated = _write_updates(Price, PRICE_FIELDS, pending.values(), now)
        settled = _settle([result for result in results if result], pending.values(), updated)
        summarise(Price, settled, source, verb=AUDIT_VERB)
        return settled


def _each_price_once(accepted: Sequence[tuple[int, str, tuple[Any, ...]]]) -> bool:
    """True when no two rows name the same price (which must then apply in order)."""
    return len({natural for _index, _key, natural in accepted}) == len(accepted)


def upsert_customer_prices(rows: Sequence[CustomerPriceChange], *, source: str) -> list[RowResult]:
    """Create or update dealers' own prices by the agreement's ERP id, in one transaction;
    one result per row, with the same ordering rule as :func:`upsert_prices`."""
    with transaction.atomic():
        serialise("customer-prices")
        products = products_named(rows)
        companies = dict(
            Company.objects.filter(
                bulk.any_of(Company, external_id={r.company for r in rows})
            ).values_list("external_id", "pk")
        )
        contracts = {
            c.external_id: c
            for c in Contract.objects.filter(
                external_id__in={r.contract for r in rows if r.contract}
            ).only("pk", "external_id", "company_id", "currency")
        }
        held = {
            price["external_id"]: price
            for price in CustomerPrice.objects.filter(
                bulk.any_of(CustomerPrice, external_id={r.external_id for r in rows})
            ).values("pk", "external_id", *CUSTOMER_PRICE_FIELDS, "erp_version", "erp_changed_at")
        }
        now = timezone.now()
        results: list[RowResult] = []
        pending: dict[str, _Pending] = {}
        for index, row in enumerate(rows):
            key = row.external_id
            product_id, unknown = _product_for(row, products)
            company_id = companies.get(row.company)
            contract = contracts.get(row.contract) if row.contract else None
            problem: Problem | None = unknown if product_id is None else None
            if problem is None and company_id is None:
                problem = (
                    "company",
                    "unknown_company",
                    f"No company with the ERP id {row.company!r}.",
                )
            if problem is None and row.contract:
                problem = _contract_problem(row, contract, company_id)
            problem = (
                problem
                or _currency_problem(row.currency)
                or _amount_problem(row.amount)
                or _validity_problem(row)
            )
            if problem:
                results.append(RowResult.rejected(index, key, *problem))
                continue
            state = pending.get(row.external_id)
            if state is None:
                found = held.get(row.external_id)
                state = pending[row.external_id] = (
                    _Pending.of(found, CUSTOMER_PRICE_FIELDS) if found else _Pending.new()
                )
            values = {
                "company_id": company_id,
                "product_id": product_id,
                "contract_id": contract.pk if contract else None,
                "currency": row.currency,
                "amount": row.amount,
                "valid_from": row.valid_from,
                "valid_to": row.valid_to,
            }
            results.append(state.offer(index, key, row.stamp, values))
        new_prices = [(ref, state) for ref, state in pending.items() if state.pk is None]
        created = bulk.insert(
            CustomerPrice,
            ("external_id", *CUSTOMER_PRICE_FIELDS, *STAMP_COLUMNS),
            [
                (ref, *(state.values[name] for name in CUSTOMER_PRICE_FIELDS), *state.row_tail(now))
                for ref, state in new_prices
            ],
        )
        updated = _write_updates(CustomerPrice, CUSTOMER_PRICE_FIELDS, pending.values(), now)
        audit = [
            _audit(
                pk,
                AuditAction.CREATE,
                None,
                _money(state.values["amount"]),
                CustomerPrice,
                source,
                now,
                company_id=state.values["company_id"],
            )
            for pk, (_ref, state) in zip(created, new_prices, strict=True)
        ] + [
            _audit(
                state.pk,
                AuditAction.UPDATE,
                state.before,
                state.after,
                CustomerPrice,
                source,
                now,
                company_id=state.values["company_id"],
            )
            for state in pending.values()
            if state.pk in updated and state.changed
        ]
        bulk.insert(AuditEntry, AUDIT_COLUMNS, audit)
        # A dealer's own prices are audited one by one, under the dealer: they show in the
        # company's history, and there are far fewer of them than of list prices.
        return _settle(results, pending.values(), updated)


class _Pending:
    """What one stored row (or one to create) becomes as the chunk's rows are read in order:
    a later row of the same key in the chunk is compared with the earlier one, not with the
    database."""

    def __init__(
        self, pk: int | None, values: dict[str, Any], stamp: ErpStamp, rows: list[int]
    ) -> None:
        self.pk = pk
        self.original = dict(values)
        self.values = values
        self.stamp = stamp
        self.dirty = False  # a newer stamp (at least) must be written
        self.rows = rows  # indexes of the rows that wrote this state, for the result

    @classmethod
    def new(cls) -> _Pending:
        return cls(None, {}, ErpStamp(), [])

    @classmethod
    def of(cls, row: dict[str, Any], fields: Iterable[str]) -> _Pending:
        """The state of a stored row, read as a dict with its pk, ``fields`` and stamp."""
        values = {name: row[name] for name in fields}
        return cls(row["pk"], values, ErpStamp(row["erp_version"], row["erp_changed_at"]), [])

    def offer(self, index: int, key: str, stamp: ErpStamp, values: dict[str, Any]) -> RowResult:
        known = self.pk is not None or self.rows
        if known and not stamp.is_newer_than(self.stamp.version, self.stamp.changed_at):
            return RowResult.stale(
                index, key, held_stamp(self.stamp.version, self.stamp.changed_at)
            )
        same = self.pk is not None and not self.rows and values == self.original
        self.values, self.stamp, self.dirty = values, stamp, True
        if same:
            return RowResult(index, Outcome.UNCHANGED, key)
        self.rows.append(index)
        outcome = Outcome.UPDATED if self.pk is not None else Outcome.CREATED
        return RowResult(index, outcome, key)

    @property
    def changed(self) -> bool:
        return self.values != self.original

    @property
    def before(self) -> dict[str, Any]:
        return _plain({k: v for k, v in self.original.items() if self.values.get(k) != v})

    @property
    def after(self) -> dict[str, Any]:
        return _plain({k: v for k, v in self.values.items() if self.original.get(k) != v})

    def row_tail(self, now: dt.datetime) -> tuple[Any, ...]:
        """The stamp and timestamps that end every written row."""
        return (self.stamp.version, self.stamp.changed_at, now, now)


def _settle(
    results: list[RowResult], pending: Iterable[_Pending], updated: set[int]
) -> list[RowResult]:
    """Rows whose guarded update lost to a newer change (written by another process between
    our read and our write, which the lock rules out unless a writer skips it) are stale."""
    lost = {
        index
        for state in pending
        if state.pk is not None and state.dirty and state.pk not in updated
        for index in state.rows
    }
    return [
        RowResult.stale(result.index, result.key, None) if result.index in lost else result
        for result in results
    ]


def _product_for(
    row: PriceInput | CustomerPriceChange, products: dict[tuple[str, str], int]
) -> tuple[int | None, Problem]:
    """The product's id, or None and why not."""
    if row.product:
        found = products.get(("product", row.product))
        if found is None:
            return None, (
                "product",
                "unknown_product",
                f"No product with the ERP id {row.product!r}.",
            )
    elif row.sku:
        found = products.get(("sku", row.sku))
        if found is None:
            return None, ("sku", "unknown_product", f"No product with the SKU {row.sku!r}.")
    else:
        return None, ("product", "missing_product", "Name the product by its ERP id or SKU.")
    return found, NO_PROBLEM


def _held_prices(
    wanted: set[tuple[int, int]],
) -> dict[tuple[int, int, dt.date | None], dict[str, Any]]:
    """Stored prices of the (product, price type) pairs ``wanted``, by natural key. The unique
    constraint lets PostgreSQL hold several rows with no start date; the first one wins."""
    held: dict[tuple[int, int, dt.date | None], dict[str, Any]] = {}
    if not wanted:
        return held
    names = ("pk", "product_id", "price_type_id", "valid_from", *HELD)
    if connection.vendor == "postgresql":
        # Exactly the pairs asked for, joined on the (product, price type) index: a chunk
        # reads its own prices, not every price of its products in every price type.
        columns = ", ".join(f"p.{bulk.column(Price, name)}" for name in names[1:])
        table = connection.ops.quote_name(Price._meta.db_table)
        products, price_types = zip(*wanted, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id, {columns} FROM {table} AS p "  # noqa: S608
                "JOIN unnest(%s::bigint[], %s::bigint[]) AS w(product_id, price_type_id) "
                "ON p.product_id = w.product_id AND p.price_type_id = w.price_type_id "
                "ORDER BY p.id",
                [list(products), list(price_types)],
            )
            stored = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    else:
        query = Price.objects.filter(
            bulk.any_of(Price, product_id={product for product, _type in wanted})
        ).order_by("pk")
        stored = [
            price
            for price in query.values(*names)
            if (price["product_id"], price["price_type_id"]) in wanted
        ]
    for price in stored:
        key = (price["product_id"], price["price_type_id"], price["valid_from"])
        held.setdefault(key, price)
    return held


def _price_type_problem(row: PriceInput, price_type: PriceType | None) -> Problem | None:
    if price_type is None:
        return (
            "price_type",
            "unknown_price_type",
            f"No price type with the code {row.price_type!r}.",
        )
    return None


def _currency_mismatch(row: PriceInput, price_type: PriceType | None) -> Problem | None:
    if price_type and row.currency and row.currency != price_type.currency:
        return (
            "currency",
            "currency_mismatch",
            f"Price type {price_type.code} is in {price_type.currency}, not {row.currency}.",
        )
    return None


def _amount_problem(amount: Decimal) -> Problem | None:
    if not amount.is_finite():
        return "amount", "invalid_amount", "The amount must be a number."
    if amount < 0:
        return "amount", "negative_amount", f"A price cannot be negative ({amount})."
    if amount >= AMOUNT_LIMIT:
        return "amount", "amount_too_large", f"{amount} has more than 10 digits before the point."
    if amount != amount.quantize(Decimal(1).scaleb(-AMOUNT_PLACES)):
        return (
            "amount",
            "amount_too_precise",
            f"{amount} has more than {AMOUNT_PLACES} decimal places.",
        )
    return None


def _validity_problem(row: PriceInput | CustomerPriceChange) -> Problem | None:
    if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        return (
            "valid_to",
            "invalid_validity",
            f"valid_to {row.valid_to} is before valid_from {row.valid_from}.",
        )
    return None


def _currency_problem(currency: str) -> Problem | None:
    try:
        validate_currency(currency)
    except ValidationError:
        return "currency", "invalid_currency", f"{currency!r} is not an ISO 4217 currency code."
    return None


def _contract_problem(
    row: CustomerPriceChange, contract: Contract | None, company_id: int | None
) -> Problem | None:
    if contract is None:
        return "contract", "unknown_contract", f"No contract with the ERP id {row.contract!r}."
    if contract.company_id != company_id:
        return (
            "contract",
            "contract_of_other_company",
            f"Contract {row.contract} belongs to another company.",
        )
    if contract.currency != row.currency:
        return (
            "currency",
            "currency_mismatch",
            f"Contract {row.contract} is in {contract.currency}, not {row.currency}.",
        )
    return None


def _price_key(row: PriceInput) -> str:
    key = f"{row.product or row.sku}/{row.price_type}"
    return f"{key}@{row.valid_from.isoformat()}" if row.valid_from else key


def _write_updates(
    model: type[models.Model], names: Sequence[str], states: Iterable[_Pending], now: dt.datetime
) -> set[int]:
    """Write every held row whose stamp moved on (its values, or only its newer stamp)."""
    rows = [
        (
            state.pk,
            *(state.values[name] for name in names),
            state.stamp.version,
            state.stamp.changed_at,
        )
        for state in states
        if state.pk is not None and state.dirty
    ]
    return bulk.update_newer(model, (*names, "erp_version", "erp_changed_at"), rows, now)


def _audit(
    pk: int | None,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    model: type[models.Model],
    source: str,
    now: dt.datetime,
    company_id: int | None = None,
) -> tuple[Any, ...]:
    """One audit entry, in the order of ``AUDIT_COLUMNS``."""
    return (
        now,
        "system",
        action,
        "synced from the ERP",
        model._meta.label_lower,
        str(pk),
        f"{model._meta.verbose_name} {pk}",
        company_id,
        before,
        after,
        source[:100],
    )


def _money(amount: Decimal) -> dict[str, Any]:
    return {"amount": str(amount)}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat()
        if isinstance(value, dt.date)
        else str(value)
        if isinstance(value, Decimal)
        else value
        for key, value in values.items()
    }
