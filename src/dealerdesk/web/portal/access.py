"""Who is asking: the signed-in dealer user and the company they act for on this request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.accounts.models import Company, Membership
from dealerdesk.accounts.queries import ASSISTED_COMPANY_SESSION_KEY as ASSIST_KEY
from dealerdesk.accounts.queries import CURRENT_COMPANY_SESSION_KEY as SESSION_KEY
from dealerdesk.accounts.queries import active_memberships, assisted_company, pick_membership

_CACHE_ATTR = "_dealerdesk_membership"
_ALL_ATTR = "_dealerdesk_memberships"


def memberships_of(request: HttpRequest) -> list[Membership]:
    """Every company the signed-in person may act for (read once per request)."""
    if not hasattr(request, _ALL_ATTR):
        setattr(request, _ALL_ATTR, active_memberships(request.user))
    found: list[Membership] = getattr(request, _ALL_ATTR)
    return found


def membership_of(request: HttpRequest) -> Membership | None:
    """The membership for the company chosen in this session (once per request)."""
    if hasattr(request, _CACHE_ATTR):
        cached: Membership | None = getattr(request, _CACHE_ATTR)
        return cached
    membership = None
    if request.user.is_authenticated and ASSIST_KEY in request.session:
        membership = _assisting(request)
    elif request.user.is_authenticated:
        membership = pick_membership(memberships_of(request), request.session.get(SESSION_KEY))
        if membership is not None and request.session.get(SESSION_KEY) != membership.company_id:
            request.session[SESSION_KEY] = membership.company_id
    setattr(request, _CACHE_ATTR, membership)
    return membership


def _assisting(request: HttpRequest) -> Membership | None:
    """A sales manager acting for one of their dealers: a buyer's rights in that company,
    for as long as the dealer is theirs (checked on every request)."""
    company = assisted_company(request.user, request.session.get(ASSIST_KEY))
    if company is None:
        del request.session[ASSIST_KEY]
        return None
    membership = Membership(
        user=request.user,  # type: ignore[misc] # signed in: assisted_company said so
        company=company,
        role=MembershipRole.BUYER,
    )
    membership.assisting = True  # type: ignore[attr-defined]
    return membership


def start_assisting(request: HttpRequest, company: Company) -> None:
    request.session[ASSIST_KEY] = company.pk
    if hasattr(request, _CACHE_ATTR):
        delattr(request, _CACHE_ATTR)


def stop_assisting(request: HttpRequest) -> None:
    request.session.pop(ASSIST_KEY, None)
    if hasattr(request, _CACHE_ATTR):
        delattr(request, _CACHE_ATTR)


def assisting(request: HttpRequest) -> bool:
    """Whether the person is a supplier's manager ordering for a dealer on this request."""
    membership = membership_of(request)
    return bool(getattr(membership, "assisting", False))


def choose_company(request: HttpRequest, company_id: int) -> None:
    request.session[SESSION_KEY] = company_id
    if hasattr(request, _CACHE_ATTR):
        delattr(request, _CACHE_ATTR)


class DealerRequest(HttpRequest):
    """An HttpRequest known to carry a dealer membership (for type checkers)."""

    membership: Membership
    company: Company


ViewFunc = Callable[..., HttpResponse]


def dealer_required(view: ViewFunc) -> ViewFunc:
    """Signed in, member of an active dealer company; sets request.membership/company."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_of(request)
        if membership is None:
            if request.user.is_staff:
                return redirect("backoffice:index")
            return render(request, "portal/no_company.html", status=403)
        if membership.company.is_blocked:
            return render(
                request, "portal/company_blocked.html", {"membership": membership}, status=403
            )
        request.membership = membership  # type: ignore[attr-defined]
        request.company = membership.company  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def role_required(
    allowed: Callable[[Membership], bool], refusal: str
) -> Callable[[ViewFunc], ViewFunc]:
    """A dealer view that only some roles may use; others get ``refusal`` (a template)
    with 403."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        @dealer_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership: Membership = request.membership  # type: ignore[attr-defined]
            if not allowed(membership):
                return render(request, refusal, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


# Only a company's owner manages its people.
owner_required = role_required(lambda m: m.can_manage_team, "portal/owner_only.html")
# Only owners and buyers change the cart and place orders.
buyer_required = role_required(lambda m: m.can_order, "portal/buyers_only.html")


def not_found_as_404(*missing: type[ObjectDoesNotExist]) -> Callable[[ViewFunc], ViewFunc]:
    """The view answers 404 when a service raises one of ``missing`` (``DoesNotExist``):
    services scope every read by company, so another company's object and one removed
    since the page was shown look the same, and neither is the dealer's to see."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except missing as error:
                raise Http404("No such thing in your company") from error

        return wrapper

    return decorate


def dealer(request: HttpRequest) -> Membership:
    """The membership a ``dealer_required`` view acts under."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership
