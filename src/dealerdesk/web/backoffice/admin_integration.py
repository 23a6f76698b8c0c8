"""The ERP connection in the back office (supplier admins only): API clients and their keys
and OAuth2 credentials, webhook endpoints, inbound messages with their per-row results,
outbound deliveries with every attempt, sync categories, alerts, and the sync monitor page.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from dealerdesk.integration.choices import DeliveryStatus, InboundStatus, Scope
from dealerdesk.integration.credentials import (
    CredentialError,
    issue_api_key,
    issue_oauth_credentials,
    revoke,
    rotate_api_key,
)
from dealerdesk.integration.inbound.process import replay as replay_message
from dealerdesk.integration.models import (
    ApiClient,
    ApiKey,
    Delivery,
    DeliveryAttempt,
    InboundMessage,
    SyncAlert,
    SyncCategory,
    WebhookEndpoint,
)
from dealerdesk.integration.outbound.delivery import (
    pause_endpoint,
    replay,
    resume_endpoint,
    retry_now,
)
from dealerdesk.integration.outbound.signing import new_secret
from dealerdesk.web.backoffice.base import (
    AUDIT_SOURCE,
    NOTHING,
    READ_ONLY,
    BackofficeAdmin,
    BackofficeTabularInline,
)
from dealerdesk.web.backoffice.pages import form_page
from dealerdesk.web.backoffice.site import backoffice_site

# Topics the portal sends; an endpoint subscribes to some or (none ticked) all of them.
TOPICS = [
    ("order.placed", "order.placed — a dealer placed an order (or a held one was approved)"),
    ("order.cancelled", "order.cancelled — the dealer cancelled before the ERP accepted it"),
    ("order.changed", "order.changed — staff adjusted quantities"),
    ("sync.alert", "sync.alert — a sync category is past its SLA"),
]


def _url(admin_site: admin.AdminSite, name: str, *args: Any) -> str:
    return reverse(f"{admin_site.name}:{name}", args=args)


# --- API clients ---------------------------------------------------------------------------


class ApiClientForm(forms.ModelForm[ApiClient]):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What this client may do; an endpoint refuses a credential without its scope.",
    )

    class Meta:
        model = ApiClient
        fields = ("name", "description", "scopes", "rate_limit", "pulls_events", "is_active")


class ApiKeyInline(BackofficeTabularInline):
    """A client's keys: never their secrets (only digests are stored), with what each may do."""

    model = ApiKey
    fields = ("prefix", "name", "state", "expires_at", "last_used_at", "created_at", "manage")
    readonly_fields = fields
    admin_permissions = READ_ONLY
    can_delete = False

    @admin.display(description="state")
    def state(self, key: ApiKey) -> str:
        return key.state

    @admin.display(description="")
    def manage(self, key: ApiKey) -> str | SafeString:
        if key.revoked_at is not None:
            return ""
        return format_html(
            '<a href="{}">Rotate…</a> · <a href="{}">Revoke…</a>',
            _url(backoffice_site, "integration_apikey_rotate", key.pk),
            _url(backoffice_site, "integration_apikey_revoke", key.pk),
        )


class IssueKeyForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, help_text="e.g. production, test")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, help_text="Empty: until revoked."
    )


class RotateKeyForm(forms.Form):
    grace_hours = forms.IntegerField(
        label="Keep the old key working for, hours",
        min_value=0,
        max_value=24 * 30,
        initial=24,
        help_text="Time for the ERP to switch to the new key; 0 ends the old key now.",
    )


class ConfirmForm(forms.Form):
    """A button that confirms an action; nothing to fill in."""


@admin.register(ApiClient, site=backoffice_site)
class ApiClientAdmin(BackofficeAdmin):
    form = ApiClientForm
    change_form_template = "backoffice/integration/apiclient/change_form.html"
    list_display = ("name", "scope_list", "is_active", "rate_limit", "pulls_events", "last_used_at")
    list_filter = ("is_active", "pulls_events")
    search_fields = ("name",)
    inlines = (ApiKeyInline,)
    readonly_fields = ("oauth_client_id", "last_used_at", "created_by")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["name", "description", "scopes", "rate_limit", "pulls_events", "is_active"]
        return fields + (["oauth_client_id", "last_used_at", "created_by"] if obj else [])

    @admin.display(description="scopes")
    def scope_list(self, client: ApiClient) -> str:
        return ", ".join(client.scopes) or "—"

    @admin.display(description="OAuth2 client id")
    def oauth_client_id(self, client: ApiClient) -> str:
        application = client.oauth_application
        return application.client_id if application else "— (none issued yet)"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/issue-key/", view(self.issue_key_view),
                 name="integration_apiclient_issue_key"),
            path("<path:object_id>/oauth/", view(self.oauth_view),
                 name="integration_apiclient_oauth"),
            path("key/<int:key_id>/rotate/", view(self.rotate_view),
                 name="integration_apikey_rotate"),
            path("key/<int:key_id>/revoke/", view(self.revoke_view),
                 name="integration_apikey_revoke"),
            *super().get_urls(),
        ]  # fmt: skip

    def _client(self, request: HttpRequest, object_id: str) -> ApiClient | None:
        client = self.get_object(request, unquote(object_id))
        if client is None or not self.has_change_permission(request, client):
            return None
        return client

    def _secret_page(
        self, request: HttpRequest, client: ApiClient, title: str, rows: list[tuple[str, str]]
    ) -> TemplateResponse:
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            "backoffice/integration/secret.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "original": client,
                "rows": rows,
                "back": _url(self.admin_site, "integration_apiclient_change", client.pk),
            },
        )

    def issue_key_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        client = self._client(request, object_id)
        if client is None:
            return self.missing_object_redirect(request, object_id)
        back = _url(self.admin_site, "integration_apiclient_change", client.pk)
        form = IssueKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            days = form.cleaned_data["expires_in_days"]
            expires = timezone.now() + dt.timedelta(days=days) if days else None
            _key, secret = issue_api_key(
                client, name=form.cleaned_data["name"], expires_at=expires, by=request.user
            )
            return self._secret_page(
                request, client, f"New API key for {client}", [("API key", secret)]
            )
        return form_page(
            request, self, form=form, fieldsets=[(None, {"fields": ["name", "expires_in_days"]})],
            title=f"Issue an API key for {client}", submit_label="Issue the key",
            cancel_url=back, original=client,
        )  # fmt: skip

    def oauth_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        client = self._client(request, object_id)
        if client is None:
            return self.missing_object_redirect(request, object_id)
        back = _url(self.admin_site, "integration_apiclient_change", client.pk)
        form = ConfirmForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            credentials = issue_oauth_credentials(client, by=request.user)
            return self._secret_page(
                request,
                client,
                f"OAuth2 client credentials for {client}",
                [("client_id", credentials.client_id),
                 ("client_secret", credentials.client_secret)],
            )  # fmt: skip
        replacing = client.oauth_application is not None
        return form_page(
            request, self, form=form, fieldsets=[],
            title=(f"Replace the OAuth2 client secret of {client}" if replacing
                   else f"Issue OAuth2 client credentials for {client}"),
            submit_label="Replace the secret" if replacing else "Issue credentials",
            cancel_url=back, original=client,
            extra={"intro": "The old secret stops working and the tokens issued with it are "
                   "revoked." if replacing else "The token endpoint is /api/v1/oauth/token "
                   "(grant_type=client_credentials)."},
        )  # fmt: skip

    def _key(self, request: HttpRequest, key_id: int) -> ApiKey | None:
        key = ApiKey.objects.select_related("client").filter(pk=key_id).first()
        if key is None or not self.has_change_permission(request, key.client):
            return None
        return key

    def rotate_view(self, request: HttpRequest, key_id: int) -> HttpResponse:
        key = self._key(request, key_id)
        if key is None:
            return self.missing_object_redirect(request, str(key_id))
        back = _url(self.admin_site, "integration_apiclient_change", key.client_id)
        form = RotateKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            grace = dt.timedelta(hours=form.cleaned_data["grace_hours"])
            try:
                _new, secret = rotate_api_key(key, grace=grace, by=request.user)
            except CredentialError as error:
                messages.error(request, str(error))
                return HttpResponseRedirect(back)
            return self._secret_page(
                request, key.client, f"Rotated key {key.prefix}…", [("New API key", secret)]
            )
        return form_page(
            request, self, form=form, fieldsets=[(None, {"fields": ["grace_hours"]})],
            title=f"Rotate API key {key.prefix}…", submit_label="Rotate",
            cancel_url=back, original=key.client,
        )  # fmt: skip

    def revoke_view(self, request: HttpRequest, key_id: int) -> HttpResponse:
        key = self._key(request, key_id)
        if key is None:
            return self.missing_object_redirect(request, str(key_id))
        back = _url(self.admin_site, "integration_apiclient_change", key.client_id)
        form = ConfirmForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            revoke(key, by=request.user, source=AUDIT_SOURCE)
            messages.success(request, f"API key {key.prefix}… is revoked; it stops working now.")
            return HttpResponseRedirect(back)
        return form_page(
            request, self, form=form, fieldsets=[],
            title=f"Revoke API key {key.prefix}…", submit_label="Revoke now",
            cancel_url=back, original=key.client,
            extra={"intro": "Requests with this key are refused from now on."},
        )  # fmt: skip


# --- webhook endpoints ---------------------------------------------------------------------


class WebhookEndpointForm(forms.ModelForm[WebhookEndpoint]):
    url = forms.URLField(max_length=500, assume_scheme="https", help_text="The ERP's address")
    topics = forms.MultipleChoiceField(
        choices=TOPICS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: every event.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "topics", "is_active", "timeout_seconds", "max_attempts")

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("The address must start with http:// or https://.")
        return url


@admin.register(WebhookEndpoint, site=backoffice_site)
class WebhookEndpointAdmin(BackofficeAdmin):
    form = WebhookEndpointForm
    change_form_template = "backoffice/integration/webhookendpoint/change_form.html"
    list_display = ("name", "url", "state", "last_success_at", "last_failure_at")
    readonly_fields = (
        "secret", "state", "consecutive_failures", "circuit_open_until", "last_success_at",
        "last_failure_at", "paused_at", "paused_reason",
    )  # fmt: skip
    actions = ("pause_selected", "resume_selected")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["name", "url", "topics", "is_active", "timeout_seconds", "max_attempts"]
        return fields + (list(self.readonly_fields) if obj else [])

    @admin.display(description="state")
    def state(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.is_active:
            return "switched off"
        if endpoint.paused_at:
            return f"paused since {endpoint.paused_at:%Y-%m-%d %H:%M}"
        if endpoint.circuit_open_until and endpoint.circuit_open_until > timezone.now():
            return f"circuit open until {endpoint.circuit_open_until:%H:%M:%S}"
        return "delivering"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not obj.secret:
            obj.secret = new_secret()
        super().save_model(request, obj, form, change)

    def page_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"can_pause": self.has_change_permission(request, obj)}

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/pause/", view(self.pause_view),
                 name="integration_webhookendpoint_pause"),
            *super().get_urls(),
        ]  # fmt: skip

    def pause_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        endpoint = self.get_object(request, unquote(object_id))
        if endpoint is None or not self.has_change_permission(request, endpoint):
            return self.missing_object_redirect(request, object_id)
        if request.method == "POST":
            if endpoint.paused_at:
                resume_endpoint(endpoint, by=request.user)
                messages.success(request, f"{endpoint} delivers again.")
            else:
                reason = request.POST.get("reason", "").strip()[:255] or "paused by staff"
                pause_endpoint(endpoint, by=request.user, reason=reason)
                messages.success(request, f"{endpoint} is paused: events wait, none is lost.")
        return HttpResponseRedirect(
            _url(self.admin_site, "integration_webhookendpoint_change", endpoint.pk)
        )

    @admin.action(description="Pause the selected endpoints")
    def pause_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for endpoint in queryset.filter(paused_at__isnull=True):
            pause_endpoint(endpoint, by=request.user, reason="paused by staff")
        messages.success(request, "Paused; their events wait and go out on resume.")

    @admin.action(description="Resume the selected endpoints")
    def resume_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for endpoint in queryset.filter(paused_at__isnull=False):
            resume_endpoint(endpoint, by=request.user)
        messages.success(request, "Resumed.")


# --- inbound messages -----------------------------------------------------------------------


class ReadOnlyAdmin(BackofficeAdmin):
    """Records of what happened: read, filtered, acted on — never edited by hand."""

    admin_permissions: ClassVar[frozenset[str]] = READ_ONLY
    manager_permissions: ClassVar[frozenset[str]] = NOTHING

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)


@admin.register(InboundMessage, site=backoffice_site)
class InboundMessageAdmin(ReadOnlyAdmin):
    change_form_template = "backoffice/integration/inboundmessage/change_form.html"
    list_display = (
        "received_at", "client", "feed", "message_id", "status", "progress", "applied",
        "unchanged", "rejected",
    )  # fmt: skip
    list_filter = ("status", "category", "feed", "client")
    list_select_related = ("client",)
    search_fields = ("message_id",)
    date_hierarchy = "received_at"
    actions = ("replay_selected",)
    fields = (
        "client", "message_id", "feed", "category", "status", "atomic", "content_type",
        "body_bytes", "body_link", "received_at", "started_at", "finished_at", "progress",
        "applied", "unchanged", "rejected", "error", "latest_change_at", "replay_of",
    )  # fmt: skip

    @admin.display(description="progress")
    def progress(self, message: InboundMessage) -> str:
        if message.rows_total is None:
            return "—" if message.status == InboundStatus.QUEUED else str(message.rows_done)
        return f"{message.rows_done:,} of {message.rows_total:,} ({message.progress_percent}%)"

    @admin.display(description="body as received")
    def body_link(self, message: InboundMessage) -> str | SafeString:
        return format_html(
            '<a href="{}">download ({} bytes)</a>',
            _url(self.admin_site, "integration_inboundmessage_body", message.pk),
            message.body_bytes,
        )

    def page_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        rows = (obj.result or {}).get("rows", []) if obj is not None else []
        return {"result_rows": rows[:500], "result_rows_more": max(0, len(rows) - 500)}

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/body/", view(self.body_view),
                 name="integration_inboundmessage_body"),
            path("<path:object_id>/replay/", view(self.replay_view),
                 name="integration_inboundmessage_replay"),
            *super().get_urls(),
        ]  # fmt: skip

    def body_view(self, request: HttpRequest, object_id: str) -> HttpResponse | FileResponse:
        message = self.get_object(request, unquote(object_id))
        if message is None or not self.has_view_permission(request, message):
            return self.missing_object_redirect(request, object_id)
        extension = "ndjson" if "ndjson" in message.content_type else "json"
        return FileResponse(
            message.body.open("rb"),
            as_attachment=True,
            filename=f"{message.feed}-{message.pk}.{extension}",
            content_type=message.content_type or "application/octet-stream",
        )

    def replay_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        message = self.get_object(request, unquote(object_id))
        if message is None or not self.has_view_permission(request, message):
            return self.missing_object_redirect(request, object_id)
        if request.method == "POST":
            again = replay_message(message, by=request.user)
            messages.success(request, f"Replaying as message {again.message_id}.")
            return HttpResponseRedirect(
                _url(self.admin_site, "integration_inboundmessage_change", again.pk)
            )
        return HttpResponseRedirect(
            _url(self.admin_site, "integration_inboundmessage_change", message.pk)
        )

    @admin.action(description="Replay the selected messages (apply their bodies again)")
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = 0
        for message in queryset:
            replay_message(message, by=request.user)
            count += 1
        messages.success(request, f"{count} message(s) replayed; rows already applied come back "
                         "unchanged.")  # fmt: skip


# --- deliveries -----------------------------------------------------------------------------


class DeliveryAttemptInline(BackofficeTabularInline):
    model = DeliveryAttempt
    fields = ("number", "started_at", "duration_ms", "status_code", "error", "response_body")
    readonly_fields = fields
    admin_permissions = READ_ONLY
    can_delete = False


@admin.register(Delivery, site=backoffice_site)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at", "topic", "key", "receiver", "status", "attempts", "next_attempt_at",
        "last_status_code", "short_error",
    )  # fmt: skip
    list_filter = ("status", "endpoint", "client", "message__topic")
    list_select_related = ("message", "endpoint", "client")
    search_fields = ("message__key",)
    date_hierarchy = "created_at"
    actions = ("retry_selected", "replay_selected")
    inlines = (DeliveryAttemptInline,)
    fields = (
        "topic", "key", "receiver", "status", "attempts", "next_attempt_at", "delivered_at",
        "last_status_code", "last_error", "payload",
    )  # fmt: skip

    @admin.display(description="event")
    def topic(self, delivery: Delivery) -> str:
        return delivery.message.topic

    @admin.display(description="about")
    def key(self, delivery: Delivery) -> str:
        return delivery.message.key

    @admin.display(description="to")
    def receiver(self, delivery: Delivery) -> str:
        return str(delivery.endpoint or f"{delivery.client} (pulls)")

    @admin.display(description="error")
    def short_error(self, delivery: Delivery) -> str:
        return delivery.last_error[:80]

    @admin.display(description="payload")
    def payload(self, delivery: Delivery) -> str | SafeString:
        return format_html("<pre>{}</pre>", json.dumps(delivery.message.payload, indent=2))

    @admin.action(description="Retry the selected deliveries now")
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = retry_now(
            list(queryset.filter(status__in=[DeliveryStatus.RETRYING, DeliveryStatus.DEAD])),
            by=request.user,
        )
        messages.success(request, f"{count} delivery(ies) will be sent again now.")

    @admin.action(description="Replay the selected events (send again, same webhook-id)")
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = replay(list(queryset), by=request.user)
        messages.success(request, f"{count} delivery(ies) queued again.")


# --- categories and alerts ------------------------------------------------------------------


@admin.register(SyncCategory, site=backoffice_site)
class SyncCategoryAdmin(BackofficeAdmin):
    list_display = ("code", "cadence", "cadence_minutes", "sla_minutes")
    list_editable = ("cadence", "cadence_minutes", "sla_minutes")
    fields = ("code", "cadence", "cadence_minutes", "sla_minutes")
    readonly_fields = ("code",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the six categories are fixed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SyncAlert, site=backoffice_site)
class SyncAlertAdmin(ReadOnlyAdmin):
    list_display = ("raised_at", "category", "message", "cleared_at")
    list_filter = ("category",)
    fields = ("category", "message", "raised_at", "cleared_at")
