"""The access-request queue: prospects waiting to become dealers, approved or rejected here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.expressions import OrderBy
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from dealerdesk.accounts.choices import AccessRequestStatus
from dealerdesk.accounts.errors import AccountsError, AccountsErrorCode
from dealerdesk.accounts.models import AccessRequest
from dealerdesk.accounts.queries import access_requests_for_staff, companies_for_staff
from dealerdesk.accounts.services import (
    approve_access_request,
    matching_company,
    reject_access_request,
)
from dealerdesk.web.backoffice.admin_accounts import invite_issued_message
from dealerdesk.web.backoffice.base import DELETE, READ_ONLY, VIEW, BackofficeAdmin
from dealerdesk.web.backoffice.forms import (
    APPROVE_ERROR_FIELDS,
    ApproveAccessRequestForm,
    RejectAccessRequestForm,
    add_domain_error,
)
from dealerdesk.web.backoffice.pages import form_page
from dealerdesk.web.backoffice.roles import Role, profile_of, role_of
from dealerdesk.web.backoffice.site import backoffice_site

ALL = "all"

APPROVE_FIELDSETS: list[tuple[str | None, dict[str, Any]]] = [
    ("Link to an existing company", {"fields": ["company"]}),
    (
        "… or create a new company",
        {
            "fields": [
                "name",
                "legal_name",
                "tax_id",
                "customer_group",
                "tier",
                "region",
                "personal_manager",
            ]
        },
    ),
    ("Invitation", {"fields": ["invite_email", "role"]}),
]


class AccessRequestStatusFilter(admin.SimpleListFilter):
    """Status, pending unless asked otherwise: the queue is what staff come here for."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        choices = [(str(value), str(label)) for value, label in AccessRequestStatus.choices]
        return [*choices, (ALL, "All")]

    def chosen(self) -> str:
        value = self.value()
        return value if value in (*AccessRequestStatus.values, ALL) else AccessRequestStatus.PENDING

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        chosen = self.chosen()
        return queryset if chosen == ALL else queryset.filter(status=chosen)

    def choices(self, changelist: Any) -> Iterator[Any]:
        chosen = self.chosen()
        for value, label in self.lookup_choices:
            yield {
                "selected": chosen == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


@admin.register(AccessRequest, site=backoffice_site)
class AccessRequestAdmin(BackofficeAdmin):
    """Requests come from the public form and change only by approval or rejection."""

    admin_permissions = frozenset({VIEW, DELETE})
    manager_permissions = READ_ONLY
    change_form_template = "backoffice/accounts/accessrequest/change_form.html"
    list_display = (
        "company_name",
        "contact_person",
        "last_requested",
        "status",
        "possible_match",
        "decide_links",
    )
    list_display_links = ("company_name",)
    list_filter = (AccessRequestStatusFilter,)
    search_fields = ("company_name", "contact_name", "contact", "contact_email", "contact_phone")
    list_select_related = ("company", "decided_by")
    fieldsets = (
        (
            "Request",
            {
                "fields": (
                    "company_name",
                    "contact_name",
                    "contact",
                    "contact_email",
                    "contact_phone",
                    "times_requested",
                    "created_at",
                    "last_requested_at",
                    "remote_addr",
                    "possible_match",
                )
            },
        ),
        (
            "Decision",
            {"fields": ("status", "company", "decided_by", "decided_at", "rejection_reason")},
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(pk__in=access_requests_for_staff(request.user).values("pk"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # A manager is told only about matches among their own dealers.
        same_name = (
            companies_for_staff(request.user).filter(name_key=OuterRef("name_key")).order_by("pk")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                match_id=Subquery(same_name.values("pk")[:1]),
                match_name=Subquery(same_name.values("name")[:1]),
            )
        )

    def get_ordering(self, request: HttpRequest) -> tuple[str | OrderBy, ...]:
        pending_first = Case(
            When(status=AccessRequestStatus.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return (pending_first.asc(), "-last_requested_at")

    def has_decide_permission(self, request: HttpRequest, obj: AccessRequest) -> bool:
        return obj.status == AccessRequestStatus.PENDING and role_of(request) in (
            Role.ADMIN,
            Role.MANAGER,
        )

    # --- columns ----------------------------------------------------------------------------

    def _change_url(self, name: str, pk: Any) -> str:
        return reverse(f"{self.admin_site.name}:{name}", args=[pk])

    @admin.display(description="contact")
    def contact_person(self, obj: AccessRequest) -> SafeString:
        return format_html("{}<br><small>{}</small>", obj.contact_name, obj.contact)

    @admin.display(description="requested", ordering="last_requested_at")
    def last_requested(self, obj: AccessRequest) -> str:
        when = date_format(timezone.localtime(obj.last_requested_at), "SHORT_DATETIME_FORMAT")
        return f"{when}, {obj.times_requested} times" if obj.times_requested > 1 else when

    @admin.display(description="possible match")
    def possible_match(self, obj: AccessRequest) -> str | SafeString:
        if obj.company_id is not None and obj.company is not None:
            company_id, name = obj.company_id, obj.company.name
        elif getattr(obj, "match_id", None) is not None:
            company_id, name = obj.match_id, obj.match_name  # type: ignore[attr-defined]
        else:
            return "—"
        url = self._change_url("accounts_company_change", company_id)
        return format_html('<a href="{}">{}</a>', url, name)

    @admin.display(description="")
    def decide_links(self, obj: AccessRequest) -> str | SafeString:
        if obj.status != AccessRequestStatus.PENDING:
            return ""
        links = (
            (self._change_url("accounts_accessrequest_approve", obj.pk), "Approve"),
            (self._change_url("accounts_accessrequest_reject", obj.pk), "Reject"),
        )
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    # --- pages ------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name=f"{prefix}_approve",
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name=f"{prefix}_reject",
            ),
            *super().get_urls(),
        ]

    def page_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"can_decide": self.has_decide_permission(request, obj)}

    def _decidable(self, request: HttpRequest, object_id: str) -> AccessRequest | HttpResponse:
        """The pending request behind ``object_id``, or the response that says why not."""
        access_request = self.get_object(request, unquote(object_id))
        if access_request is None:
            return self.missing_object_redirect(request, object_id)
        if role_of(request) not in (Role.ADMIN, Role.MANAGER):
            raise PermissionDenied
        if access_request.status != AccessRequestStatus.PENDING:
            messages.error(request, AccountsError(AccountsErrorCode.ALREADY_DECIDED).message)
            change_url = self._change_url("accounts_accessrequest_change", access_request.pk)
            return HttpResponseRedirect(change_url)
        return access_request

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        access_request = self._decidable(request, object_id)
        if isinstance(access_request, HttpResponse):
            return access_request
        match = matching_company(access_request)
        profile = profile_of(request)
        form = ApproveAccessRequestForm(
            request.POST or None,
            access_request=access_request,
            match=match,
            companies=companies_for_staff(request.user),
            default_manager=profile,
            can_assign_manager=role_of(request) is Role.ADMIN,
        )
        if request.method == "POST" and form.is_valid():
            try:
                issued = approve_access_request(
                    access_request,
                    by=request.user,  # type: ignore[arg-type]
                    invite_email=form.cleaned_data["invite_email"],
                    company=form.cleaned_data.get("company"),
                    details=form.company_details(),
                    role=form.cleaned_data["role"],
                    base_url=request.build_absolute_uri("/"),
                )
            except (AccountsError, ValidationError) as error:
                add_domain_error(form, error, APPROVE_ERROR_FIELDS)
            else:
                linked = form.cleaned_data.get("company") or match
                outcome = "linked to the existing company" if linked else "created the company"
                messages.success(
                    request,
                    format_html(
                        "Approved the request from {}: {} {}. {}",
                        access_request.company_name,
                        outcome,
                        issued.invite.company.name,
                        invite_issued_message(issued),
                    ),
                )
                return HttpResponseRedirect(
                    reverse(f"{self.admin_site.name}:accounts_accessrequest_changelist")
                )
        return form_page(
            request,
            self,
            form=form,
            fieldsets=APPROVE_FIELDSETS,
            title="Approve the request",
            submit_label="Approve and send the invitation",
            cancel_url=self._change_url("accounts_accessrequest_change", access_request.pk),
            original=access_request,
            template="backoffice/accounts/accessrequest/approve.html",
            extra={"access_request": access_request, "match": match},
        )

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        access_request = self._decidable(request, object_id)
        if isinstance(access_request, HttpResponse):
            return access_request
        form = RejectAccessRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                reject_access_request(
                    access_request,
                    by=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                )
            except AccountsError as error:
                add_domain_error(form, error, {AccountsErrorCode.REASON_REQUIRED: "reason"})
            else:
                messages.success(
                    request, f"Rejected the request from {access_request.company_name}."
                )
                return HttpResponseRedirect(
                    reverse(f"{self.admin_site.name}:accounts_accessrequest_changelist")
                )
        return form_page(
            request,
            self,
            form=form,
            fieldsets=[(None, {"fields": ["reason"]})],
            title="Reject the request",
            submit_label="Reject",
            cancel_url=self._change_url("accounts_accessrequest_change", access_request.pk),
            original=access_request,
            template="backoffice/accounts/accessrequest/reject.html",
            extra={"access_request": access_request},
        )
