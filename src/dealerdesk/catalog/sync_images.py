"""Product images the ERP names by URL, fetched by a background task after the product
row commits (never inside the request that carried it).

Only http and https, no redirects, connect and read timeouts, at most
``settings.PRODUCT_IMAGE_MAX_BYTES`` read, and the content must open as an image in
Pillow. A stored file is named after a hash of its URL (``products/erp/<key>.<ext>``), so a
row that names the same images again fetches nothing. An image that cannot be fetched is
logged and skipped; the product and its other images are kept.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django_tasks import task
from PIL import Image, UnidentifiedImageError

from dealerdesk.catalog.models import Product, ProductImage
from dealerdesk.core import audit, http
from dealerdesk.core.models import AuditAction

logger = logging.getLogger(__name__)

ERP_PREFIX = "products/erp/"
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
TIMEOUT_SECONDS = 20.0
_KEY = re.compile(r"^products/erp/([0-9a-f]{32})[^/]*$")


@dataclass(frozen=True)
class ImageSource:
    """An image of a product at ``url`` (http or https), with its alternative text."""

    url: str
    alt_text: str = ""

    @property
    def key(self) -> str:
        return hashlib.sha256(self.url.encode()).hexdigest()[:32]


def erp_image_key(name: str) -> str | None:
    """The URL key of a stored image fetched from the ERP; None for one staff uploaded."""
    match = _KEY.match(name)
    return match.group(1) if match else None


def schedule_image_fetch(product_id: int, images: Sequence[ImageSource]) -> None:
    """Fetch ``images`` for the product once the current transaction commits."""
    wanted = [{"url": image.url, "alt_text": image.alt_text} for image in images]
    transaction.on_commit(lambda: fetch_product_images.enqueue(product_id, wanted))


@task()
def fetch_product_images(product_id: int, images: list[dict[str, str]]) -> dict[str, Any]:
    """Make the product's ERP images exactly ``images``, in order: fetch the new ones, keep
    those already stored, remove those no longer named. Staff uploads are left alone."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        return {"fetched": 0, "failed": []}
    sources = [ImageSource(item["url"], item.get("alt_text", "")) for item in images]
    stored = {
        erp_image_key(image.image.name or ""): image
        for image in ProductImage.objects.filter(product=product)
    }
    stored.pop(None, None)
    fetched: dict[str, ContentFile[bytes]] = {}
    failed: list[dict[str, str]] = []
    for source in sources:
        if source.key in stored or source.key in fetched:
            continue
        try:
            fetched[source.key] = fetch_image(source.url, name=source.key)
        except ImageFetchError as error:
            logger.warning("Image %s of product %s not fetched: %s", source.url, product.sku, error)
            failed.append({"url": source.url, "error": str(error)})
    with transaction.atomic():
        for position, source in enumerate(sources):
            image = stored.pop(source.key, None)
            if image is None and source.key in fetched:
                image = ProductImage(product=product, image=fetched.pop(source.key))
            if image is None:
                continue
            image.alt_text, image.sort_order = source.alt_text[:255], position
            image.save()
        for image in stored.values():  # no longer named by the ERP
            image.image.delete(save=False)
            image.delete()
    return {"fetched": len(sources) - len(failed), "failed": failed}


class ImageFetchError(Exception):
    """Why an image could not be taken from its URL."""


def fetch_image(url: str, *, name: str) -> ContentFile[bytes]:
    """The image at ``url`` as a file named ``<name>.<ext>``, verified by Pillow."""
    if not url.lower().startswith(("http://", "https://")):
        raise ImageFetchError("only http and https addresses are fetched")
    limit = int(getattr(settings, "PRODUCT_IMAGE_MAX_BYTES", 5 * 1024 * 1024))
    answer = http.request("GET", url, timeout=TIMEOUT_SECONDS, max_bytes=limit)
    if answer.error:
        raise ImageFetchError(answer.error)
    if answer.status_code != 200:
        raise ImageFetchError(f"the server answered {answer.status_code}")
    if answer.truncated:
        raise ImageFetchError(f"larger than {limit} bytes")
    data = answer.content
    extension = _image_extension(data)
    return ContentFile(data, name=f"erp/{name}.{extension}")


def _image_extension(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format or ""
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ImageFetchError("the content is not an image") from error
    if kind not in FORMATS:
        raise ImageFetchError(f"{kind or 'this'} images are not accepted (JPEG, PNG, GIF, WebP)")
    return FORMATS[kind]


# --- images the ERP uploads ----------------------------------------------------------------

UPLOAD_PREFIX = "products/erp-upload/"
_UPLOAD_KEY = re.compile(r"^products/erp-upload/([0-9a-f]{32})\.[a-z]+$")


def uploaded_image_key(name: str) -> str | None:
    """The content key of an image the ERP uploaded; None for any other."""
    match = _UPLOAD_KEY.match(name)
    return match.group(1) if match else None


def attach_uploaded_image(
    product: Product, content: bytes, *, alt_text: str, position: int | None, source: str
) -> tuple[ProductImage, bool]:
    """Store an image the ERP uploaded for ``product``: verified by Pillow, at most
    ``settings.PRODUCT_IMAGE_MAX_BYTES``, named after a hash of its content (so the same
    image again is the same image: its text and place change, nothing is stored twice);
    ``position`` puts it at that place, before the images that held it.
    Images the ERP names by URL manage their own files and leave these alone. Returns the
    image and whether it is new; raises ``ImageFetchError`` naming what is wrong."""
    limit = int(getattr(settings, "PRODUCT_IMAGE_MAX_BYTES", 5 * 1024 * 1024))
    if len(content) > limit:
        raise ImageFetchError(f"larger than {limit} bytes")
    extension = _image_extension(content)
    key = hashlib.sha256(content).hexdigest()[:32]
    with transaction.atomic():
        images = list(ProductImage.objects.select_for_update().filter(product=product))
        image = next(
            (each for each in images if uploaded_image_key(each.image.name or "") == key), None
        )
        created = image is None
        if image is None:
            image = ProductImage(
                product=product,
                image=ContentFile(content, name=f"erp-upload/{key}.{extension}"),
            )
        before = {"alt_text": image.alt_text, "sort_order": image.sort_order}
        image.alt_text = alt_text[:255]
        if position is not None:
            image.sort_order = position
            # Taking a place moves the images from that place on one further, so the image
            # is where it was asked to be (the product's other images keep their order).
            taken = [each for each in images if each is not image and each.sort_order >= position]
            for each in taken:
                each.sort_order += 1
            ProductImage.objects.bulk_update(taken, ["sort_order"])
        elif created:
            image.sort_order = max((each.sort_order for each in images), default=-1) + 1
        image.save()
        audit.record(
            actor=None,
            instance=image,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            verb="image uploaded by the ERP",
            before=None if created else before,
            after={"alt_text": image.alt_text, "sort_order": image.sort_order},
            source=source[:100],
        )
    return image, created


def remove_uploaded_image(product: Product, key: str, *, source: str) -> bool:
    """Remove the image the ERP uploaded with content key ``key``; False when there is none."""
    with transaction.atomic():
        for image in ProductImage.objects.select_for_update().filter(product=product):
            if uploaded_image_key(image.image.name or "") == key:
                audit.record(
                    actor=None,
                    instance=image,
                    action=AuditAction.DELETE,
                    verb="image removed by the ERP",
                    before={"image": image.image.name},
                    source=source[:100],
                )
                stored, name = image.image.storage, image.image.name or ""
                image.delete()
                # The file goes once the row is gone for good.
                transaction.on_commit(lambda: stored.delete(name))  # noqa: B023 - returns next
                return True
    return False
