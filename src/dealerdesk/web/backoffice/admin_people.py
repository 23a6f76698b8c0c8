"""People in the back office: every account (staff and dealers) and the staff cards."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString

from dealerdesk.accounts.models import Membership, StaffProfile, User
from dealerdesk.accounts.queries import companies_for_staff, users_for_staff
from dealerdesk.core import audit
from dealerdesk.core.models import AuditAction
from dealerdesk.web.backoffice.base import (
    AUDIT_SOURCE,
    CHANGE,
    READ_ONLY,
    VIEW,
    BackofficeAdmin,
    BackofficeTabularInline,
)
from dealerdesk.web.backoffice.display import thumbnail
from dealerdesk.web.backoffice.forms import (
    BackofficeUserChangeForm,
    BackofficeUserCreationForm,
    StaffCardForm,
    StaffProfileForm,
)
from dealerdesk.web.backoffice.roles import Role, role_of
from dealerdesk.web.backoffice.site import backoffice_site


def _visible_memberships(request: HttpRequest) -> QuerySet[Membership]:
    memberships = Membership.objects.filter(is_active=True).select_related("company")
    if role_of(request) is not Role.ADMIN:
        memberships = memberships.filter(company__in=companies_for_staff(request.user))
    return memberships.order_by("company__name")


class UserMembershipInline(BackofficeTabularInline):
    model = Membership
    fk_name = "user"
    fields = ("company", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("company",)
    manager_permissions = READ_ONLY
    verbose_name = "company"
    verbose_name_plural = "companies"

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(company__in=companies_for_staff(request.user))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("company")


@admin.register(User, site=backoffice_site)
class UserAdmin(BackofficeAdmin, DjangoUserAdmin):
    """Django's user admin for an account named by e-mail; passwords via its own form."""

    form = BackofficeUserChangeForm
    add_form = BackofficeUserCreationForm
    manager_permissions = READ_ONLY
    list_display = ("email", "full_name", "is_staff", "is_active", "companies", "last_login")
    list_filter = ("is_staff", "is_active", "is_superuser")
    search_fields = ("email", "full_name", "phone")
    ordering = ("email",)
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "phone")}),
        (
            "Access",
            {
                "fields": ("is_active", "is_staff", "is_superuser"),
                "description": "Supplier staff also need a staff card (role) to see dealers.",
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "phone",
                    "is_staff",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    inlines = (UserMembershipInline,)

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(pk__in=users_for_staff(request.user).values("pk"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        memberships = Prefetch(
            "memberships", queryset=_visible_memberships(request), to_attr="visible_memberships"
        )
        return super().get_queryset(request).prefetch_related(memberships)

    @admin.display(description="companies")
    def companies(self, user: User) -> str:
        memberships = getattr(user, "visible_memberships", [])
        return ", ".join(membership.company.name for membership in memberships) or "—"

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else ()

    def object_allows(self, request: HttpRequest, action: str, obj: Any) -> bool:
        """Only a superuser changes a superuser (e-mail, password, access)."""
        if getattr(obj, "is_superuser", False) and not request.user.is_superuser:
            return action == VIEW
        return True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(self.readonly_fields)
        if not request.user.is_superuser:
            # Only a superuser makes another superuser.
            readonly += ("is_superuser",)
        return readonly

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        redirected_elsewhere = (
            response.status_code == 302 and response.get("Location") != request.get_full_path()
        )
        if request.method == "POST" and redirected_elsewhere:
            user = self.get_object(request, unquote(id))
            if user is not None:
                audit.record(
                    actor=request.user,
                    instance=user,
                    action=AuditAction.ACTION,
                    verb="set the password" if user.has_usable_password() else "disabled password",
                    source=AUDIT_SOURCE,
                )
        return response


@admin.register(StaffProfile, site=backoffice_site)
class StaffProfileAdmin(BackofficeAdmin):
    """Staff cards: admins manage them all; a sales manager edits their own photo and phone."""

    form = StaffProfileForm
    manager_permissions = frozenset({VIEW, CHANGE})
    audit_related = ("categories",)
    list_display = ("photo_thumbnail", "user", "role", "title", "phone", "region_names")
    list_display_links = ("photo_thumbnail", "user")
    list_filter = ("role", "regions")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__full_name", "title", "phone")
    filter_horizontal = ("regions",)
    fieldsets = (
        (None, {"fields": ("user", "role", "title", "phone")}),
        ("Photo", {"fields": ("photo", "photo_preview")}),
        ("Serves", {"fields": ("regions", "categories")}),
        ("ERP", {"classes": ("collapse",), "fields": ("external_id",)}),
    )
    manager_fieldsets = (
        (None, {"fields": ("user", "role", "title", "phone")}),
        ("Photo", {"fields": ("photo", "photo_preview")}),
        ("Serves", {"fields": ("served_regions", "served_categories")}),
    )

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(user=request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("regions")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if role_of(request) is Role.MANAGER:
            return self.manager_fieldsets
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if role_of(request) is Role.MANAGER:
            return ("user", "role", "photo_preview", "served_regions", "served_categories")
        return ("photo_preview",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if role_of(request) is Role.MANAGER:
            kwargs["form"] = StaffCardForm
        return super().get_form(request, obj, change, **kwargs)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Set before the audited save_related, so the entry shows the categories after.
        if "categories" in form.fields:
            form.instance.categories.set(form.cleaned_data["categories"])
        super().save_related(request, form, formsets, change)

    @admin.display(description="photo")
    def photo_thumbnail(self, profile: StaffProfile) -> str | SafeString:
        return thumbnail(profile.photo, 32)

    @admin.display(description="preview")
    def photo_preview(self, profile: StaffProfile) -> str | SafeString:
        return thumbnail(profile.photo, 120)

    @admin.display(description="regions")
    def region_names(self, profile: StaffProfile) -> str:
        return ", ".join(region.name for region in profile.regions.all()) or "—"

    @admin.display(description="regions")
    def served_regions(self, profile: StaffProfile) -> str:
        return self.region_names(profile)

    @admin.display(description="categories served")
    def served_categories(self, profile: StaffProfile) -> str:
        return ", ".join(category.name for category in profile.categories.all()) or "—"
