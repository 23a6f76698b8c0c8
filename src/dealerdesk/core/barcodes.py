"""Product barcodes: GTIN-8/12/13/14 (EAN/UPC) with their check digit."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumValidationError


def normalize_gtin(code: str) -> str:
    """Digits only, without the spaces and dashes people type or scanners add."""
    return "".join(unicodedata.normalize("NFKC", code).split()).replace("-", "")


def validate_gtin(code: str) -> None:
    """Raise ValidationError unless ``code`` is a GTIN with a correct check digit."""
    try:
        ean.validate(normalize_gtin(code))
    except StdnumValidationError as error:
        raise ValidationError(
            "%(code)s is not a valid EAN/UPC barcode: %(reason)s",
            code="invalid_barcode",
            params={"code": code, "reason": str(error).rstrip(".").lower()},
        ) from error


def looks_like_gtin(text: str) -> bool:
    """True for strings a barcode scanner produces (8, 12, 13 or 14 digits, valid check)."""
    code = normalize_gtin(text)
    return code.isdigit() and len(code) in {8, 12, 13, 14} and ean.is_valid(code)


def ean13_check_digit(first12: str) -> str:
    """The check digit that completes a 12-digit EAN-13 body."""
    return ean.calc_check_digit(first12)
