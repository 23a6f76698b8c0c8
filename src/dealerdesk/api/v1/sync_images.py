"""Product images the ERP uploads (the other way to send images, beside URLs in the
products feed)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from dealerdesk.api.v1.auth import MachineAuth
from dealerdesk.api.v1.errors import ApiError, ErrorOut
from dealerdesk.catalog.models import Product, ProductImage
from dealerdesk.catalog.sync_images import (
    ImageFetchError,
    attach_uploaded_image,
    remove_uploaded_image,
    uploaded_image_key,
)
from dealerdesk.core.text import printable
from dealerdesk.integration.choices import Scope

router = Router(tags=["sync"])


class ImageIn(Schema):
    alt_text: str = Field("", max_length=255, description="What the image shows, for people")
    position: int | None = Field(
        None, ge=0, le=10_000, description="Its place among the product's images (0 first)"
    )


class ImageOut(Schema):
    product: str
    key: str = Field(description="The image's content key: the same file has the same key")
    url: str
    alt_text: str
    position: int
    created_at: dt.datetime


def _product(external_id: str) -> Product:
    product = Product.objects.filter(external_id=printable(external_id)[:100]).first()
    if product is None:
        raise ApiError(404, "unknown_product", f"No product has the ERP id {external_id!r}.")
    return product


def _source(request: HttpRequest) -> str:
    return f"API client {request.machine.client}"  # type: ignore[attr-defined]


@router.post(
    "/{product}/images",
    auth=MachineAuth(Scope.CATALOG_WRITE),
    response={200: ImageOut, 201: ImageOut, 404: ErrorOut, 413: ErrorOut, 415: ErrorOut},
    summary="Upload an image of a product",
    description=(
        "Multipart form: `file` (JPEG, PNG, GIF or WebP, at most "
        "`PRODUCT_IMAGE_MAX_BYTES`), `alt_text`, `position`. The product is named by its "
        "ERP id. The same file again is the same image (200, its text and place updated); "
        "a new one is 201. Images the products feed names by URL are kept apart and are not "
        "touched by uploads, nor uploads by that feed."
    ),
)
def upload_image(
    request: HttpRequest, product: str, data: Form[ImageIn], file: File[UploadedFile]
) -> Status[ImageOut]:
    found = _product(product)
    try:
        image, created = attach_uploaded_image(
            found,
            file.read(),
            alt_text=data.alt_text,
            position=data.position,
            source=_source(request),
        )
    except ImageFetchError as error:
        message = str(error)
        status, code = (413, "too_large") if message.startswith("larger") else (415, "not_image")
        raise ApiError(
            status,
            code,
            f"The file is not taken: {message}.",
            [{"field": "file", "code": code, "message": message}],
        ) from error
    return Status(201 if created else 200, _out(found, image))


@router.delete(
    "/{product}/images/{key}",
    auth=MachineAuth(Scope.CATALOG_WRITE),
    response={204: None, 404: ErrorOut},
    summary="Remove an image the ERP uploaded",
)
def remove_image(request: HttpRequest, product: str, key: str) -> Status[None]:
    found = _product(product)
    if not remove_uploaded_image(found, key.lower(), source=_source(request)):
        raise ApiError(404, "unknown_image", f"Product {product} has no uploaded image {key!r}.")
    return Status(204, None)


def _out(product: Product, image: ProductImage) -> ImageOut:
    return ImageOut(
        product=product.external_id or "",
        key=uploaded_image_key(image.image.name or "") or "",
        url=image.image.url,
        alt_text=image.alt_text,
        position=image.sort_order,
        created_at=image.created_at,
    )
