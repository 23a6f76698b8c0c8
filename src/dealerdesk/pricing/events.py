"""What follows a change to pricing's structure.

Prices themselves are never cached: every page reads the rows of the products it shows
(by index), so a price change touches one row and the next page shows it, with nothing to
recompute or invalidate. What is cached, per :data:`PRICING` generation, is the small
structure every page needs: base price types, each company's current contracts, the price
lists of each audience (not their items) and the running promotions. Saving or deleting
one of those starts a new generation.
"""

from __future__ import annotations

from dealerdesk.core.cache import Generation

PRICING = Generation("pricing")


def connect() -> None:
    from dealerdesk.pricing.models import Contract, PriceList, PriceType, Promotion

    PRICING.follow(PriceType, Contract, PriceList, Promotion)
