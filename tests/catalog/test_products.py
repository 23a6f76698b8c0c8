"""Product data rules: volume from dimensions, pack and minimum quantity, barcodes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dealerdesk.catalog.models import Barcode, volume_from_dimensions
from tests import factories as f


@pytest.mark.parametrize(
    ("dimensions", "volume"),
    [
        (("1000", "1000", "1000"), Decimal("1.000000")),
        (("100", "50", "20"), Decimal("0.000100")),
        (("600", "400", "300"), Decimal("0.072000")),
        (("10", "10", "10"), Decimal("0.000001")),  # one cubic centimetre
        (("1", "1", "1"), Decimal("0.000000")),  # below the precision: rounds to 0
        (("125", "84", "33"), Decimal("0.000346")),  # 346.5 cm³: half to even
        (("0", "100", "100"), Decimal("0.000000")),
    ],
)
def test_volume_from_dimensions(dimensions, volume):
    length, width, height = (Decimal(value) for value in dimensions)

    assert volume_from_dimensions(length, width, height) == volume


@pytest.mark.parametrize(
    "dimensions",
    [
        (None, Decimal(1), Decimal(1)),
        (Decimal(1), None, Decimal(1)),
        (Decimal(1), Decimal(1), None),
        (None, None, None),
    ],
)
def test_volume_is_unknown_when_a_dimension_is_missing(dimensions):
    assert volume_from_dimensions(*dimensions) is None


dimension = st.decimals(min_value=0, max_value=99_999, places=1, allow_nan=False)


@given(dimension, dimension, dimension)
def test_volume_is_the_rounded_product_in_cubic_metres(length, width, height):
    volume = volume_from_dimensions(length, width, height)

    assert volume is not None
    assert volume.as_tuple().exponent == -6
    assert abs(volume - length * width * height / Decimal(10**9)) <= Decimal("0.0000005")
    assert volume_from_dimensions(width, height, length) == volume


@pytest.mark.django_db
def test_saving_a_product_without_volume_computes_it():
    product = f.ProductFactory(length_mm=Decimal(200), width_mm=Decimal(100), height_mm=Decimal(50))

    product.refresh_from_db()
    assert product.volume_m3 == Decimal("0.001")


@pytest.mark.django_db
def test_a_given_volume_is_kept():
    product = f.ProductFactory(volume_m3=Decimal("0.5"))

    product.refresh_from_db()
    assert product.volume_m3 == Decimal("0.5")


@pytest.mark.django_db
def test_minimum_quantity_cannot_be_below_one_pack():
    product = f.ProductFactory.build(pack_multiple=Decimal(10), min_quantity=Decimal(5))

    with pytest.raises(ValidationError) as error:
        product.clean()

    assert "min_quantity" in error.value.message_dict


@pytest.mark.django_db
def test_barcode_is_stored_without_the_spaces_a_person_types():
    barcode = f.BarcodeFactory(code=" 4006381 333931 ")

    assert Barcode.objects.get(pk=barcode.pk).code == "4006381333931"


@pytest.mark.django_db
def test_barcode_with_a_wrong_check_digit_fails_validation():
    barcode = f.BarcodeFactory.build(code="4006381333932", product=f.ProductFactory())

    with pytest.raises(ValidationError) as error:
        barcode.full_clean()

    assert "4006381333932" in error.value.message_dict["code"][0]
