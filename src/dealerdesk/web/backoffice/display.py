"""How some values look in back-office lists and pages."""

from __future__ import annotations

from typing import Any

from django.db.models.fields.files import FieldFile
from django.utils.html import format_html
from django.utils.safestring import SafeString


def thumbnail(image: FieldFile | None, height: int = 48) -> str | SafeString:
    """A small preview of an uploaded picture, or a dash."""
    if not image:
        return "—"
    return format_html(
        '<img src="{}" alt="" style="max-height:{}px;max-width:{}px;object-fit:contain">',
        image.url,
        height,
        height * 2,
    )


def short_value(value: Any, limit: int = 60) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
