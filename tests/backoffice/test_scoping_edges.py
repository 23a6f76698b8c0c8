"""Edges of the staff scoping that the ordinary pages do not reach."""

from __future__ import annotations

import pytest

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.accounts.models import User
from tests import factories as f
from tests.backoffice.conftest import bo

pytestmark = pytest.mark.django_db


def test_a_manager_cannot_open_django_history_pages(world, client_for):
    url = bo("accounts_user_history", world.buyer_a.user.pk)
    assert client_for(world.manager_a.user).get(url).status_code == 403
    assert client_for(world.admin.user).get(url).status_code == 200


def test_a_role_admin_cannot_change_a_superusers_password(world, role_admin, client_for):
    client = client_for(role_admin.user)
    superuser = world.admin.user
    url = bo("auth_user_password_change", superuser.pk).replace("/auth/", "/accounts/")

    response = client.post(
        url,
        {"usable_password": "true", "password1": "Taken over 123!", "password2": "Taken over 123!"},
    )

    assert response.status_code == 403
    assert not User.objects.get(pk=superuser.pk).check_password("Taken over 123!")


def test_the_queue_does_not_name_another_managers_dealer(world, manager_client):
    f.AccessRequestFactory(company_name="Bravo Tools GmbH", contact="x@evil.example")

    queue = manager_client.get(bo("accounts_accessrequest_changelist")).content.decode()

    assert "Bravo Tools GmbH" in queue  # the request itself is in the open queue
    assert f"/company/{world.company_b.pk}/" not in queue


def test_approving_into_a_company_with_an_owner_defaults_to_buyer(world, manager_client):
    request = f.AccessRequestFactory(company_name="Alpha Electric", contact="new@alpha.example")

    page = manager_client.get(bo("accounts_accessrequest_approve", request.pk))

    role = page.context["form"]["role"]
    assert role.value() == MembershipRole.BUYER
    assert "already has an owner" in page.content.decode()
