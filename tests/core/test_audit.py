"""The audit log: who changed what, keeping only what changed for an update."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import given
from hypothesis import strategies as st

from dealerdesk.core import audit
from dealerdesk.core.models import AuditAction, AuditEntry
from tests import factories as f


@pytest.mark.django_db
def test_update_keeps_only_the_changed_fields():
    # given a company and a user who changes one field of it
    company = f.CompanyFactory(name="Alpha", phone="+4930111")
    actor = f.UserFactory(full_name="Olga Owner")
    before = audit.snapshot(company)
    company.phone = "+4930222"
    company.save()

    # when the change is recorded
    entry = audit.record(
        actor=actor, instance=company, before=before, after=audit.snapshot(company)
    )

    # then only the phone (and the save's own timestamp) are kept, before and after
    assert entry.before["phone"] == "+4930111"
    assert entry.after["phone"] == "+4930222"
    assert set(entry.before) == set(entry.after) <= {"phone", "updated_at"}
    assert "name" not in entry.after
    assert (entry.actor, entry.actor_repr, entry.action) == (actor, "Olga Owner", "update")
    assert entry.object_type == "accounts.company"
    assert entry.object_id == str(company.pk)


@pytest.mark.django_db
def test_update_with_nothing_changed_records_empty_dicts():
    company = f.CompanyFactory()
    snap = audit.snapshot(company)

    entry = audit.record(actor=None, instance=company, before=snap, after=dict(snap))

    assert (entry.before, entry.after) == ({}, {})


@pytest.mark.django_db
def test_create_keeps_the_whole_snapshot():
    company = f.CompanyFactory()
    snap = audit.snapshot(company)

    entry = audit.record(actor=None, instance=company, action=AuditAction.CREATE, after=snap)

    assert entry.after == snap
    assert entry.before is None


@pytest.mark.django_db
@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_changes_without_a_signed_in_actor_are_the_systems(actor):
    company = f.CompanyFactory()

    entry = audit.record(actor=actor, instance=company, verb="synced")

    assert (entry.actor, entry.actor_repr) == (None, "system")
    assert str(entry) == f"system synced {company}"


@pytest.mark.django_db
def test_snapshot_is_json_safe_and_can_be_limited_to_fields():
    product = f.ProductFactory(weight_kg=Decimal("1.250"))
    f.BarcodeFactory(product=product)

    full = audit.snapshot(product)
    only = audit.snapshot(product, ["weight_kg", "sku"])

    assert full["weight_kg"] == "1.250"
    assert isinstance(full["created_at"], str)
    assert dt.datetime.fromisoformat(full["created_at"]) == product.created_at
    assert full["category_id"] == product.category_id
    assert only == {"sku": product.sku, "weight_kg": "1.250"}
    entry = audit.record(actor=None, instance=product, action=AuditAction.CREATE, after=full)
    assert AuditEntry.objects.get(pk=entry.pk).after == full


json_value = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "x", "1"])
)
snapshots = st.dictionaries(st.sampled_from("abcdef"), json_value, max_size=6)


@given(snapshots, snapshots)
def test_diff_names_exactly_the_keys_whose_values_differ(before, after):
    changes = audit.diff(before, after)

    for key in set(before) | set(after):
        if before.get(key) == after.get(key):
            assert key not in changes
        else:
            assert changes[key] == [before.get(key), after.get(key)]
    assert audit.diff(after, before) == {k: [b, a] for k, (a, b) in changes.items()}
