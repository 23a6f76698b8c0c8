"""The contract a dealer's pages price under: the one chosen in this session, else the
company's default."""

from __future__ import annotations

from django.http import HttpRequest

from dealerdesk.accounts.models import Company
from dealerdesk.pricing.models import Contract
from dealerdesk.pricing.queries import contracts_for


def _session_key(company_id: int) -> str:
    return f"dealerdesk_contract_{company_id}"


def company_contracts(request: HttpRequest, company: Company) -> list[Contract]:
    """The company's current contracts, the default first (read once per request)."""
    cache: dict[int, list[Contract]] = request.__dict__.setdefault("_dealerdesk_contracts", {})
    if company.pk not in cache:
        cache[company.pk] = contracts_for(company)
    return cache[company.pk]


def current_contract(request: HttpRequest, company: Company) -> Contract | None:
    """The contract chosen in this session for this company, else the company's default."""
    contracts = company_contracts(request, company)
    chosen = request.session.get(_session_key(company.pk))
    return next((c for c in contracts if c.pk == chosen), contracts[0] if contracts else None)


def choose_contract(request: HttpRequest, company: Company, contract_id: int) -> Contract | None:
    """Remember ``contract_id`` if it is one of the company's current contracts."""
    contract = next((c for c in contracts_for(company) if c.pk == contract_id), None)
    if contract is not None:
        request.session[_session_key(company.pk)] = contract.pk
        request.__dict__.pop("_dealerdesk_contracts", None)
    return contract
