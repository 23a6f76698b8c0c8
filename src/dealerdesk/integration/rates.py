"""Request rates written as django-ratelimit reads them: ``1200/m``, ``50/s``, ``100000/h``."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

RATE = re.compile(r"^[1-9][0-9]{0,8}/[smhd]$")


def validate_rate(value: str) -> None:
    if not RATE.match(value or ""):
        raise ValidationError(
            "Write a rate as a number of requests per s, m, h or d, for example 1200/m.",
            code="invalid_rate",
        )
