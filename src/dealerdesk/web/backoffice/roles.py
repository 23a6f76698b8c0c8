"""Who is asking in the back office: a supplier admin, a sales manager, or nobody we know.

The back office does not use Django's model permissions. What a person may see and do
follows their StaffProfile role; every ModelAdmin here asks ``role_of(request)``.
"""

from __future__ import annotations

from enum import StrEnum

from django.http import HttpRequest

from dealerdesk.accounts.models import StaffProfile
from dealerdesk.accounts.queries import is_supplier_admin, staff_profile

_CACHE_ATTR = "_backoffice_role"


class Role(StrEnum):
    ADMIN = "admin"
    """A superuser or a StaffProfile with the admin role: sees and changes everything."""
    MANAGER = "manager"
    """A sales manager: their own dealers, their own card, the catalog read-only."""
    NONE = "none"
    """A staff account without a profile: the back office shows nothing to it."""


def role_of(request: HttpRequest) -> Role:
    """The back-office role of the signed-in person, worked out once per request."""
    cached: Role | None = getattr(request, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        role = Role.NONE
    elif is_supplier_admin(user):
        role = Role.ADMIN
    elif staff_profile(user) is not None:
        role = Role.MANAGER
    else:
        role = Role.NONE
    setattr(request, _CACHE_ATTR, role)
    return role


def profile_of(request: HttpRequest) -> StaffProfile | None:
    """The StaffProfile of the signed-in staff member, if they have one."""
    return staff_profile(request.user)
