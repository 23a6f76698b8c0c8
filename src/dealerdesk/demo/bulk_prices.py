"""Load many negotiated prices on top of the demo data: a load test of the pricing reads.

A supplier with 10,000 dealers that negotiates with most of them ends up with a customer
price table in the millions. ``add_customer_prices`` spreads ``count`` prices evenly over
the dealers that have a customer group, each on products of its group's catalog, a few
percent below the wholesale price. Deterministic for a seed; refuses to run twice.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import CatalogAssignment, Category, Product
from dealerdesk.demo.rows import db_datetime, insert_rows
from dealerdesk.demo.seed import analyze
from dealerdesk.pricing.models import CustomerPrice, Price, PriceType

EXTERNAL_PREFIX = "BULK-CPR-"
CENT = Decimal("0.01")


class AlreadyLoaded(Exception):
    """Bulk customer prices are already in the database."""


def add_customer_prices(count: int, seed: int = 1) -> int:
    """Insert ``count`` customer prices (one transaction); the number written."""
    if count <= 0:
        return 0
    with transaction.atomic():
        if CustomerPrice.objects.filter(external_id__startswith=EXTERNAL_PREFIX).exists():
            raise AlreadyLoaded("bulk customer prices are already loaded")
        base = PriceType.objects.filter(is_base=True, currency="EUR").first()
        if base is None:
            raise LookupError("no base EUR price type: load the demo data first")
        wholesale = dict(
            Price.objects.filter(price_type=base, valid_from__isnull=True).values_list(
                "product_id", "amount"
            )
        )
        by_group = _group_products(set(wholesale))
        companies = list(
            Company.objects.filter(customer_group__isnull=False, is_blocked=False)
            .order_by("pk")
            .values_list("pk", "customer_group_id")
        )
        companies = [(pk, group) for pk, group in companies if by_group.get(group)]
        if not companies:
            return 0
        taken = set(
            CustomerPrice.objects.filter(contract__isnull=True).values_list(
                "company_id", "product_id"
            )
        )
        fields = (
            "company", "product", "contract", "currency", "amount", "valid_from", "valid_to",
            "external_id", "erp_version", "erp_changed_at", "created_at", "updated_at",
        )  # fmt: skip
        written = insert_rows(
            CustomerPrice,
            fields,
            _rows(count, seed, companies, by_group, wholesale, taken),
        )
    analyze()
    return written


def _group_products(priced: set[int]) -> dict[int, list[int]]:
    """Priced active products each customer group's catalog holds, in id order."""
    paths: dict[int, list[str]] = defaultdict(list)
    for group_id, path in CatalogAssignment.objects.filter(
        customer_group__isnull=False, category__isnull=False
    ).values_list("customer_group_id", "category__path"):
        paths[group_id].append(path)
    categories = list(Category.objects.values_list("pk", "path"))
    by_category: dict[int, list[int]] = defaultdict(list)
    for pk, category_id in Product.objects.filter(is_active=True).values_list("pk", "category_id"):
        if pk in priced:
            by_category[category_id].append(pk)
    products: dict[int, list[int]] = {}
    for group_id, prefixes in paths.items():
        wanted = tuple(prefixes)
        products[group_id] = sorted(
            pk
            for category_id, path in categories
            if path.startswith(wanted)
            for pk in by_category.get(category_id, ())
        )
    return products


def _rows(
    count: int,
    seed: int,
    companies: list[tuple[int, int]],
    by_group: dict[int, list[int]],
    wholesale: dict[int, Decimal],
    taken: set[tuple[int, int]],
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(f"{seed}:bulk-customer-prices")
    now = db_datetime(datetime.now(UTC))
    changed = db_datetime(datetime(2026, 10, 1, 6, 0, tzinfo=UTC))
    share, extra = divmod(count, len(companies))
    number = 0
    for position, (company_id, group_id) in enumerate(companies):
        candidates = by_group[group_id]
        wanted = min(share + (1 if position < extra else 0), len(candidates))
        for product_id in rng.sample(candidates, wanted):
            if (company_id, product_id) in taken:
                continue
            number += 1
            factor = Decimal(str(round(rng.uniform(0.85, 0.97), 4)))
            amount = (wholesale[product_id] * factor).quantize(CENT, rounding=ROUND_HALF_UP)
            yield (
                company_id, product_id, None, "EUR", max(amount, CENT), None, None,
                f"{EXTERNAL_PREFIX}{number:08d}", number, changed, now, now,
            )  # fmt: skip
