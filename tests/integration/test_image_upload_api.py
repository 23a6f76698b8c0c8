"""Product images the ERP uploads: ``POST /api/v1/sync/products/{product}/images`` and
``DELETE …/images/{key}``."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dealerdesk.catalog.models import ProductImage
from dealerdesk.catalog.sync_images import fetch_product_images
from dealerdesk.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def picture(colour: str = "red", kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), colour).save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture
def product(world):  # type: ignore[no-untyped-def]
    world.product_a.external_id = "P-A"
    world.product_a.save()
    return world.product_a


def upload(machine: Any, content: bytes, product: str = "P-A", **form: Any) -> Any:
    data = {"file": SimpleUploadedFile("photo.png", content), **form}
    return machine.http.post(f"/api/v1/sync/products/{product}/images", data, **machine.headers())


def test_an_uploaded_image_is_stored_once_and_updated_when_sent_again(erp, product) -> None:  # type: ignore[no-untyped-def]
    first = upload(erp, picture(), alt_text="Front")
    again = upload(erp, picture(), alt_text="Front view", position=3)

    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    body = again.json()
    assert body["key"] == first.json()["key"]
    assert len(body["key"]) == 32
    assert (body["product"], body["alt_text"], body["position"]) == ("P-A", "Front view", 3)
    image = ProductImage.objects.get(product=product)
    assert image.image.name.startswith("products/erp-upload/")
    assert image.image.name.endswith(".png")
    assert image.image.read() == picture()
    assert list(
        AuditEntry.objects.filter(object_type="catalog.productimage")
        .order_by("id")
        .values_list("action", "source")
    ) == [("create", f"API client {erp.client}"), ("update", f"API client {erp.client}")]


def test_a_second_image_goes_after_the_first(erp, product) -> None:  # type: ignore[no-untyped-def]
    upload(erp, picture("red"))
    upload(erp, picture("blue", "JPEG"))

    assert list(
        ProductImage.objects.filter(product=product).values_list("sort_order", flat=True)
    ) == [0, 1]


def test_an_image_put_first_goes_before_those_already_there(erp, product) -> None:  # type: ignore[no-untyped-def]
    first = upload(erp, picture("red")).json()["key"]
    second = upload(erp, picture("green")).json()["key"]
    front = upload(erp, picture("blue"), position=0).json()["key"]

    names = [image.image.name for image in ProductImage.objects.filter(product=product)]
    assert [name.rsplit("/", 1)[1].split(".")[0] for name in names] == [front, first, second]


def test_what_is_not_an_image_is_refused_and_nothing_is_stored(erp, product) -> None:  # type: ignore[no-untyped-def]
    response = upload(erp, b"%PDF-1.4 not a picture")

    assert response.status_code == 415
    assert response.json()["code"] == "not_image"
    assert response.json()["errors"][0]["field"] == "file"
    assert not ProductImage.objects.exists()


def test_an_image_over_the_limit_is_refused(erp, product, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRODUCT_IMAGE_MAX_BYTES = 10

    response = upload(erp, picture())

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not ProductImage.objects.exists()


def test_an_unknown_product_is_404(erp, product) -> None:  # type: ignore[no-untyped-def]
    response = upload(erp, picture(), product="NO-SUCH")

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_product"


def test_an_uploaded_image_is_removed_by_its_key_once(erp, product) -> None:  # type: ignore[no-untyped-def]
    key = upload(erp, picture()).json()["key"]
    url = f"/api/v1/sync/products/P-A/images/{key}"

    first = erp.http.delete(url, **erp.headers())
    second = erp.http.delete(url, **erp.headers())

    assert first.status_code == 204
    assert second.status_code == 404
    assert second.json()["code"] == "unknown_image"
    assert not ProductImage.objects.exists()
    assert AuditEntry.objects.filter(object_type="catalog.productimage", action="delete").exists()


def test_the_products_feed_leaves_uploaded_images_alone(erp, product) -> None:  # type: ignore[no-untyped-def]
    upload(erp, picture())

    # The products feed names no image by URL any more: its own images go, uploads stay.
    fetch_product_images.call(product.pk, [])

    assert ProductImage.objects.filter(product=product).count() == 1


def test_a_client_without_catalog_write_cannot_upload(machine_for, product) -> None:  # type: ignore[no-untyped-def]
    reader = machine_for("prices:write")

    response = upload(reader, picture())

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert not ProductImage.objects.exists()


@pytest.mark.parametrize(
    "form", [{"position": "-1"}, {"position": "first"}, {"alt_text": "x" * 300}]
)
def test_a_bad_form_field_is_422_and_nothing_is_stored(erp, product, form) -> None:  # type: ignore[no-untyped-def]
    response = upload(erp, picture(), **form)

    assert response.status_code == 422
    assert response.json()["errors"]
    assert not ProductImage.objects.exists()


def test_a_missing_file_is_422(erp, product) -> None:  # type: ignore[no-untyped-def]
    response = erp.http.post("/api/v1/sync/products/P-A/images", {"alt_text": "x"}, **erp.headers())

    assert response.status_code == 422
    assert not ProductImage.objects.exists()
