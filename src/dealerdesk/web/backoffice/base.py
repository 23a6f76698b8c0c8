"""What every back-office ModelAdmin and inline shares: role checks and the audit log.

Permissions come from the staff role (``roles.role_of``), never from Django's model
permissions: each admin says what a supplier admin and what a sales manager may do with its
model, and which rows a manager sees (``scope_for_manager``). Every change saved through a
form, an inline or a delete is written to the audit log here, explicitly, not by signals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst

from dealerdesk.accounts.models import Company
from dealerdesk.core import audit
from dealerdesk.core.models import AuditAction
from dealerdesk.web.backoffice.roles import Role, role_of

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
EVERYTHING: frozenset[str] = frozenset({VIEW, ADD, CHANGE, DELETE})
READ_ONLY: frozenset[str] = frozenset({VIEW})
NOTHING: frozenset[str] = frozenset()

AUDIT_SOURCE = "back office"
# Left out of audit snapshots: secrets (a password or invite token hash), and the change time
# that every save moves (the entry has its own time).
UNAUDITED_FIELDS = frozenset({"password", "token_hash", "updated_at"})
_BEFORE_ATTR = "_backoffice_audit_before"


def company_id_of(obj: models.Model) -> int | None:
    """The dealer a record belongs to, so that its audit entries show up for its manager."""
    if isinstance(obj, Company):
        return obj.pk
    value = getattr(obj, "company_id", None)
    return value if isinstance(value, int) else None


def audit_snapshot(obj: models.Model, related: Iterable[str] = ()) -> dict[str, Any]:
    """Field values plus many-to-many ids (own and ``related`` reverse ones), secrets left out."""
    snapshot = audit.snapshot(obj)
    data = {key: value for key, value in snapshot.items() if key not in UNAUDITED_FIELDS}
    if obj.pk is None:
        return data
    names = [field.name for field in obj._meta.many_to_many] + list(related)
    for name in names:
        data[name] = sorted(getattr(obj, name).values_list("pk", flat=True))
    return data


class RoleAccess:
    """Which of view / add / change / delete each role has on one model."""

    admin_permissions: ClassVar[frozenset[str]] = EVERYTHING
    manager_permissions: ClassVar[frozenset[str]] = NOTHING

    def role_allows(self, request: HttpRequest, action: str) -> bool:
        role = role_of(request)
        if role is Role.ADMIN:
            return action in self.admin_permissions
        if role is Role.MANAGER:
            return action in self.manager_permissions
        return False

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        role = role_of(request)
        if role is Role.ADMIN:
            return queryset
        if role is Role.MANAGER:
            return self.scope_for_manager(request, queryset)
        return queryset.none()

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The rows a sales manager may see; nothing unless an admin class says otherwise."""
        return queryset.none()


class BackofficeAdmin(RoleAccess, admin.ModelAdmin):
    """A ModelAdmin whose permissions follow the staff role and whose changes are audited."""

    # Reverse many-to-many managers to include in audit snapshots (e.g. "categories").
    audit_related: ClassVar[tuple[str, ...]] = ()

    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("backoffice/backoffice.css",)}

    # --- the change page ----------------------------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        extra = {**(extra_context or {}), **(self.page_context(request, obj) if obj else {})}
        return super().change_view(request, object_id, form_url, extra)

    def page_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        """What the change page's template needs beyond the form: the buttons this object
        allows this person (approve, adjust, order for the dealer)."""
        return {}

    # --- permissions ------------------------------------------------------------------------

    def object_allows(self, request: HttpRequest, action: str, obj: Any) -> bool:
        """A further per-object rule (e.g. a decided request is final); True by default."""
        return True

    def _allows(self, request: HttpRequest, action: str, obj: Any = None) -> bool:
        if not self.role_allows(request, action):
            return False
        return obj is None or self.object_allows(request, action, obj)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Django's per-object history names related objects of any dealer: admins only.
        Managers read the audit log, which is scoped to their dealers."""
        if role_of(request) is not Role.ADMIN:
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.role_allows(request, VIEW) or self.role_allows(request, CHANGE)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, VIEW, obj) or self._allows(request, CHANGE, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allows(request, ADD)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, CHANGE, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, DELETE, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope_queryset(request, super().get_queryset(request))

    def missing_object_redirect(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """What the admin does for an object outside the queryset: say so, go to the index."""
        messages.warning(
            request,
            f"{capfirst(self.opts.verbose_name)} with ID “{object_id}” does not exist. "
            "Perhaps it was deleted?",
        )
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:index"))

    # --- audit ------------------------------------------------------------------------------

    def audit_snapshot(self, obj: models.Model) -> dict[str, Any]:
        return audit_snapshot(obj, self.audit_related)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = None
        if change and obj.pk is not None:
            stored = type(obj)._base_manager.filter(pk=obj.pk).first()
            before = self.audit_snapshot(stored) if stored is not None else None
        setattr(form, _BEFORE_ATTR, before)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(form, _BEFORE_ATTR, None)
        after = self.audit_snapshot(obj)
        if change and before == after:
            return
        audit.record(
            actor=request.user,
            instance=obj,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            before=before,
            after=after,
            company_id=company_id_of(obj),
            source=AUDIT_SOURCE,
        )

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Any], formset: Any, change: bool
    ) -> None:
        stored = stored_snapshots(formset)
        record_formset_deletions(request, formset, stored)
        super().save_formset(request, form, formset, change)
        record_formset_saves(request, formset, stored)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._record_deletion(request, obj)
        super().delete_queryset(request, queryset)

    def _record_deletion(self, request: HttpRequest, obj: models.Model) -> None:
        audit.record(
            actor=request.user,
            instance=obj,
            action=AuditAction.DELETE,
            before=self.audit_snapshot(obj),
            company_id=company_id_of(obj),
            source=AUDIT_SOURCE,
        )


def stored_snapshots(formset: BaseModelFormSet[Any, Any]) -> dict[Any, dict[str, Any]]:
    """Audit snapshots of the rows an inline formset edits, as they are in the database."""
    pks = [form.instance.pk for form in formset.initial_forms if form.instance.pk is not None]
    if not pks:
        return {}
    rows = formset.get_queryset().model._base_manager.in_bulk(pks)
    return {pk: audit_snapshot(obj) for pk, obj in rows.items()}


def record_formset_deletions(
    request: HttpRequest, formset: BaseModelFormSet[Any, Any], stored: dict[Any, dict[str, Any]]
) -> None:
    """Record the rows a formset is about to delete (their ids are gone afterwards)."""
    for form in formset.deleted_forms:
        obj = form.instance
        if obj.pk in stored:
            audit.record(
                actor=request.user,
                instance=obj,
                action=AuditAction.DELETE,
                before=stored[obj.pk],
                company_id=company_id_of(obj),
                source=AUDIT_SOURCE,
            )


def record_formset_saves(
    request: HttpRequest, formset: BaseModelFormSet[Any, Any], stored: dict[Any, dict[str, Any]]
) -> None:
    """Record the rows a saved formset added and changed."""
    for obj in formset.new_objects:
        audit.record(
            actor=request.user,
            instance=obj,
            action=AuditAction.CREATE,
            after=audit_snapshot(obj),
            company_id=company_id_of(obj),
            source=AUDIT_SOURCE,
        )
    for obj, _fields in formset.changed_objects:
        audit.record(
            actor=request.user,
            instance=obj,
            action=AuditAction.UPDATE,
            before=stored.get(obj.pk),
            after=audit_snapshot(obj),
            company_id=company_id_of(obj),
            source=AUDIT_SOURCE,
        )


class BackofficeInlineMixin(RoleAccess):
    """Role checks for an inline; the parent page has already been scoped by its admin."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_allows(request, VIEW) or self.role_allows(request, CHANGE)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_allows(request, ADD)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_allows(request, CHANGE)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_allows(request, DELETE)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope_queryset(request, super().get_queryset(request))  # type: ignore[misc]


class BackofficeTabularInline(BackofficeInlineMixin, admin.TabularInline):
    extra = 0


class BackofficeStackedInline(BackofficeInlineMixin, admin.StackedInline):
    extra = 0


class SharedDataAdmin(BackofficeAdmin):
    """Data that is the same for every dealer (catalog, the supplier's prices, warehouses):
    supplier admins edit it, sales managers read all of it."""

    manager_permissions = READ_ONLY

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset


class SharedDataInline(BackofficeTabularInline):
    manager_permissions = READ_ONLY

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset
