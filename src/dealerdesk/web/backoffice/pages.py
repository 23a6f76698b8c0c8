"""Custom back-office pages (invite, approve, reject) drawn like the rest of the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import models
from django.http import HttpRequest
from django.template.response import TemplateResponse

Fieldsets = list[tuple[str | None, dict[str, Any]]]


def form_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    form: forms.Form,
    fieldsets: Fieldsets,
    title: str,
    submit_label: str,
    cancel_url: str,
    original: models.Model | None = None,
    template: str = "backoffice/form_page.html",
    extra: dict[str, Any] | None = None,
) -> TemplateResponse:
    """Render ``form`` in admin fieldsets, under the model's breadcrumbs."""
    shown = [
        (name, {**options, "fields": [f for f in options["fields"] if f in form.fields]})
        for name, options in fieldsets
    ]
    shown = [(name, options) for name, options in shown if options["fields"]]
    request.current_app = model_admin.admin_site.name
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": str(original) if original is not None else None,
        "opts": model_admin.model._meta,
        "original": original,
        # AdminForm takes any form (Django's own password page passes a plain one).
        "adminform": helpers.AdminForm(form, shown, {}, model_admin=model_admin),  # type: ignore[arg-type]
        "form": form,
        "media": model_admin.media + form.media,
        "submit_label": submit_label,
        "cancel_url": cancel_url,
        **(extra or {}),
    }
    return TemplateResponse(request, template, context)
