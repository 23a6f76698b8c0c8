"""The catalog pages: barcodes validated by their check digit, categories as a tree."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from dealerdesk.catalog.models import Barcode, CatalogAssignment, Category, ProductImage
from dealerdesk.core.models import AuditAction, AuditEntry
from tests import factories as f
from tests.backoffice.conftest import bo, change_form_data, form_errors
from tests.conftest import World


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def with_new_barcode(data: dict[str, Any], code: str, primary: bool = False) -> dict[str, Any]:
    index = int(data["barcodes-TOTAL_FORMS"])
    data["barcodes-TOTAL_FORMS"] = str(index + 1)
    data[f"barcodes-{index}-code"] = code
    if primary:
        data[f"barcodes-{index}-is_primary"] = "on"
    return data


def test_a_bad_check_digit_is_a_field_error_and_nothing_is_saved(
    world: World, admin_client: Client
) -> None:
    url = bo("catalog_product_change", world.product_a.pk)
    data = change_form_data(admin_client.get(url))
    data["name"] = "Renamed cable"
    with_new_barcode(data, "4006381333932")  # the valid code ends in 1

    response = admin_client.post(url, data)

    assert response.status_code == 200
    barcodes = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Barcode
    )
    assert "code" in barcodes.errors[-1]
    assert "not a valid EAN/UPC barcode" in response.content.decode()
    assert not Barcode.objects.filter(code="4006381333932").exists()
    world.product_a.refresh_from_db()
    assert world.product_a.name == "Cable NYM 3x1.5"


def test_a_valid_barcode_is_stored_as_digits_and_audited(
    world: World, admin_client: Client
) -> None:
    url = bo("catalog_product_change", world.product_a.pk)
    code = f.ean13(777)
    typed = f"{code[:4]} {code[4:8]}-{code[8:]}"  # as people type it
    data = with_new_barcode(change_form_data(admin_client.get(url)), typed)

    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    barcode = Barcode.objects.get(code=code)
    assert barcode.product == world.product_a
    entry = AuditEntry.objects.get(object_type="catalog.barcode", action=AuditAction.CREATE)
    assert entry.after is not None
    assert entry.after["code"] == code


def test_only_one_primary_barcode(world: World, admin_client: Client) -> None:
    url = bo("catalog_product_change", world.product_a.pk)
    data = with_new_barcode(change_form_data(admin_client.get(url)), f.ean13(778), primary=True)

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "one barcode as primary" in response.content.decode()


def test_a_duplicate_barcode_is_refused(world: World, admin_client: Client) -> None:
    url = bo("catalog_product_change", world.product_a.pk)
    data = with_new_barcode(change_form_data(admin_client.get(url)), "5901234123457")  # product_b's

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert Barcode.objects.get(code="5901234123457").product == world.product_b


def test_product_search_finds_a_barcode(world: World, admin_client: Client) -> None:
    response = admin_client.get(bo("catalog_product_changelist"), {"q": "5901234123457"})

    assert list(response.context["cl"].result_list) == [world.product_b]


def test_product_image_upload_shows_a_preview(world: World, admin_client: Client) -> None:
    url = bo("catalog_product_change", world.product_a.pk)
    data = change_form_data(admin_client.get(url))
    data["images-TOTAL_FORMS"] = "1"
    data["images-0-image"] = SimpleUploadedFile("a.png", png(), content_type="image/png")
    data["images-0-alt_text"] = "Cable reel"
    data["images-0-sort_order"] = "0"

    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    image = ProductImage.objects.get(product=world.product_a)
    page = admin_client.get(url).content.decode()
    assert f'<img src="{image.image.url}"' in page


def test_a_non_image_upload_is_refused(world: World, admin_client: Client) -> None:
    url = bo("catalog_product_change", world.product_a.pk)
    data = change_form_data(admin_client.get(url))
    data["images-TOTAL_FORMS"] = "1"
    data["images-0-image"] = SimpleUploadedFile("a.png", b"not a picture")
    data["images-0-sort_order"] = "0"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    assert not ProductImage.objects.exists()


def test_categories_are_listed_as_a_tree(world: World, admin_client: Client) -> None:
    response = admin_client.get(bo("catalog_category_changelist"))

    listed = list(response.context["cl"].result_list)
    assert listed.index(world.cat_a) + 1 == listed.index(world.cat_a_child)
    assert "└ Power cables" in response.content.decode()


def test_staff_serving_a_category_are_saved(world: World, admin_client: Client) -> None:
    url = bo("catalog_category_change", world.cat_a.pk)
    data = change_form_data(admin_client.get(url))
    data["staff"] = [str(world.manager_a.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert list(world.cat_a.staff.all()) == [world.manager_a]
    entry = AuditEntry.objects.get(object_type="catalog.category")
    assert entry.after == {"staff": [world.manager_a.pk]}


def test_a_category_cannot_move_inside_itself(world: World, admin_client: Client) -> None:
    url = bo("catalog_category_change", world.cat_a.pk)
    data = change_form_data(admin_client.get(url))
    data["parent"] = str(world.cat_a_child.pk)

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "cannot be placed inside itself" in response.content.decode()
    world.cat_a.refresh_from_db()
    assert world.cat_a.parent is None


def test_an_assignment_needs_exactly_one_audience_and_target(
    world: World, admin_client: Client
) -> None:
    url = bo("catalog_catalogassignment_add")
    both = admin_client.post(
        url,
        {
            "company": world.company_a.pk,
            "customer_group": world.company_b.customer_group_id,
            "category": world.cat_b.pk,
        },
    )
    neither = admin_client.post(url, {"company": world.company_a.pk})

    assert "Choose either a company or a customer group." in both.content.decode()
    assert "Choose either a category or a product." in neither.content.decode()
    assert CatalogAssignment.objects.count() == 2  # the world's own


def test_a_duplicate_assignment_is_refused(world: World, admin_client: Client) -> None:
    response = admin_client.post(
        bo("catalog_catalogassignment_add"),
        {"company": world.company_b.pk, "category": world.cat_b.pk},
    )

    assert response.status_code == 200
    assert CatalogAssignment.objects.filter(company=world.company_b).count() == 1


def test_new_category_gets_its_path(world: World, admin_client: Client) -> None:
    response = admin_client.post(
        bo("catalog_category_add"),
        {"name": "Sockets", "parent": world.cat_a.pk, "sort_order": "0", "is_active": "on"},
    )

    assert response.status_code == 302
    sockets = Category.objects.get(name="Sockets")
    assert sockets.path == f"{world.cat_a.path}{sockets.pk}/"
