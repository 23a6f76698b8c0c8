"""People: accounts named by e-mail with Django's password forms, and the staff cards."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from dealerdesk.accounts.choices import StaffRole
from dealerdesk.accounts.models import StaffProfile, User
from dealerdesk.core.models import AuditAction, AuditEntry
from tests.backoffice.conftest import bo, change_form_data, form_errors
from tests.conftest import World


def photo(size: int = 4) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def test_admin_adds_a_person_by_email(world: World, admin_client: Client) -> None:
    response = admin_client.post(
        bo("accounts_user_add"),
        {
            "email": " Olga@Supplier.test ",
            "full_name": "Olga Berg",
            "phone": "",
            "is_staff": "on",
            "usable_password": "true",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
        },
    )

    assert response.status_code == 302, form_errors(response)
    olga = User.objects.get(email="olga@supplier.test")
    assert olga.is_staff
    assert olga.check_password("a-long-Passphrase-42")
    entry = AuditEntry.objects.get(object_type="accounts.user", action=AuditAction.CREATE)
    assert entry.after is not None
    assert "password" not in entry.after


def test_an_email_is_taken_whatever_its_case(world: World, admin_client: Client) -> None:
    response = admin_client.post(
        bo("accounts_user_add"),
        {"email": "BUYER@alpha.test", "usable_password": "false"},
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors


def test_admin_sets_a_password_and_it_is_audited(world: World, admin_client: Client) -> None:
    user = world.buyer_a.user
    response = admin_client.post(
        bo("auth_user_password_change", user.pk),
        {
            "set-password": "1",
            "usable_password": "true",
            "password1": "another-Passphrase-77",
            "password2": "another-Passphrase-77",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-Passphrase-77")
    entry = AuditEntry.objects.get(object_type="accounts.user", verb="set the password")
    assert entry.actor == world.admin.user
    assert entry.before is None
    assert entry.after is None


def test_only_a_superuser_makes_superusers(
    world: World, role_admin: StaffProfile, client_for: Callable[[User], Client]
) -> None:
    client = client_for(role_admin.user)
    url = bo("accounts_user_change", world.manager_a.user.pk)
    page = client.get(url)
    assert "is_superuser" not in page.context["adminform"].form.fields

    data = change_form_data(page)
    data["is_superuser"] = "on"
    client.post(url, data)

    world.manager_a.user.refresh_from_db()
    assert not world.manager_a.user.is_superuser


def test_manager_only_views_people(world: World, manager_client: Client) -> None:
    url = bo("accounts_user_change", world.buyer_a.user.pk)

    assert manager_client.get(url).status_code == 200
    assert manager_client.post(url, {"full_name": "Changed"}).status_code == 403
    assert manager_client.get(bo("accounts_user_add")).status_code == 403
    assert (
        manager_client.get(bo("auth_user_password_change", world.buyer_a.user.pk)).status_code
        == 403
    )


def test_admin_sets_the_categories_a_person_serves(world: World, admin_client: Client) -> None:
    url = bo("accounts_staffprofile_change", world.manager_a.pk)
    data = change_form_data(admin_client.get(url))
    data["categories"] = [str(world.cat_a.pk), str(world.cat_b.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    assert set(world.manager_a.categories.all()) == {world.cat_a, world.cat_b}
    entry = AuditEntry.objects.get(object_type="accounts.staffprofile")
    assert entry.before == {"categories": []}
    assert entry.after == {"categories": sorted([world.cat_a.pk, world.cat_b.pk])}


def test_manager_sees_and_edits_only_their_own_card(world: World, manager_client: Client) -> None:
    world.cat_a.staff.add(world.manager_a)
    listed = manager_client.get(bo("accounts_staffprofile_changelist"))
    assert list(listed.context["cl"].result_list) == [world.manager_a]

    url = bo("accounts_staffprofile_change", world.manager_a.pk)
    page = manager_client.get(url)
    assert set(page.context["adminform"].form.fields) == {"title", "phone", "photo"}
    response = manager_client.post(
        url,
        {
            "title": "Key account manager",
            "phone": "+49 30 7654321",
            "photo": photo(),
            "role": StaffRole.ADMIN,
        },
    )

    assert response.status_code == 302, form_errors(response)
    world.manager_a.refresh_from_db()
    assert world.manager_a.title == "Key account manager"
    assert world.manager_a.role == StaffRole.SALES_MANAGER
    assert world.manager_a.photo
    assert list(world.manager_a.categories.all()) == [world.cat_a]  # untouched
    page = manager_client.get(url).content.decode()
    assert world.manager_a.photo.url in page


def test_manager_cannot_open_another_card(world: World, manager_client: Client) -> None:
    response = manager_client.get(bo("accounts_staffprofile_change", world.manager_b.pk))

    assert response.status_code == 302
    assert manager_client.get(bo("accounts_staffprofile_add")).status_code == 403


def test_a_too_big_photo_is_refused(world: World, manager_client: Client, settings: Any) -> None:
    settings.PRODUCT_IMAGE_MAX_BYTES = 10
    response = manager_client.post(
        bo("accounts_staffprofile_change", world.manager_a.pk),
        {"title": "x", "phone": "", "photo": photo()},
    )

    assert response.status_code == 200
    assert "pictures up to" in str(response.context["adminform"].form.errors["photo"])
