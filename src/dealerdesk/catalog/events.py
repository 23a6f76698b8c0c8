"""What follows a change to the catalog's structure.

Scopes (what each dealer may see), category trees, counts and facets are cached per
:data:`CATALOG` generation. Saving or deleting a category, an assignment, a product, a
brand or a barcode starts a new generation at once and when its transaction commits. Code
that writes these tables in bulk (``bulk_create``, ``update``), such as a data load, must
call ``CATALOG.invalidate()`` itself.
"""

from __future__ import annotations

from dealerdesk.core.cache import Generation

CATALOG = Generation("catalog")


def connect() -> None:
    from dealerdesk.catalog.models import Barcode, Brand, CatalogAssignment, Category, Product

    # Barcodes: a search by barcode is counted and cached like any other search.
    CATALOG.follow(Category, CatalogAssignment, Product, Brand, Barcode)
