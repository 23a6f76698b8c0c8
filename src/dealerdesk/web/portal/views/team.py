"""A dealer company's people: colleagues, their roles, and invitations (owners manage)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dealerdesk.accounts import services
from dealerdesk.accounts.choices import InviteStatus
from dealerdesk.accounts.errors import AccountsError, AccountsErrorCode
from dealerdesk.accounts.models import Invite, Membership
from dealerdesk.accounts.queries import colleagues, company_invites
from dealerdesk.web.portal.access import dealer, dealer_required, owner_required
from dealerdesk.web.portal.forms import InviteColleagueForm, RoleForm


@dealer_required
def team(request: HttpRequest) -> HttpResponse:
    membership = dealer(request)
    form = InviteColleagueForm()
    return _render_team(request, membership, form)


def _render_team(
    request: HttpRequest, membership: Membership, form: InviteColleagueForm, status: int = 200
) -> HttpResponse:
    company = membership.company
    invites = company_invites(company) if membership.can_manage_team else []
    return render(
        request,
        "portal/team/team.html",
        {
            "members": colleagues(company),
            "invites": invites,
            "form": form,
            "can_manage": membership.can_manage_team,
        },
        status=status,
    )


@require_POST
@owner_required
def invite(request: HttpRequest) -> HttpResponse:
    membership = dealer(request)
    form = InviteColleagueForm(request.POST)
    if form.is_valid():
        try:
            issued = services.create_invite(
                membership.company,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,  # type: ignore[arg-type]
                base_url=request.build_absolute_uri("/"),
            )
        except AccountsError as error:
            # Whether an address belongs to the supplier's staff is not a dealer's business.
            hidden = error.code in {
                AccountsErrorCode.STAFF_EMAIL,
                AccountsErrorCode.ACCOUNT_DISABLED,
            }
            form.add_error(
                "email",
                "This address cannot be invited from the portal; your manager can help."
                if hidden
                else error.message,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            messages.success(request, f"Invitation sent to {issued.invite.email}.")
            return redirect("portal:team")
    return _render_team(request, membership, form, status=400)


def _company_invite(request: HttpRequest, pk: int) -> Invite:
    try:
        return Invite.objects.get(pk=pk, company=dealer(request).company)
    except Invite.DoesNotExist as error:
        raise Http404("No such invitation") from error


def _company_member(request: HttpRequest, pk: int) -> Membership:
    try:
        return Membership.objects.select_related("user").get(pk=pk, company=dealer(request).company)
    except Membership.DoesNotExist as error:
        raise Http404("No such colleague") from error


@require_POST
@owner_required
def revoke_invite(request: HttpRequest, pk: int) -> HttpResponse:
    invite = _company_invite(request, pk)
    if services.revoke_invite(invite, by=request.user):  # type: ignore[arg-type]
        messages.success(request, f"The invitation for {invite.email} was withdrawn.")
    elif invite.status == InviteStatus.ACCEPTED:
        messages.info(
            request,
            f"{invite.email} had already accepted the invitation and joined. "
            "To take their access away, use “Remove access” next to their name.",
        )
    else:
        messages.info(request, f"The invitation for {invite.email} was no longer open.")
    return redirect("portal:team")


@dealer_required
def member(request: HttpRequest, pk: int) -> HttpResponse:
    membership = dealer(request)
    colleague = _company_member(request, pk)
    form = RoleForm(initial={"role": colleague.role})
    if request.method == "POST":
        if not membership.can_manage_team:
            return render(request, "portal/owner_only.html", status=403)
        form = RoleForm(request.POST)
        if form.is_valid():
            try:
                services.change_member_role(
                    colleague,
                    role=form.cleaned_data["role"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except AccountsError as error:
                form.add_error("role", error.message)
            else:
                messages.success(
                    request, f"{colleague.user} is now {colleague.get_role_display()}."
                )
                return redirect("portal:team")
    return render(
        request,
        "portal/team/member.html",
        {"colleague": colleague, "form": form, "can_manage": membership.can_manage_team},
        status=400 if form.errors else 200,
    )


@require_POST
@owner_required
def member_access(request: HttpRequest, pk: int) -> HttpResponse:
    colleague = _company_member(request, pk)
    if request.POST.get("active") not in {"0", "1"}:
        return HttpResponseBadRequest("Say active=1 to give access or active=0 to remove it.")
    active = request.POST["active"] == "1"
    try:
        services.set_member_active(colleague, active=active, by=request.user)  # type: ignore[arg-type]
    except AccountsError as error:
        messages.error(request, error.message)
    else:
        verb = "can use the portal again" if active else "no longer has access"
        messages.success(request, f"{colleague.user} {verb}.")
    return redirect("portal:team")
