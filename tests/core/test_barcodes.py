"""GTIN (EAN/UPC) barcodes: validation with the check digit, and what a scanner produces."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dealerdesk.core.barcodes import (
    ean13_check_digit,
    looks_like_gtin,
    normalize_gtin,
    validate_gtin,
)

VALID = [
    pytest.param("96385074", id="EAN-8"),
    pytest.param("036000291452", id="UPC-A"),
    pytest.param("4006381333931", id="EAN-13"),
    pytest.param("10614141000415", id="GTIN-14"),
    pytest.param(" 4006381 333931 ", id="EAN-13-with-spaces"),
    pytest.param("400-6381-333931", id="EAN-13-with-dashes"),
]


@pytest.mark.parametrize("code", VALID)
def test_valid_gtins_pass(code):
    validate_gtin(code)
    assert looks_like_gtin(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        pytest.param("96385075", "check digit", id="EAN-8-bad-check"),
        pytest.param("036000291453", "check digit", id="UPC-A-bad-check"),
        pytest.param("4006381333932", "check digit", id="EAN-13-bad-check"),
        pytest.param("10614141000416", "check digit", id="GTIN-14-bad-check"),
        pytest.param("4006381333", "length", id="ten-digits"),
        pytest.param("40063813339310", "check digit", id="fourteen-digits-bad"),
        pytest.param("400638133393A", "format", id="letter"),
        pytest.param("", "format", id="empty"),
    ],
)
def test_invalid_gtins_are_refused_with_a_message_naming_the_code(code, reason):
    with pytest.raises(ValidationError) as error:
        validate_gtin(code)

    message = error.value.messages[0]
    assert message.startswith(f"{code} is not a valid EAN/UPC barcode")
    assert reason in message
    assert error.value.code == "invalid_barcode"


@pytest.mark.parametrize(
    "text", ["CAB-001", "12345", "4006381333932", "123456789", "4006381333931X"]
)
def test_looks_like_gtin_is_false_for_what_a_scanner_would_not_produce(text):
    assert not looks_like_gtin(text)


def test_normalize_gtin_drops_white_space_and_dashes():
    assert normalize_gtin(" 400-6381\t333931\n") == "4006381333931"


def test_normalize_gtin_turns_full_width_digits_into_ascii():
    typed = "4006381333931".translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    validate_gtin(typed)  # accepted today...
    assert looks_like_gtin(typed)
    assert normalize_gtin(typed) == "4006381333931"  # ...but not made comparable


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_check_digit_completes_any_twelve_digit_body(body):
    code = body + ean13_check_digit(body)

    validate_gtin(code)
    assert looks_like_gtin(code)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_a_wrong_check_digit_is_always_caught(body, shift):
    right = int(ean13_check_digit(body))
    wrong = str((right + shift) % 10)

    with pytest.raises(ValidationError):
        validate_gtin(body + wrong)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 11))
def test_a_single_mistyped_digit_is_always_caught(body, position):
    code = body + ean13_check_digit(body)
    typo = str((int(code[position]) + 1) % 10)

    assert not looks_like_gtin(code[:position] + typo + code[position + 1 :])
