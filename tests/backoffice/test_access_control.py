"""Who sees what: supplier admins everything, a sales manager only their own dealers."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from dealerdesk.accounts.models import Company, StaffProfile, User
from dealerdesk.accounts.services import create_invite
from dealerdesk.catalog.models import CatalogAssignment
from dealerdesk.core import audit
from tests import factories as f
from tests.backoffice.conftest import bo, change_form_data
from tests.conftest import World


def test_admin_sees_every_company(world: World, admin_client: Client) -> None:
    response = admin_client.get(bo("accounts_company_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [world.company_a, world.company_b]


def test_admin_by_role_alone_sees_every_company(
    world: World, role_admin: StaffProfile, client_for: Callable[[User], Client]
) -> None:
    response = client_for(role_admin.user).get(bo("accounts_company_changelist"))

    assert set(response.context["cl"].result_list) == {world.company_a, world.company_b}


def test_manager_sees_only_their_companies(world: World, manager_client: Client) -> None:
    response = manager_client.get(bo("accounts_company_changelist"))

    assert list(response.context["cl"].result_list) == [world.company_a]
    assert "Bravo Tools" not in response.content.decode()


def test_manager_gets_nothing_of_another_managers_company(
    world: World, manager_client: Client
) -> None:
    Company.objects.filter(pk=world.company_b.pk).update(tax_id="DE999888777")

    response = manager_client.get(bo("accounts_company_change", world.company_b.pk), follow=True)

    assert response.redirect_chain[-1][0] == bo("index")
    content = response.content.decode()
    assert "Perhaps it was deleted?" in content
    assert "Bravo Tools" not in content
    assert "DE999888777" not in content
    assert world.company_b.external_id not in content


def test_manager_cannot_change_another_managers_company_by_post(
    world: World, manager_client: Client
) -> None:
    response = manager_client.post(
        bo("accounts_company_change", world.company_b.pk), {"name": "Taken over"}
    )

    assert response.status_code == 302
    world.company_b.refresh_from_db()
    assert world.company_b.name == "Bravo Tools"


def test_manager_cannot_reassign_their_company(world: World, manager_client: Client) -> None:
    url = bo("accounts_company_change", world.company_a.pk)
    page = manager_client.get(url)
    assert "personal_manager" not in page.context["adminform"].form.fields
    data = change_form_data(page)
    data.update(personal_manager=str(world.manager_b.pk), phone="+49 30 555")

    response = manager_client.post(url, data)

    assert response.status_code == 302
    world.company_a.refresh_from_db()
    assert world.company_a.personal_manager == world.manager_a
    assert world.company_a.phone == "+49 30 555"


def test_manager_cannot_delete_companies(world: World, manager_client: Client) -> None:
    response = manager_client.get(bo("accounts_company_delete", world.company_a.pk))

    assert response.status_code == 403


def test_manager_adds_a_company_that_is_theirs(world: World, manager_client: Client) -> None:
    page = manager_client.get(bo("accounts_company_add"))
    data = change_form_data(page)
    data.update(name="Delta Lighting", legal_name="Delta Lighting GmbH")

    response = manager_client.post(bo("accounts_company_add"), data)

    assert response.status_code == 302
    company = Company.objects.get(name="Delta Lighting")
    assert company.personal_manager == world.manager_a


def test_manager_sees_only_their_dealers_people_and_invites(
    world: World, manager_client: Client
) -> None:
    create_invite(world.company_b, email="newcomer@bravo.test", invited_by=world.admin.user)
    create_invite(world.company_a, email="newcomer@alpha.test", invited_by=world.admin.user)

    invites = manager_client.get(bo("accounts_invite_changelist")).content.decode()
    memberships = manager_client.get(bo("accounts_membership_changelist")).content.decode()
    users = manager_client.get(bo("accounts_user_changelist")).content.decode()

    assert "newcomer@alpha.test" in invites
    assert "newcomer@bravo.test" not in invites
    assert str(world.buyer_a.user) in memberships
    assert str(world.buyer_b.user) not in memberships
    assert "buyer@alpha.test" in users
    assert "buyer@bravo.test" not in users
    assert "manager.b@supplier.test" not in users
    assert "admin@supplier.test" not in users


def test_manager_cannot_open_another_dealers_person(world: World, manager_client: Client) -> None:
    response = manager_client.get(bo("accounts_user_change", world.buyer_b.user.pk), follow=True)

    assert "buyer@bravo.test" not in response.content.decode()


def test_manager_autocomplete_offers_only_their_people(
    world: World, manager_client: Client
) -> None:
    response = manager_client.get(
        reverse("backoffice:autocomplete"),
        {"app_label": "accounts", "model_name": "membership", "field_name": "user", "term": ""},
    )

    assert response.status_code == 200
    texts = {item["text"] for item in response.json()["results"]}
    assert str(world.buyer_a.user) in texts
    assert str(world.buyer_b.user) not in texts


def test_manager_cannot_edit_the_catalog(world: World, manager_client: Client) -> None:
    url = bo("catalog_product_change", world.product_a.pk)

    page = manager_client.get(url)
    post = manager_client.post(url, {"name": "Renamed"})

    assert page.status_code == 200  # read-only
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    assert manager_client.get(bo("catalog_product_add")).status_code == 403
    assert manager_client.get(bo("catalog_category_add")).status_code == 403
    assert manager_client.get(bo("catalog_product_delete", world.product_a.pk)).status_code == 403
    world.product_a.refresh_from_db()
    assert world.product_a.name == "Cable NYM 3x1.5"


def test_reference_lists_are_for_admins_only(world: World, manager_client: Client) -> None:
    for name in ("accounts_region", "accounts_customergroup", "accounts_tier"):
        assert manager_client.get(bo(f"{name}_changelist")).status_code == 403


def test_manager_assigns_catalog_to_their_dealers_only(
    world: World, manager_client: Client
) -> None:
    listed = manager_client.get(bo("catalog_catalogassignment_changelist"))
    shown = set(listed.context["cl"].result_list)
    assert CatalogAssignment.objects.get(company=world.company_b) not in shown
    assert CatalogAssignment.objects.get(customer_group__isnull=False) in shown

    theirs = manager_client.post(
        bo("catalog_catalogassignment_add"),
        {"company": world.company_a.pk, "category": world.cat_b.pk},
    )
    others = manager_client.post(
        bo("catalog_catalogassignment_add"),
        {"company": world.company_b.pk, "product": world.product_a.pk},
    )

    assert theirs.status_code == 302
    assert CatalogAssignment.objects.filter(company=world.company_a, category=world.cat_b).exists()
    assert others.status_code == 200
    assert "company" in others.context["adminform"].form.errors
    assert not CatalogAssignment.objects.filter(
        company=world.company_b, product=world.product_a
    ).exists()


def test_manager_reads_group_assignments_only(world: World, manager_client: Client) -> None:
    group_assignment = CatalogAssignment.objects.get(customer_group__isnull=False)
    url = bo("catalog_catalogassignment_change", group_assignment.pk)

    assert manager_client.get(url).status_code == 200
    assert manager_client.post(url, {"category": world.cat_b.pk}).status_code == 403
    assert (
        manager_client.post(
            bo("catalog_catalogassignment_delete", group_assignment.pk), {"post": "yes"}
        ).status_code
        == 403
    )
    assert CatalogAssignment.objects.filter(pk=group_assignment.pk).exists()


def test_manager_sees_audit_of_their_dealers_only(world: World, manager_client: Client) -> None:
    audit.record(
        actor=world.admin.user,
        instance=world.company_a,
        verb="touched A",
        company_id=world.company_a.pk,
    )
    audit.record(
        actor=world.admin.user,
        instance=world.company_b,
        verb="touched B",
        company_id=world.company_b.pk,
    )

    content = manager_client.get(bo("core_auditentry_changelist")).content.decode()

    assert "touched A" in content
    assert "touched B" not in content


def test_audit_log_is_read_only_even_for_admins(world: World, admin_client: Client) -> None:
    entry = audit.record(actor=world.admin.user, instance=world.company_a, verb="touched")

    assert admin_client.get(bo("core_auditentry_add")).status_code == 403
    assert admin_client.post(bo("core_auditentry_change", entry.pk), {}).status_code == 403
    assert admin_client.get(bo("core_auditentry_delete", entry.pk)).status_code == 403


def test_signed_in_dealer_opening_the_back_office_lands_in_their_portal(
    world: World, client_for: Callable[[User], Client]
) -> None:
    client = client_for(world.buyer_a.user)

    first = client.get("/backoffice/")
    second = client.get(first["Location"])

    assert first.status_code == 302
    assert second.status_code == 302
    assert second["Location"] == reverse("portal:dashboard")


def test_anonymous_visitor_is_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get("/backoffice/accounts/company/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("portal:login"))
    assert response.status_code == 200


def test_staff_without_a_card_sees_nothing(
    world: World, client_for: Callable[[User], Client]
) -> None:
    stranger = f.UserFactory(email="temp@supplier.test", is_staff=True)
    client = client_for(stranger)

    assert client.get(bo("index")).status_code == 200
    assert client.get(bo("accounts_company_changelist")).status_code == 403
    assert client.get(bo("accounts_accessrequest_changelist")).status_code == 403
