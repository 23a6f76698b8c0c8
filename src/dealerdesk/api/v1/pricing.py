"""The dealer's contracts: what prices can follow."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from dealerdesk.api.v1.auth import membership
from dealerdesk.api.v1.schemas import ContractOut
from dealerdesk.pricing.queries import contracts_for

router = Router(tags=["pricing"])


@router.get(
    "/contracts",
    response=list[ContractOut],
    summary="Your company's current contracts, the default first",
)
def contracts(request: HttpRequest) -> list[ContractOut]:
    return [
        ContractOut(
            id=contract.pk,
            name=contract.name,
            currency=contract.currency,
            payment_terms_days=contract.payment_terms_days,
            prepayment_percent=contract.prepayment_percent,
            vat_regime=contract.vat_regime,
            is_default=contract.is_default,
        )
        for contract in contracts_for(membership(request).company)
    ]
