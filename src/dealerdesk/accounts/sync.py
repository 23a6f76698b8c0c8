"""Companies (the ERP's counterparties) and their credit figures as the ERP sends them.

A company is keyed by its ERP id. A row changes only the fields it states (``sent``), so a
delta of two fields leaves the rest as staff or an earlier row set them. Removal in the ERP
is explicit and never a deletion: ``active=False`` blocks the company with the reason
:data:`DEACTIVATED_REASON` (its orders, documents and people stay); ``active=True`` lifts
only that block, never one staff imposed for another reason.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dealerdesk.accounts.choices import CreditPolicy, StockDisplayPolicy
from dealerdesk.accounts.models import CodedErpRecord, Company, CustomerGroup, Region, Tier
from dealerdesk.core import batch
from dealerdesk.core.batch import rejection, serialise, snapshot
from dealerdesk.core.models import AuditAction
from dealerdesk.core.sync import ErpStamp, Outcome, RowResult

DEACTIVATED_REASON = "Deactivated in the ERP"
VERB = "synced from the ERP"
_record = partial(batch.record, verb=VERB)

# Fields a row sets when it states them (a row and the model name them alike).
COMPANY_FIELDS = (
    "legal_name",
    "tax_id",
    "email",
    "phone",
    "stock_display_policy",
    "credit_limit",
    "balance",
    "credit_currency",
    "credit_policy",
)
CodedModel = type[CustomerGroup] | type[Tier] | type[Region]
CODED: dict[str, CodedModel] = {"customer_group": CustomerGroup, "tier": Tier, "region": Region}
AUDITED = ["name", *COMPANY_FIELDS, "customer_group", "tier", "region", "is_blocked"]


@dataclass(frozen=True)
class CompanyChange:
    """A counterparty as the ERP states it. ``sent`` names the fields the row states; the
    others keep their stored values (``None``: every field is stated)."""

    external_id: str
    stamp: ErpStamp
    name: str | None = None  # required for a new company
    active: bool = True
    legal_name: str = ""
    tax_id: str = ""
    email: str = ""
    phone: str = ""
    customer_group: str | None = None  # codes; None: none
    tier: str | None = None
    region: str | None = None
    stock_display_policy: str = StockDisplayPolicy.EXACT
    credit_limit: Decimal | None = None  # None: no limit
    balance: Decimal = Decimal(0)
    credit_currency: str = "EUR"
    credit_policy: str = CreditPolicy.DEFAULT
    sent: frozenset[str] | None = field(default=None)

    def states(self, name: str) -> bool:
        return self.sent is None or name in self.sent


@dataclass(frozen=True)
class CreditChange:
    """A company's credit limit (``None``: no limit) and open balance, in ``currency``."""

    company: str
    credit_limit: Decimal | None
    balance: Decimal
    currency: str
    stamp: ErpStamp


def upsert_companies(rows: Sequence[CompanyChange], *, source: str) -> list[RowResult]:
    """Create, update, block or unblock the companies ``rows`` name; one result per row."""
    with transaction.atomic():
        serialise("companies")
        held = _companies({row.external_id for row in rows})
        coded = {
            name: _by_code(model, {getattr(row, name) for row in rows if row.states(name)})
            for name, model in CODED.items()
        }
        return [_upsert_company(i, row, held, coded, source) for i, row in enumerate(rows)]


def _upsert_company(
    index: int,
    row: CompanyChange,
    held: dict[str, Company],
    coded: dict[str, dict[str, CodedErpRecord]],
    source: str,
) -> RowResult:
    key = row.external_id
    company = held.get(key)
    if stale := RowResult.stale_against(index, key, row.stamp, company):
        return stale
    problem = _reference_problem(row, coded)
    if problem:
        return RowResult.rejected(index, key, *problem)
    created = company is None
    if created and not (row.name and row.states("name")):
        return RowResult.rejected(index, key, "name", "required", "A new company needs its name.")
    if company is None:
        company = Company(external_id=row.external_id)
    before = snapshot(company, AUDITED) if not created else None
    was_blocked = company.is_blocked
    if row.name and row.states("name"):
        company.name = row.name
    for name in COMPANY_FIELDS:
        if row.states(name):
            setattr(company, name, getattr(row, name))
    for name in CODED:
        if row.states(name):
            code = getattr(row, name)
            setattr(company, f"{name}_id", coded[name][code].pk if code is not None else None)
    if row.states("active"):
        _set_active(company, row.active)
    problem = _invalid(company, {})
    if problem:
        if not created:
            company.refresh_from_db()  # a later row of the batch starts from what is stored
        return RowResult.rejected(index, key, *problem)
    company.erp_version, company.erp_changed_at = row.stamp.version, row.stamp.changed_at
    company.save()
    held[key] = company
    after = snapshot(company, AUDITED)
    if created:
        _record(company, AuditAction.CREATE, None, after, source)
        return RowResult(index, Outcome.CREATED, key)
    if before == after:
        return RowResult(index, Outcome.UNCHANGED, key)
    _record(company, AuditAction.UPDATE, before, after, source)
    if company.is_blocked and not was_blocked:
        return RowResult(index, Outcome.DEACTIVATED, key)
    return RowResult(index, Outcome.UPDATED, key)


def _reference_problem(
    row: CompanyChange, coded: dict[str, dict[str, CodedErpRecord]]
) -> tuple[str, str, str] | None:
    """An unknown group, tier or region code, or a policy that does not exist."""
    for name in CODED:
        code = getattr(row, name)
        if row.states(name) and code is not None and code not in coded[name]:
            label = name.replace("_", " ")
            return name, f"unknown_{name}", f"No {label} with the code {code!r}."
    for name, choices in (
        ("stock_display_policy", StockDisplayPolicy),
        ("credit_policy", CreditPolicy),
    ):
        value = getattr(row, name)
        if row.states(name) and value not in choices.values:
            allowed = ", ".join(repr(v) for v in choices.values)
            return name, f"invalid_{name}", f"{value!r} is not one of {allowed}."
    return None


def _set_active(company: Company, active: bool) -> None:
    """Block a company the ERP deactivated; lift only that block when it is active again."""
    if not active:
        company.is_blocked, company.blocked_reason = True, DEACTIVATED_REASON
    elif company.is_blocked and company.blocked_reason == DEACTIVATED_REASON:
        company.is_blocked, company.blocked_reason = False, ""


def set_credit(rows: Sequence[CreditChange], *, source: str) -> list[RowResult]:
    """Set the credit limits and open balances of existing companies; a change older than
    the company's last ERP change is stale. One result per row."""
    with transaction.atomic():
        serialise("companies")  # credit rows write the company's stamp too
        held = _companies({row.company for row in rows})
        results: list[RowResult] = []
        for index, row in enumerate(rows):
            key = row.company
            company = held.get(key)
            if company is None:
                results.append(
                    RowResult.rejected(
                        index,
                        key,
                        "company",
                        "unknown_company",
                        f"No company with the ERP id {key!r}.",
                    )
                )
                continue
            if stale := RowResult.stale_against(index, key, row.stamp, company):
                results.append(stale)
                continue
            fields = ["credit_limit", "balance", "credit_currency"]
            before = snapshot(company, fields)
            company.credit_limit, company.balance = row.credit_limit, row.balance
            company.credit_currency = row.currency
            problem = _invalid(company, {"credit_currency": "currency"})
            if problem:
                company.refresh_from_db()
                results.append(RowResult.rejected(index, key, *problem))
                continue
            company.erp_version, company.erp_changed_at = row.stamp.version, row.stamp.changed_at
            company.save(update_fields=[*fields, "erp_version", "erp_changed_at", "updated_at"])
            after = snapshot(company, fields)
            if before == after:
                results.append(RowResult(index, Outcome.UNCHANGED, key))
                continue
            _record(company, AuditAction.UPDATE, before, after, source)
            results.append(RowResult(index, Outcome.UPDATED, key))
        return results


def _companies(external_ids: Collection[str]) -> dict[str, Company]:
    """The companies named, locked until commit so a concurrent message cannot interleave
    its stale check with ours."""
    query = Company.objects.select_for_update().filter(external_id__in=external_ids)
    return {company.external_id or "": company for company in query.order_by("pk")}


def _by_code(model: CodedModel, codes: Collection[str | None]) -> dict[str, Any]:
    wanted = {code for code in codes if code is not None}
    if not wanted:
        return {}
    return {record.code: record for record in model.objects.filter(code__in=wanted)}


def _invalid(company: Company, names: dict[str, str]) -> tuple[str, str, str] | None:
    """The first rule of the model the company breaks, as (row field, code, message)."""
    try:
        company.full_clean(
            exclude=["customer_group", "tier", "region", "personal_manager"],
            validate_unique=False,
        )
    except ValidationError as error:
        return rejection(error, names)
    return None


# ---- shared by the master-data services above accounts (catalog, pricing, inventory) ----
