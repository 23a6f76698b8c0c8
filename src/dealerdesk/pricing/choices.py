"""Enumerations of the pricing domain."""

from django.db import models


class VatRegime(models.TextChoices):
    STANDARD = "standard", "Standard (the product's VAT rate)"
    ZERO = "zero", "Zero-rated (export, intra-community supply)"


class PromotionKind(models.TextChoices):
    PERCENT_OFF = "percent_off", "Percentage off"
    FIXED_PRICE = "fixed_price", "Fixed price"
