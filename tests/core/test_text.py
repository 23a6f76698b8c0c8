"""company_key: the same company written differently compares equal."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dealerdesk.core.text import _LEGAL_FORMS, collapse_spaces, company_key

ascii_words = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=10)
ascii_names = st.lists(ascii_words, min_size=1, max_size=4).map(" ".join)
legal_forms = st.sampled_from(sorted(form for form in _LEGAL_FORMS if form.isascii()))


# Arbitrary Unicode: the first run builds Hypothesis' character tables, which is slow.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=40))
def test_company_key_is_idempotent(name):
    assert company_key(company_key(name)) == company_key(name)


@given(ascii_names)
def test_company_key_ignores_case(name):
    assert company_key(name.upper()) == company_key(name.lower()) == company_key(name)


@given(ascii_names, legal_forms, st.sampled_from(["{n} {f}", "{f} {n}", "{n}, {f}", "{n} {F}"]))
def test_company_key_ignores_a_legal_form(name, form, layout):
    assume(company_key(name))  # the name has a word that is not itself a legal form
    assume(any(word.lower() not in _LEGAL_FORMS for word in name.split()))

    written = layout.format(n=name, f=form, F=form.upper())

    assert company_key(written) == company_key(name)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme LLC", "ACME"),
        ("Acme, Inc.", "acme"),
        ("“Acme” Ltd", "Acme"),
        ("Müller GmbH", "Muller"),
        ("Müller GmbH & Co. KG", "MÜLLER"),
        ("\u041e\u041e\u041e «Ромашка»", "Ромашка"),  # OOO, the Russian LLC
        ("Acme   Building\tSupply Co", "acme building supply"),
    ],
)
def test_same_company_written_differently_has_one_key(a, b):
    assert company_key(a) == company_key(b)


@pytest.mark.parametrize(("a", "b"), [("Acme", "Apex"), ("Acme North", "Acme South")])
def test_different_companies_keep_different_keys(a, b):
    assert company_key(a) != company_key(b)


def test_a_name_made_only_of_legal_forms_keeps_its_words():
    assert company_key("Company Ltd") == "company ltd"


@pytest.mark.parametrize(
    "written", ["Acme L.L.C.", "Acme S.A.", "Acme B.V.", "Acme N.V.", "Acme S.R.L."]
)
def test_dotted_legal_forms_are_ignored_too(written):
    assert company_key(written) == company_key("ACME")


def test_collapse_spaces():
    assert collapse_spaces("  Acme \t\n Building  Supply ") == "Acme Building Supply"
