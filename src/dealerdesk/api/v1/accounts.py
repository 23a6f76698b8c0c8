"""Who am I, for which company, and which other companies may I switch to."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from dealerdesk.accounts.queries import active_memberships
from dealerdesk.api.v1.auth import membership
from dealerdesk.api.v1.schemas import CompanyOut, MeOut

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut, summary="The signed-in person and their companies")
def me(request: HttpRequest) -> MeOut:
    current = membership(request)
    user = current.user
    return MeOut(
        email=user.email,
        full_name=user.full_name,
        company=CompanyOut(id=current.company_id, name=current.company.name, role=current.role),
        companies=[
            CompanyOut(id=m.company_id, name=m.company.name, role=m.role)
            for m in active_memberships(user)
        ],
    )
