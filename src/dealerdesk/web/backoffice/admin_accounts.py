"""Dealers in the back office: companies, their people's memberships, invites, and the
reference lists (regions, customer groups, tiers)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.related import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from dealerdesk.accounts.choices import InviteStatus
from dealerdesk.accounts.errors import AccountsError
from dealerdesk.accounts.models import (
    Company,
    CustomerGroup,
    Invite,
    Membership,
    Region,
    Tier,
)
from dealerdesk.accounts.queries import assisted_company, companies_for_staff, users_for_staff
from dealerdesk.accounts.services import IssuedInvite, create_invite, revoke_invite
from dealerdesk.web.backoffice.admin_delivery import DeliveryAddressInline
from dealerdesk.web.backoffice.base import (
    ADD,
    CHANGE,
    DELETE,
    NOTHING,
    READ_ONLY,
    VIEW,
    BackofficeAdmin,
    BackofficeTabularInline,
)
from dealerdesk.web.backoffice.forms import (
    INVITE_ERROR_FIELDS,
    CompanyForm,
    InvitePersonForm,
    add_domain_error,
)
from dealerdesk.web.backoffice.pages import form_page
from dealerdesk.web.backoffice.roles import Role, profile_of, role_of
from dealerdesk.web.backoffice.site import backoffice_site

MANAGE = frozenset({VIEW, ADD, CHANGE})


def invite_issued_message(issued: IssuedInvite) -> SafeString:
    """The success message with the link, so staff can also pass it on by messenger."""
    return format_html(
        "Invitation for {} to {} sent. You can also pass the link on yourself "
        "(it works once, until {}): <code class='invite-link'>{}</code>",
        issued.invite.email,
        issued.invite.company.name,
        timezone.localtime(issued.invite.expires_at).strftime("%d %b %Y %H:%M"),
        issued.url,
    )


def issue_invite(
    request: HttpRequest, form: InvitePersonForm, company: Company
) -> IssuedInvite | None:
    """Call ``create_invite`` with a valid form; on refusal put the reason on the form."""
    try:
        return create_invite(
            company,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,  # type: ignore[arg-type]
            base_url=request.build_absolute_uri("/"),
        )
    except (AccountsError, ValidationError) as error:
        add_domain_error(form, error, INVITE_ERROR_FIELDS)
        return None


INVITE_FIELDSETS: list[tuple[str | None, dict[str, Any]]] = [
    (None, {"fields": ["company", "email", "role"]})
]


def no_owner_warning(request: HttpRequest, company: Company) -> None:
    """Staff may take the last owner away (someone left); say that nobody manages the team."""
    memberships = company.memberships.filter(is_active=True)
    if memberships.exists() and not memberships.filter(role="owner").exists():
        messages.warning(
            request,
            f"{company.name} has no active owner now: nobody there can invite colleagues. "
            "Invite one, or give someone the owner role.",
        )


# --- companies ----------------------------------------------------------------------------


class MembershipInline(BackofficeTabularInline):
    model = Membership
    fields = ("user", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    manager_permissions = MANAGE
    verbose_name = "person"
    verbose_name_plural = "people"

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(company__in=companies_for_staff(request.user))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("user")

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "user":
            # New people come in by invitation; here only dealer people staff can already see.
            kwargs["queryset"] = users_for_staff(request.user).filter(is_staff=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CompanyInviteInline(BackofficeTabularInline):
    model = Invite
    fields = ("email", "role", "invite_status", "expires_at", "invited_by", "created_at")
    readonly_fields = fields
    admin_permissions = READ_ONLY
    manager_permissions = READ_ONLY
    can_delete = False
    show_change_link = True
    verbose_name_plural = "invitations"

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(company__in=companies_for_staff(request.user))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("invited_by")

    @admin.display(description="status")
    def invite_status(self, invite: Invite) -> str:
        return str(invite.status.label)


@admin.register(Company, site=backoffice_site)
class CompanyAdmin(BackofficeAdmin):
    form = CompanyForm
    manager_permissions = MANAGE
    change_form_template = "backoffice/accounts/company/change_form.html"
    list_display = (
        "name",
        "external_id",
        "tax_id",
        "customer_group",
        "tier",
        "region",
        "personal_manager",
        "is_blocked",
        "user_count",
    )
    list_select_related = ("customer_group", "tier", "region", "personal_manager__user")
    search_fields = ("name", "legal_name", "tax_id", "external_id")
    list_filter = (
        "is_blocked",
        "customer_group",
        "tier",
        "region",
        "stock_display_policy",
        "personal_manager",
    )
    fieldsets = (
        ("Identity", {"fields": ("name", "legal_name", "tax_id", "external_id")}),
        (
            "Commercial",
            {
                "fields": (
                    "customer_group",
                    "tier",
                    "region",
                    "stock_display_policy",
                    "personal_manager",
                )
            },
        ),
        ("Contact", {"fields": ("email", "phone")}),
        (
            "Credit",
            {
                "fields": ("credit_limit", "balance", "credit_currency", "credit_policy"),
                "description": "The ERP keeps these current; set them here until it does. "
                "Sales managers read them.",
            },
        ),
        ("Status", {"fields": ("is_blocked", "blocked_reason")}),
        (
            "ERP",
            {
                "classes": ("collapse",),
                "fields": ("erp_version", "erp_changed_at", "created_at", "updated_at"),
            },
        ),
    )
    readonly_fields = ("erp_version", "erp_changed_at", "created_at", "updated_at")
    inlines = (MembershipInline, CompanyInviteInline, DeliveryAddressInline)
    credit_fields = ("credit_limit", "balance", "credit_currency", "credit_policy")

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(pk__in=companies_for_staff(request.user).values("pk"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .annotate(active_users=Count("memberships", filter=Q(memberships__is_active=True)))
        )

    @admin.display(description="users", ordering="active_users")
    def user_count(self, company: Company) -> int:
        return int(getattr(company, "active_users", 0))

    def page_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        """ "Order for this dealer" for staff who look after it."""
        return {"may_assist": assisted_company(request.user, obj.pk) is not None}

    def get_list_filter(self, request: HttpRequest) -> Any:
        if role_of(request) is Role.MANAGER:
            return tuple(name for name in self.list_filter if name != "personal_manager")
        return self.list_filter

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(self.readonly_fields)
        if role_of(request) is Role.MANAGER:
            # A manager's dealers stay theirs; the ERP id is the integration's business;
            # credit is the finance side's.
            readonly += ("personal_manager", "external_id", *self.credit_fields)
        return readonly

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and role_of(request) is Role.MANAGER:
            obj.personal_manager = profile_of(request)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        no_owner_warning(request, form.instance)

    # --- "Invite a person" ------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/invite/",
                self.admin_site.admin_view(self.invite_view),
                name="{}_{}_invite".format(*info),
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        company = self.get_object(request, unquote(object_id))
        if company is None:
            return self.missing_object_redirect(request, object_id)
        if not self.has_change_permission(request, company):
            raise PermissionDenied
        change_url = reverse(f"{self.admin_site.name}:accounts_company_change", args=[company.pk])
        form = InvitePersonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            issued = issue_invite(request, form, company)
            if issued is not None:
                messages.success(request, invite_issued_message(issued))
                return HttpResponseRedirect(change_url)
        return form_page(
            request,
            self,
            form=form,
            fieldsets=INVITE_FIELDSETS,
            title="Invite a person",
            submit_label="Send the invitation",
            cancel_url=change_url,
            original=company,
        )


@admin.register(Membership, site=backoffice_site)
class MembershipAdmin(BackofficeAdmin):
    manager_permissions = MANAGE
    list_display = ("user", "company", "role", "is_active", "created_at")
    list_filter = ("role", "is_active")
    list_select_related = ("user", "company")
    search_fields = ("user__email", "user__full_name", "company__name")
    autocomplete_fields = ("user", "company")
    fields = ("user", "company", "role", "is_active", "created_at", "updated_at")

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(company__in=companies_for_staff(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A membership is one person in one company: change its role or access, not who.
        return ("created_at", "updated_at") + (("user", "company") if obj else ())

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "company":
            kwargs["queryset"] = companies_for_staff(request.user)
        elif db_field.name == "user":
            kwargs["queryset"] = users_for_staff(request.user).filter(is_staff=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        no_owner_warning(request, obj.company)


# --- invites ------------------------------------------------------------------------------


class InviteStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(value), str(label)) for value, label in InviteStatus.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        open_ = queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        match self.value():
            case InviteStatus.PENDING:
                return open_.filter(expires_at__gt=now)
            case InviteStatus.EXPIRED:
                return open_.filter(expires_at__lte=now)
            case InviteStatus.ACCEPTED:
                return queryset.filter(accepted_at__isnull=False)
            case InviteStatus.REVOKED:
                return queryset.filter(accepted_at__isnull=True, revoked_at__isnull=False)
        return queryset


@admin.register(Invite, site=backoffice_site)
class InviteAdmin(BackofficeAdmin):
    """Invites are issued by ``create_invite`` (never a raw save) and are never edited."""

    admin_permissions = frozenset({VIEW, ADD, DELETE})
    manager_permissions = frozenset({VIEW, ADD})
    list_display = (
        "email",
        "company",
        "role",
        "invite_status",
        "expires_at",
        "invited_by",
        "created_at",
    )
    list_filter = (InviteStatusFilter, "role")
    list_select_related = ("company", "invited_by")
    search_fields = ("email", "company__name")
    date_hierarchy = "created_at"
    actions = ("revoke",)
    fields = (
        "company",
        "email",
        "role",
        "invite_status",
        "expires_at",
        "invited_by",
        "created_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "access_request",
    )
    readonly_fields = fields

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(company__in=companies_for_staff(request.user))

    @admin.display(description="status")
    def invite_status(self, invite: Invite) -> str:
        return str(invite.status.label)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(description="Revoke the selected invitations", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        revoked = 0
        for invite in queryset:
            if revoke_invite(invite, by=request.user):  # type: ignore[arg-type]
                revoked += 1
        if revoked:
            self.message_user(
                request, f"{revoked} invitation(s) revoked; the links no longer work."
            )
        else:
            self.message_user(
                request, "None of these invitations was pending.", level=messages.WARNING
            )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        changelist_url = reverse(f"{self.admin_site.name}:accounts_invite_changelist")
        form = InvitePersonForm(
            request.POST or None,
            companies=companies_for_staff(request.user),
            initial={"company": request.GET.get("company")},
        )
        if request.method == "POST" and form.is_valid():
            issued = issue_invite(request, form, form.cleaned_data["company"])
            if issued is not None:
                messages.success(request, invite_issued_message(issued))
                return HttpResponseRedirect(changelist_url)
        return form_page(
            request,
            self,
            form=form,
            fieldsets=INVITE_FIELDSETS,
            title="Invite a person",
            submit_label="Send the invitation",
            cancel_url=changelist_url,
        )


# --- reference lists (supplier admins only) -------------------------------------------------


class ReferenceListAdmin(BackofficeAdmin):
    """A coded list the ERP owns (regions, groups, tiers): supplier admins only."""

    manager_permissions = NOTHING
    list_display: tuple[str, ...] = ("name", "code", "external_id")
    search_fields = ("name", "code", "external_id")
    readonly_fields = ("erp_version", "erp_changed_at")


backoffice_site.register(Region, ReferenceListAdmin)
backoffice_site.register(CustomerGroup, ReferenceListAdmin)


@admin.register(Tier, site=backoffice_site)
class TierAdmin(ReferenceListAdmin):
    list_display = ("name", "code", "rank", "external_id")
