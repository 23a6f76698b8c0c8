"""Reads of the accounts domain, shaped for pages and scoped by who is asking."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from dealerdesk.accounts.choices import AccessRequestStatus, StaffRole
from dealerdesk.accounts.models import (
    AccessRequest,
    Company,
    CompanyQuerySet,
    Invite,
    Membership,
    StaffProfile,
    User,
)

# The session key under which the web UI and the API remember the company a person acts for.
CURRENT_COMPANY_SESSION_KEY = "dealerdesk_company_id"
# The dealer a staff member is ordering for (assisted ordering).
ASSISTED_COMPANY_SESSION_KEY = "dealerdesk_assisting_company_id"


def active_memberships(user: Any) -> list[Membership]:
    """The companies a person may act for, by company name, in one query (with each
    company's personal manager, whom the pages show)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("company", "company__personal_manager__user")
        .order_by("company__name", "pk")
    )


def pick_membership(memberships: list[Membership], company_id: int | None) -> Membership | None:
    """The membership for ``company_id`` among ``memberships``, else the first one."""
    chosen = next((m for m in memberships if m.company_id == company_id), None)
    return chosen or (memberships[0] if memberships else None)


def current_membership(user: Any, company_id: int | None) -> Membership | None:
    """The membership for ``company_id`` if the user has it, else their first one."""
    return pick_membership(active_memberships(user), company_id)


def staff_profile(user: Any) -> StaffProfile | None:
    if not (user.is_authenticated and user.is_staff):
        return None
    try:
        profile: StaffProfile = user.staff_profile
    except StaffProfile.DoesNotExist:
        return None
    return profile


def is_supplier_admin(user: Any) -> bool:
    """Superusers and staff with the admin role see every dealer."""
    if not user.is_authenticated or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    profile = staff_profile(user)
    return profile is not None and profile.role == StaffRole.ADMIN


def companies_for_staff(user: Any) -> CompanyQuerySet:
    """Dealers a staff member may see: all for an admin, their assigned ones for a manager."""
    if is_supplier_admin(user):
        return Company.objects.all()
    if not user.is_authenticated or not user.is_staff:
        return Company.objects.none()
    return Company.objects.filter(personal_manager__user=user)


def assisted_company(user: Any, company_id: int | None) -> Company | None:
    """The dealer a staff member may act for (assisted ordering): one of their own, not
    blocked; read from the database on every request, so a reassigned dealer stops at once."""
    if company_id is None or not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    return (
        companies_for_staff(user)
        .filter(pk=company_id, is_blocked=False)
        .select_related("personal_manager__user")
        .first()
    )


def memberships_for_staff(user: Any) -> Any:
    return Membership.objects.filter(company__in=companies_for_staff(user))


def invites_for_staff(user: Any) -> Any:
    return Invite.objects.filter(company__in=companies_for_staff(user))


def access_requests_for_staff(user: Any) -> Any:
    """Admins see every request; a manager sees open ones and those that landed with them."""
    if is_supplier_admin(user):
        return AccessRequest.objects.all()
    if not user.is_authenticated or not user.is_staff:
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(
        Q(status=AccessRequestStatus.PENDING)
        | Q(decided_by=user)
        | Q(company__personal_manager__user=user)
    )


def colleagues(company: Company) -> list[Membership]:
    return list(
        Membership.objects.filter(company=company).select_related("user").order_by("user__email")
    )


def company_invites(company: Company) -> list[Invite]:
    return list(Invite.objects.filter(company=company).select_related("invited_by"))


def users_for_staff(user: Any) -> Any:
    """People a staff member may see: everyone for an admin; for a sales manager, the people
    of their dealers (never other staff) and themselves."""
    if is_supplier_admin(user):
        return User.objects.all()
    if not user.is_authenticated or not user.is_staff:
        return User.objects.none()
    members = Membership.objects.filter(company__in=companies_for_staff(user)).values("user_id")
    return User.objects.filter(Q(pk__in=members, is_staff=False) | Q(pk=user.pk))
