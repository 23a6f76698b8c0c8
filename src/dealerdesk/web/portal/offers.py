"""The contract a dealer's pages price under: the one chosen in this session, else the
company's default."""

from __future__ import annotations

from django.http import HttpRequest

from dealerdesk.accounts.models import Company
from dealerdesk.pricing.models import Contract
from dealerdesk.pricing.queries import contract_for, contracts_for


def _session_key(company_id: int) -> str:
    return f"dealerdesk_contract_{company_id}"


def current_contract(request: HttpRequest, company: Company) -> Contract | None:
    """The contract chosen in this session for this company, else the company's default
    (read once per request)."""
    cache: dict[int, Contract | None] = request.__dict__.setdefault("_dealerdesk_contracts", {})
    if company.pk not in cache:
        chosen = request.session.get(_session_key(company.pk))
        cache[company.pk] = contract_for(company, chosen if isinstance(chosen, int) else None)
    return cache[company.pk]


def choose_contract(request: HttpRequest, company: Company, contract_id: int) -> Contract | None:
    """Remember ``contract_id`` if it is one of the company's current contracts."""
    contract = contracts_for(company).filter(pk=contract_id).first()
    if contract is not None:
        request.session[_session_key(company.pk)] = contract.pk
        request.__dict__.pop("_dealerdesk_contracts", None)
    return contract
