"""Units of measure the catalog knows (UN/CEFACT rec. 20 codes, as ERPs exchange them)."""

from django.db import models


class Unit(models.TextChoices):
    PIECE = "H87", "pcs"
    PACK = "PK", "pack"
    SET = "SET", "set"
    METRE = "MTR", "m"
    SQUARE_METRE = "MTK", "m²"
    CUBIC_METRE = "MTQ", "m³"
    KILOGRAM = "KGM", "kg"
    TONNE = "TNE", "t"
    LITRE = "LTR", "l"
    ROLL = "RO", "roll"
    BAG = "BG", "bag"
    PALLET = "PF", "pallet"
