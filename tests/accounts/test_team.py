"""A company's people: roles and access, with at least one active owner always left."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.accounts.errors import AccountsError, AccountsErrorCode
from dealerdesk.accounts.models import Membership
from dealerdesk.accounts.services import change_member_role, set_member_active
from dealerdesk.core.models import AuditEntry
from tests import factories as f


def test_owner_changes_a_colleagues_role_and_it_is_audited(world):
    change_member_role(world.buyer_a, role=MembershipRole.ACCOUNTANT, by=world.owner_a.user)

    assert Membership.objects.get(pk=world.buyer_a.pk).role == MembershipRole.ACCOUNTANT
    entry = AuditEntry.objects.get(verb="changed role")
    assert entry.before == {"role": "buyer"}
    assert entry.after == {"role": "accountant"}
    assert entry.company_id == world.company_a.pk
    assert entry.actor == world.owner_a.user


@pytest.mark.parametrize("role", [r for r in MembershipRole.values if r != MembershipRole.OWNER])
def test_the_last_owner_cannot_be_demoted(world, role):
    with pytest.raises(AccountsError) as error:
        change_member_role(world.owner_a, role=role, by=world.owner_a.user)

    assert error.value.code == AccountsErrorCode.LAST_OWNER
    assert Membership.objects.get(pk=world.owner_a.pk).role == MembershipRole.OWNER


def test_an_owner_can_step_down_when_another_owner_is_active(world):
    change_member_role(world.buyer_a, role=MembershipRole.OWNER, by=world.owner_a.user)

    change_member_role(world.owner_a, role=MembershipRole.BUYER, by=world.owner_a.user)

    assert Membership.objects.get(pk=world.owner_a.pk).role == MembershipRole.BUYER


def test_an_inactive_second_owner_does_not_count(world):
    second = f.MembershipFactory(
        company=world.company_a, role=MembershipRole.OWNER, is_active=False
    )

    with pytest.raises(AccountsError):
        change_member_role(world.owner_a, role=MembershipRole.BUYER, by=world.owner_a.user)

    assert second.role == MembershipRole.OWNER


def test_an_owner_of_another_company_does_not_count(world):
    f.MembershipFactory(company=world.company_b, role=MembershipRole.OWNER)

    with pytest.raises(AccountsError):
        change_member_role(world.owner_a, role=MembershipRole.VIEWER, by=world.owner_a.user)


@pytest.mark.parametrize("role", ["", "admin", "OWNER", "owner "])
def test_unknown_roles_are_refused(world, role):
    with pytest.raises(ValidationError) as error:
        change_member_role(world.buyer_a, role=role, by=world.owner_a.user)

    assert list(error.value.message_dict) == ["role"]


def test_an_owner_cannot_remove_themselves(world):
    change_member_role(world.buyer_a, role=MembershipRole.OWNER, by=world.owner_a.user)

    with pytest.raises(AccountsError) as error:
        set_member_active(world.owner_a, active=False, by=world.owner_a.user)

    assert error.value.code == AccountsErrorCode.NOT_YOURSELF
    assert Membership.objects.get(pk=world.owner_a.pk).is_active


def test_the_last_owner_cannot_be_removed_by_someone_else(world):
    with pytest.raises(AccountsError) as error:
        set_member_active(world.owner_a, active=False, by=world.admin.user)

    assert error.value.code == AccountsErrorCode.LAST_OWNER


def test_removing_and_giving_back_access(world):
    set_member_active(world.buyer_a, active=False, by=world.owner_a.user)
    assert not Membership.objects.get(pk=world.buyer_a.pk).is_active

    set_member_active(world.buyer_a, active=True, by=world.owner_a.user)
    assert Membership.objects.get(pk=world.buyer_a.pk).is_active
    assert list(AuditEntry.objects.order_by("id").values_list("verb", "before", "after")) == [
        ("removed access", {"is_active": True}, {"is_active": False}),
        ("gave access", {"is_active": False}, {"is_active": True}),
    ]


# Each example builds its own company, so sharing the test's transaction is harmless.
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 3),
            st.sampled_from(["role", "access"]),
            st.sampled_from(MembershipRole.values),
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_whatever_owners_do_a_company_keeps_an_active_owner(db, steps):
    # given a company with one owner (who acts) and three buyers
    company = f.CompanyFactory()
    people = [
        f.MembershipFactory(company=company, role=MembershipRole.OWNER),
        *(f.MembershipFactory(company=company) for _ in range(3)),
    ]
    actor = people[0].user
    # when any sequence of role changes and access changes is attempted
    for index, kind, role, active in steps:
        try:
            if kind == "role":
                change_member_role(people[index], role=role, by=actor)
            else:
                set_member_active(people[index], active=active, by=actor)
        except AccountsError:
            pass
        # then after every step an active owner is left
        assert Membership.objects.filter(
            company=company, role=MembershipRole.OWNER, is_active=True
        ).exists()
