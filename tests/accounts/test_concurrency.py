"""Races that real users produce: a double-clicked form, an invite link opened twice.

These run against PostgreSQL with real threads and connections (row locks and partial
unique indexes are what make them safe); on SQLite, which serialises writers, they skip.
"""

from __future__ import annotations

import threading

import pytest

from dealerdesk.accounts.errors import AccountsError, AccountsErrorCode
from dealerdesk.accounts.models import AccessRequest, Membership
from dealerdesk.accounts.services import accept_invite, create_invite, request_access
from tests.concurrency import race_same

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only"),
]


def test_the_same_request_sent_many_times_at_once_is_filed_once() -> None:
    results = race_same(
        lambda: request_access(
            company_name="Racing Electric LLC",
            contact_name="Rita Race",
            contact="rita@racing.example",
        )
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert AccessRequest.objects.count() == 1
    filed = AccessRequest.objects.get()
    assert filed.times_requested == len(results)
    assert sum(1 for r in results if r.created) == 1


def test_an_invite_link_used_twice_at_once_makes_one_membership(world) -> None:  # type: ignore[no-untyped-def]
    issued = create_invite(
        world.company_a, email="twice@alpha.test", role="buyer", invited_by=world.admin.user
    )

    results = race_same(
        lambda: accept_invite(issued.token, full_name="Tess Twice", password="Quiet harbour 88"),
        times=4,
    )

    memberships = [r for r in results if isinstance(r, Membership)]
    refused = [r for r in results if isinstance(r, AccountsError)]
    assert len(memberships) == 1, results
    assert {error.code for error in refused} == {AccountsErrorCode.INVITE_USED}
    assert len(refused) == 3
    assert Membership.objects.filter(user__email="twice@alpha.test").count() == 1


def test_two_owners_removing_each_other_at_once_leave_one_owner(world) -> None:  # type: ignore[no-untyped-def]
    from dealerdesk.accounts.choices import MembershipRole
    from dealerdesk.accounts.services import set_member_active
    from tests import factories as f

    first = world.owner_a
    second = f.MembershipFactory(company=world.company_a, role=MembershipRole.OWNER)
    pairs = iter([(first, second), (second, first)])
    lock = threading.Lock()

    def remove_the_other() -> None:
        with lock:
            me, other = next(pairs)
        set_member_active(other, active=False, by=me.user)

    results = race_same(remove_the_other, times=2)

    owners = Membership.objects.filter(
        company=world.company_a, role=MembershipRole.OWNER, is_active=True
    )
    assert owners.count() == 1, results
    assert sum(isinstance(r, AccountsError) for r in results) == 1
