"""Reads of the closed catalog, shaped for pages and the API, in a bounded number of queries.

A :class:`CatalogScope` says what one audience may see: for a dealer the categories (with
their subtrees) and single products assigned to the company or its customer group; for a
visitor the categories marked for the public teaser. Every read below goes through a scope,
so nothing outside it can appear in a list, a search, a facet or a product page.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import reduce
from typing import Protocol
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.events import CATALOG
from dealerdesk.catalog.models import (
    Barcode,
    Brand,
    CatalogAssignment,
    Category,
    Product,
    ProductAttributeValue,
    ProductImage,
)
from dealerdesk.core.barcodes import looks_like_gtin, normalize_gtin
from dealerdesk.core.text import printable

SORTS = {"name": ("name", "sku"), "-name": ("-name", "sku"), "sku": ("sku",), "-sku": ("-sku",)}
# Sorts by the dealer's own price: the catalog cannot compute them, a ListRefinement does.
PRICE_SORTS = ("price", "-price")
DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 96
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class CatalogScope:
    """What one audience may see.

    ``category_ids`` are the categories whose products are all visible (the assigned subtrees
    less switched-off ones), ``product_ids`` the single products opened on their own, and
    ``hidden_category_ids`` the switched-off subtrees that hide even those. Filtering products
    by ``category_id IN (…)`` uses the foreign-key index and needs no join.
    """

    category_ids: frozenset[int]
    product_ids: tuple[int, ...] = ()
    hidden_category_ids: frozenset[int] = frozenset()
    paths: Mapping[int, str] = field(default_factory=dict, compare=False, repr=False)
    # Equal for equal scopes (dealers of one group with nothing of their own share it):
    # the key of what is cached per scope.
    key: str = field(default="", compare=False)

    @classmethod
    def from_paths(
        cls, assigned_paths: Iterable[str], product_ids: Iterable[int] = ()
    ) -> CatalogScope:
        """Resolve assigned subtrees against the category table (one query)."""
        assigned = _outermost(set(assigned_paths))
        rows = [(c.pk, c.path, c.is_active) for c in all_categories()]
        hidden_paths = _outermost({path for _pk, path, active in rows if not active})
        paths = {pk: path for pk, path, _active in rows}
        hidden = frozenset(pk for pk, path in paths.items() if _under(path, hidden_paths))
        visible = frozenset(
            pk for pk, path in paths.items() if pk not in hidden and _under(path, assigned)
        )
        singles = tuple(sorted(set(product_ids)))
        fingerprint = repr((sorted(visible), singles, sorted(hidden))).encode()
        key = hashlib.blake2b(fingerprint, digest_size=12).hexdigest()
        return cls(visible, singles, hidden, paths, key)

    @property
    def is_empty(self) -> bool:
        return not self.category_ids and not self.product_ids

    def products(self, within: Category | None = None) -> QuerySet[Product]:
        """Active products in scope, or in scope and in ``within``'s subtree; an empty scope
        sees nothing.

        The subtree narrows the one list of category ids rather than adding a second
        condition: with two ``IN`` lists PostgreSQL misjudges how many rows match and
        walks the whole name index for a small category (20 ms instead of 1).
        """
        if self.is_empty:
            return Product.objects.none()
        subtree = None if within is None else set(self.subtree_ids(within.path))
        categories = self.category_ids if subtree is None else self.category_ids & subtree
        condition = Q(category_id__in=categories) if categories else Q(pk__in=[])
        if self.product_ids:
            single = Q(pk__in=self.product_ids)
            if subtree is not None:
                single &= Q(category_id__in=subtree)
            if self.hidden_category_ids:
                single &= ~Q(category_id__in=self.hidden_category_ids)
            condition |= single
        return Product.objects.filter(condition, is_active=True)

    def product(self, product_id: int | None) -> Product | None:
        """The active product ``product_id`` if it is in scope; None for any other id."""
        return None if product_id is None else self.products().filter(pk=product_id).first()

    def retired(self, product_ids: Iterable[int]) -> set[int]:
        """Of ``product_ids``, the retired products the scope would show if they were still
        sold (so "no longer sold" is said only of products the dealer could see)."""
        ids = set(product_ids)
        if not ids:
            return set()
        return {
            pk
            for pk, category_id in Product.objects.filter(pk__in=ids, is_active=False).values_list(
                "pk", "category_id"
            )
            if category_id in self.category_ids
            or (pk in self.product_ids and category_id not in self.hidden_category_ids)
        }

    def subtree_ids(self, path: str) -> list[int]:
        """Every category at or below ``path``."""
        return [pk for pk, other in self.paths.items() if other.startswith(path)]


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return bool(prefixes) and path.startswith(prefixes)


def all_categories() -> list[Category]:
    """Every category, in tree order (by depth, then as sorted), read once for all dealers
    until the catalog changes: a few hundred rows that every scope and tree is cut from."""
    return CATALOG.get_or_set(
        ("categories",), lambda: list(Category.objects.order_by("depth", "sort_order", "name"))
    )


def category_paths() -> dict[int, str]:
    """Every category's materialised path by id (cached until the catalog changes; a small
    dict, cheaper to read on every page than the category objects)."""
    return CATALOG.get_or_set(
        ("paths",), lambda: {category.pk: category.path for category in all_categories()}
    )


def scope_for_company(company: Company, *, cached: bool = True) -> CatalogScope:
    """The closed catalog of a dealer: assignments to it and to its customer group
    (cached until the catalog's structure changes; ``cached=False`` reads the database,
    as placing an order does)."""
    if not cached:
        return _company_scope(company)
    return CATALOG.get_or_set(
        ("scope", company.pk, company.customer_group_id or 0), lambda: _company_scope(company)
    )


def _company_scope(company: Company) -> CatalogScope:
    audience = Q(company=company)
    if company.customer_group_id:
        audience |= Q(customer_group_id=company.customer_group_id)
    rows = CatalogAssignment.objects.filter(audience).values_list("category__path", "product_id")
    paths = {path for path, _product in rows if path}
    product_ids = {product for path, product in rows if not path and product}
    return CatalogScope.from_paths(paths, product_ids)


def public_scope() -> CatalogScope:
    """The teaser catalog that visitors see without signing in (no prices, no stock)."""

    def compute() -> CatalogScope:
        paths = Category.objects.filter(in_public_teaser=True).values_list("path", flat=True)
        return CatalogScope.from_paths(paths)

    return CATALOG.get_or_set(("scope", "public"), compute)


def _outermost(paths: set[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another path of the set: the subtree already covers them."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return tuple(sorted(kept))


# --- the category tree an audience sees ---------------------------------------------------


@dataclass
class CategoryNode:
    category: Category
    children: list[CategoryNode] = field(default_factory=list)
    selected: bool = False
    open: bool = False

    @property
    def id(self) -> int:
        return self.category.pk

    @property
    def name(self) -> str:
        return self.category.name


def visible_categories(scope: CatalogScope) -> dict[int, Category]:
    """Categories a scope reaches, with their ancestors so the tree reads from the root
    (cached per scope until the catalog's structure changes)."""
    if scope.is_empty:
        return {}
    if not scope.key:
        return _visible_categories(scope)
    return CATALOG.get_or_set(("tree", scope.key), lambda: _visible_categories(scope))


def _visible_categories(scope: CatalogScope) -> dict[int, Category]:
    reached = set(scope.category_ids)
    if scope.product_ids:
        reached.update(
            scope.products()
            .filter(pk__in=scope.product_ids)
            .values_list("category_id", flat=True)
            .distinct()
        )
    wanted = set(reached)
    for pk in reached:
        wanted.update(_ids_in(scope.paths.get(pk, "")))
    return {
        category.pk: category
        for category in all_categories()
        if category.pk in wanted
        and category.is_active
        and category.pk not in scope.hidden_category_ids
    }


def _ids_in(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def category_tree(
    categories: dict[int, Category], selected: Category | None = None
) -> list[CategoryNode]:
    """Nest categories (already ordered by depth) into a tree; mark the selected branch."""
    nodes = {pk: CategoryNode(category) for pk, category in categories.items()}
    roots: list[CategoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.category.parent_id) if node.category.parent_id else None
        (parent.children if parent else roots).append(node)
    if selected is not None:
        for pk in _ids_in(selected.path):
            if pk in nodes:
                nodes[pk].open = True
        if selected.pk in nodes:
            nodes[selected.pk].selected = True
    return roots


# --- the list page ------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogFilters:
    q: str = ""
    category_id: int | None = None
    brand_id: int | None = None
    sort: str = "name"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    in_stock: bool = False

    def normalised(self) -> CatalogFilters:
        return replace(
            self,
            q=clean_query(self.q),
            sort=self.sort if self.sort in SORTS or self.sort in PRICE_SORTS else "name",
            page=max(1, self.page),
            per_page=min(max(1, self.per_page), MAX_PER_PAGE),
        )

    def query(self, **changes: object) -> str:
        """The query string of these filters with ``changes`` (None drops a key), defaults
        left out; pager, facet and sort links are built from it."""
        values: dict[str, object] = {
            "q": self.q,
            "category": self.category_id,
            "brand": self.brand_id,
            "in_stock": "1" if self.in_stock else None,
            "sort": self.sort if self.sort != "name" else None,
            "per_page": self.per_page if self.per_page != DEFAULT_PER_PAGE else None,
            "page": self.page if self.page != 1 else None,
        }
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value not in (None, "")})


@dataclass(frozen=True)
class ListRefinement:
    """What a list needs from domains above the catalog: the "in stock only" filter and the
    order by the dealer's own price. Either may be absent (the public teaser has neither)."""

    in_stock: Callable[[QuerySet[Product]], QuerySet[Product]] | None = None
    by_price: Callable[[QuerySet[Product], bool], QuerySet[Product]] | None = None


@dataclass
class BrandFacet:
    id: int
    name: str
    count: int
    selected: bool


@dataclass
class CatalogPage:
    filters: CatalogFilters
    products: list[Product]
    total: int
    num_pages: int
    tree: list[CategoryNode]
    brands: list[BrandFacet]
    category: Category | None
    can_filter_in_stock: bool = False
    can_sort_by_price: bool = False

    @property
    def has_previous(self) -> bool:
        return self.filters.page > 1

    @property
    def has_next(self) -> bool:
        return self.filters.page < self.num_pages


class CategoryNotVisible(LookupError):
    """The requested category is outside the audience's catalog (answer it as not found)."""


def find_by_code(scope: CatalogScope, code: str) -> Product | None:
    """A product whose barcode or SKU is exactly ``code``, if it is in scope. Characters
    nobody can type (a NUL byte, control characters) are dropped first: PostgreSQL refuses
    NUL in text, and no code contains one."""
    text = printable(code).strip()
    if not text or scope.is_empty:
        return None
    products = scope.products()
    if looks_like_gtin(text):
        match = products.filter(barcodes__code=normalize_gtin(text)).first()
        if match is not None:
            return match
    return products.filter(sku__iexact=text).first()


def clean_query(q: str) -> str:
    """A search as it is run: printable characters only (PostgreSQL refuses a NUL), spaces
    collapsed, at most ``MAX_QUERY_LENGTH`` characters."""
    return " ".join(printable(q).split())[:MAX_QUERY_LENGTH]


def search_products(scope: CatalogScope, q: str) -> QuerySet[Product]:
    """The scope's products the catalog search finds for ``q``: an SKU starting with it, a
    barcode equal to it, or a name holding every word of it (case-insensitive); none for a
    search that is empty once cleaned (``clean_query``). Unordered."""
    text = clean_query(q)
    if not text:
        return Product.objects.none()
    return _search(scope.products(), text)


def _search(products: QuerySet[Product], q: str) -> QuerySet[Product]:
    if not q:
        return products
    words = q.split()
    by_name = reduce(lambda acc, word: acc & Q(name__icontains=word), words, Q())
    by_code = Q(sku__istartswith=q)
    if looks_like_gtin(q):
        # Resolved first so that each branch of the OR can use its own index.
        product_ids = list(
            Barcode.objects.filter(code=normalize_gtin(q)).values_list("product_id", flat=True)
        )
        if product_ids:
            by_code |= Q(pk__in=product_ids)
    return products.filter(by_name | by_code)


def catalog_page(
    scope: CatalogScope,
    filters: CatalogFilters,
    refinement: ListRefinement | None = None,
    *,
    with_barcodes: bool = True,
) -> CatalogPage:
    """Everything a catalog list page shows, in a constant number of queries (the products'
    barcodes only ``with_barcodes``).

    Filters the refinement cannot serve are dropped (no stock filter, name order instead of
    price). Raises CategoryNotVisible when the filter names a category outside the scope.
    """
    refinement = refinement or ListRefinement()
    filters = filters.normalised()
    if filters.in_stock and refinement.in_stock is None:
        filters = replace(filters, in_stock=False)
    if filters.sort in PRICE_SORTS and refinement.by_price is None:
        filters = replace(filters, sort="name")
    categories = visible_categories(scope)
    category = None
    if filters.category_id is not None:
        category = categories.get(filters.category_id)
        if category is None:
            raise CategoryNotVisible(filters.category_id)

    products = scope.products(within=category)
    products = _search(products, filters.q)
    if filters.in_stock and refinement.in_stock is not None:
        products = refinement.in_stock(products)

    def counted() -> tuple[list[tuple[int, str, int]], int]:
        if not filters.q and not filters.in_stock and not scope.product_ids:
            # Whole categories only: add up the per-category counts every dealer shares.
            within = (
                scope.category_ids & set(scope.subtree_ids(category.path))
                if category is not None
                else scope.category_ids
            )
            return _counts_of_categories(within, filters.brand_id)
        return _brand_counts(products), _total(products, filters.brand_id)

    if filters.in_stock or not scope.key:
        # Stock moves all day: a filtered count is not worth caching.
        brand_rows, total = counted()
    else:
        # The same for every dealer with this scope, until the catalog changes.
        brand_rows, total = CATALOG.get_or_set(
            ("counts", scope.key, category.pk if category else 0, filters.brand_id or 0, filters.q),
            counted,
        )
    brands = [
        BrandFacet(brand_id, name, count, brand_id == filters.brand_id)
        for brand_id, name, count in brand_rows
    ]
    if filters.brand_id is not None:
        products = products.filter(brand_id=filters.brand_id)

    num_pages = max(1, math.ceil(total / filters.per_page))
    page = min(filters.page, num_pages)
    if page != filters.page:
        filters = replace(filters, page=page)
    start = (page - 1) * filters.per_page
    if filters.sort in PRICE_SORTS and refinement.by_price is not None:
        ordered = refinement.by_price(products, filters.sort.startswith("-"))
    else:
        ordered = _in_order(products, filters.sort, total)
    # Only the brand is joined: joining the category too makes SQLite sort the whole scope
    # instead of walking the name index (12 ms against 1.5 ms for 30,000 products).
    listed = ordered.select_related("brand").defer("description")
    listed = listed.prefetch_related(_images_prefetch())
    if with_barcodes:
        listed = listed.prefetch_related("barcodes")
    rows = list(listed[start : start + filters.per_page])
    return CatalogPage(
        filters=filters,
        products=rows,
        total=total,
        num_pages=num_pages,
        tree=category_tree(categories, category),
        brands=brands,
        category=category,
        can_filter_in_stock=refinement.in_stock is not None,
        can_sort_by_price=refinement.by_price is not None,
    )


# Up to this many matching products a page is sorted from the matching rows (found through
# the listing index); above it, by walking the name or SKU index until a page is full.
SORT_MATCHES_LIMIT = 5000


def _in_order(products: QuerySet[Product], sort: str, total: int) -> QuerySet[Product]:
    """``products`` in ``sort`` order, the way that is fast for ``total`` matches.

    For a category (say 945 fasteners of 50,000 products, all named late in the alphabet)
    PostgreSQL would walk the name index and skip 20,000 rows before it has 48 (9 ms);
    sorting the 945 takes 1 ms. ``COALESCE(name, '')`` orders the same (names are never
    NULL) but no index can serve it, which leads the planner to the matching rows first.
    """
    fields = SORTS[sort]
    if total > SORT_MATCHES_LIMIT:
        return products.order_by(*fields)
    return products.order_by(
        *(
            Coalesce(F(field.lstrip("-")), Value("")).desc()
            if field.startswith("-")
            else Coalesce(F(field), Value("")).asc()
            for field in fields
        )
    )


def _category_brand_counts() -> dict[int, dict[int | None, int]]:
    """Active products per category and brand, for the whole catalog (one grouped query,
    shared by every dealer until the catalog changes)."""

    def read() -> dict[int, dict[int | None, int]]:
        counts: dict[int, dict[int | None, int]] = {}
        for category_id, brand_id, count in (
            Product.objects.filter(is_active=True)
            .order_by()
            .values_list("category_id", "brand_id")
            .annotate(count=Count("pk"))
            .values_list("category_id", "brand_id", "count")
        ):
            counts.setdefault(category_id, {})[brand_id] = count
        return counts

    return CATALOG.get_or_set(("category-brand-counts",), read)


def _brand_names() -> dict[int, str]:
    return CATALOG.get_or_set(
        ("brand-names",), lambda: dict(Brand.objects.values_list("pk", "name"))
    )


def _counts_of_categories(
    category_ids: Iterable[int], brand_id: int | None
) -> tuple[list[tuple[int, str, int]], int]:
    """The brand facet and the total of whole categories, added up from the shared
    per-category counts: no query once those are cached."""
    per_category = _category_brand_counts()
    by_brand: dict[int | None, int] = {}
    for category_id in category_ids:
        for brand, count in per_category.get(category_id, {}).items():
            by_brand[brand] = by_brand.get(brand, 0) + count
    names = _brand_names()
    facet = sorted(
        (
            (pk, names[pk], count)
            for pk, count in by_brand.items()
            if pk is not None and pk in names
        ),
        key=lambda row: (row[1].casefold(), row[0]),
    )
    total = by_brand.get(brand_id, 0) if brand_id is not None else sum(by_brand.values())
    return facet, total


def _brand_counts(products: QuerySet[Product]) -> list[tuple[int, str, int]]:
    """(brand id, name, products) of the brands among ``products``, by name. Grouped without
    joining the brand, so the count reads the listing index only; names come after."""
    counts = dict(
        products.exclude(brand__isnull=True)
        .order_by()
        .values_list("brand_id")
        .annotate(count=Count("pk"))
        .values_list("brand_id", "count")
    )
    names = dict(Brand.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    return sorted(
        ((pk, names[pk], count) for pk, count in counts.items() if pk in names),
        key=lambda row: (row[1].casefold(), row[0]),
    )


def _total(products: QuerySet[Product], brand_id: int | None) -> int:
    if brand_id is not None:
        products = products.filter(brand_id=brand_id)
    return products.count()


def _images_prefetch() -> Prefetch[str]:
    return Prefetch("images", queryset=ProductImage.objects.order_by("sort_order", "id"))


# --- one product --------------------------------------------------------------------------


@dataclass
class ProductDetail:
    product: Product
    breadcrumbs: list[Category]
    barcodes: list[Barcode]
    images: list[ProductImage]
    attributes: list[ProductAttributeValue]


def product_detail(scope: CatalogScope, product_id: int) -> ProductDetail | None:
    """A product page's data, or None when the product is outside the scope (→ 404)."""
    product = (
        scope.products()
        .filter(pk=product_id)
        .select_related("brand", "category")
        .prefetch_related(
            _images_prefetch(),
            "barcodes",
            Prefetch(
                "attribute_values",
                queryset=ProductAttributeValue.objects.select_related("attribute"),
            ),
        )
        .first()
    )
    if product is None:
        return None
    ancestors = {
        category.pk: category
        for category in Category.objects.filter(pk__in=product.category.ancestor_ids)
    }
    breadcrumbs = [ancestors[pk] for pk in product.category.ancestor_ids if pk in ancestors]
    breadcrumbs.append(product.category)
    return ProductDetail(
        product=product,
        breadcrumbs=breadcrumbs,
        barcodes=list(product.barcodes.all()),
        images=list(product.images.all()),
        attributes=list(product.attribute_values.all()),
    )


class NamesProduct(Protocol):
    """A row that names a product by its ERP id or, failing that, its SKU."""

    @property
    def product(self) -> str | None: ...
    @property
    def sku(self) -> str | None: ...


def products_named(rows: Iterable[NamesProduct]) -> dict[tuple[str, str], int]:
    """The ids of the products ``rows`` name, keyed ("product", ERP id) and ("sku", SKU) (a
    SKU only where the row gives no ERP id), in one query; a name nothing answers to is
    absent."""
    rows = list(rows)
    external_ids = {row.product for row in rows if row.product}
    skus = {row.sku for row in rows if row.sku and not row.product}
    if not external_ids and not skus:
        return {}
    matches: Iterable[tuple[int, str | None, str]]
    if connection.vendor == "postgresql":
        # Two array parameters, not an IN list of thousands of placeholders: the driver
        # spends longer splitting such a query than the database takes to answer it.
        table = connection.ops.quote_name(Product._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, external_id, sku FROM {table} "  # noqa: S608 - names only
                "WHERE external_id = ANY(%s::text[]) OR sku = ANY(%s::text[])",
                [list(external_ids), list(skus)],
            )
            matches = cursor.fetchall()
    else:
        matches = Product.objects.filter(
            Q(external_id__in=external_ids) | Q(sku__in=skus)
        ).values_list("pk", "external_id", "sku")
    found: dict[tuple[str, str], int] = {}
    for pk, external_id, sku in matches:
        if external_id in external_ids:
            found["product", external_id] = pk
        if sku in skus:
            found["sku", sku] = pk
    return found
