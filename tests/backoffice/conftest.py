"""Fixtures for the back office: signed-in clients per staff role and URL helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dealerdesk.accounts.choices import StaffRole
from dealerdesk.accounts.models import StaffProfile, User
from tests import factories as f
from tests.conftest import World


def bo(name: str, *args: Any) -> str:
    """A back-office URL: ``bo("accounts_company_change", pk)``."""
    return reverse(f"backoffice:{name}", args=args)


@pytest.fixture
def admin_client(world: World, client_for: Callable[[User], Client]) -> Client:
    return client_for(world.admin.user)


@pytest.fixture
def manager_client(world: World, client_for: Callable[[User], Client]) -> Client:
    return client_for(world.manager_a.user)


@pytest.fixture
def role_admin(world: World) -> StaffProfile:
    """A supplier admin by role only (not a Django superuser)."""
    return f.StaffFactory(role=StaffRole.ADMIN, user__email="role.admin@supplier.test")


def _bound_values(form: Any) -> dict[str, Any]:
    """What a browser would send back for ``form`` as rendered (unchanged)."""
    data: dict[str, Any] = {}
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        if value is None or hasattr(value, "storage"):  # nothing, or a stored file
            continue
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = str(value)
    return data


def change_form_data(response: Any) -> dict[str, Any]:
    """The POST data of an admin add/change page, as it was rendered: edit, then post it."""
    data = _bound_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_bound_values(formset.management_form))
        for form in formset.forms:
            data.update(_bound_values(form))
    return data


def form_errors(response: Any) -> Any:
    """Every error on an admin page that did not save (for assertion messages)."""
    context = response.context
    if context is None or "adminform" not in context:
        return None
    return {
        "form": context["adminform"].form.errors,
        "inlines": [
            (inline.formset.prefix, inline.formset.errors, inline.formset.non_form_errors())
            for inline in context["inline_admin_formsets"]
        ],
    }
