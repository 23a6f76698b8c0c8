"""Reading portal pages the way a person does: which products are listed, which errors
stand next to which field. Kept deliberately small: regexes over our own templates."""

from __future__ import annotations

import html
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from PIL import Image

_SKU = re.compile(r'data-sku="([^"]+)"')
_MESSAGE = re.compile(r'<p class="message[^"]*">(.*?)</p>', re.S)


def text(response: HttpResponse) -> str:
    """The page as a person reads it: entities decoded."""
    return html.unescape(response.content.decode())


def main_content(response: HttpResponse) -> str:
    """The page's own content, without the header (whose CSRF token differs per render)."""
    match = re.search(r'<main id="main">(.*)</main>', response.content.decode(), re.S)
    assert match is not None
    return html.unescape(match.group(1))


def listed_skus(response: HttpResponse) -> list[str]:
    """SKUs of the product cards on a catalog list page, in page order."""
    assert response.status_code == 200, response.status_code
    return _SKU.findall(response.content.decode())


def field_errors(response: HttpResponse, field: str) -> list[str]:
    """Error messages rendered under one form field (``portal/_field.html``)."""
    body = response.content.decode()
    match = re.search(rf'<ul class="errors" id="id_{field}-errors">(.*?)</ul>', body, re.S)
    if match is None:
        return []
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def form_errors(response: HttpResponse) -> list[str]:
    """Errors not tied to a field (``portal/_form_errors.html``)."""
    body = response.content.decode()
    match = re.search(r'<div class="form-errors" role="alert"[^>]*>(.*?)</div>', body, re.S)
    if match is None:
        return []
    return [html.unescape(item) for item in re.findall(r"<p>(.*?)</p>", match.group(1), re.S)]


def flash_messages(response: HttpResponse) -> list[str]:
    """The one-off messages shown at the top of a page."""
    return [html.unescape(item) for item in _MESSAGE.findall(response.content.decode())]


def png_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), colour).save(buffer, "PNG")
    return buffer.getvalue()


def png_upload(name: str = "picture.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")
