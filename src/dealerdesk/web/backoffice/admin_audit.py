"""The audit log, read-only: admins see all of it, a manager what concerns their dealers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from dealerdesk.accounts.queries import companies_for_staff
from dealerdesk.core.models import AuditEntry
from dealerdesk.web.backoffice.base import READ_ONLY, BackofficeAdmin
from dealerdesk.web.backoffice.display import short_value
from dealerdesk.web.backoffice.site import backoffice_site

LIST_ROWS = 4
EMPTY: tuple[Any, ...] = (None, "", [])


def change_rows(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every field the entry mentions with a value on either side."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    rows = [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))]
    return [row for row in rows if row[1] not in EMPTY or row[2] not in EMPTY]


@admin.register(AuditEntry, site=backoffice_site)
class AuditEntryAdmin(BackofficeAdmin):
    admin_permissions = READ_ONLY
    manager_permissions = READ_ONLY
    list_display = ("created_at", "who", "what", "company", "changes")
    list_display_links = ("created_at",)
    list_filter = ("action", "source", "object_type")
    search_fields = ("object_repr", "actor_repr", "object_id", "verb")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "actor_repr",
        "action",
        "verb",
        "object_type",
        "object_id",
        "object_repr",
        "company",
        "source",
        "change_table",
    )
    readonly_fields = fields

    def scope_for_manager(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        mine = companies_for_staff(request.user).values("pk")
        return queryset.filter(Q(company_id__in=mine) | Q(actor=request.user))

    @admin.display(description="who", ordering="actor_repr")
    def who(self, entry: AuditEntry) -> str:
        return entry.actor_repr or "system"

    @admin.display(description="what")
    def what(self, entry: AuditEntry) -> SafeString:
        return format_html(
            "{} <strong>{}</strong><br><small>{} · {}</small>",
            entry.verb or entry.get_action_display().lower(),
            entry.object_repr,
            entry.object_type,
            entry.source or "—",
        )

    @admin.display(description="company", ordering="company_id")
    def company(self, entry: AuditEntry) -> str | SafeString:
        if entry.company_id is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:accounts_company_change", args=[entry.company_id])
        return format_html('<a href="{}">#{}</a>', url, entry.company_id)

    @admin.display(description="changes")
    def changes(self, entry: AuditEntry) -> str | SafeString:
        rows = change_rows(entry)
        if not rows:
            return "—"
        shown = format_html_join(
            mark_safe("<br>"),
            "{}: {} → {}",
            (
                (key, short_value(old, 30), short_value(new, 30))
                for key, old, new in rows[:LIST_ROWS]
            ),
        )
        more = len(rows) - LIST_ROWS
        return format_html("{}<br>… {} more", shown, more) if more > 0 else shown

    @admin.display(description="changes")
    def change_table(self, entry: AuditEntry) -> str | SafeString:
        rows = change_rows(entry)
        if not rows:
            return "—"
        body = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            ((key, short_value(old, 500), short_value(new, 500)) for key, old, new in rows),
        )
        return format_html(
            "<table><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            body,
        )
