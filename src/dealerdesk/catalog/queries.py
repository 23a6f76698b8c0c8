"""Reads of the closed catalog, shaped for pages and the API, in a bounded number of queries.

A :class:`CatalogScope` says what one audience may see: for a dealer the categories (with
their subtrees) and single products assigned to the company or its customer group; for a
visitor the categories marked for the public teaser. Every read below goes through a scope,
so nothing outside it can appear in a list, a search, a facet or a product page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Prefetch, Q, QuerySet

from dealerdesk.accounts.models import Company
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

SORTS = {"name": ("name", "sku"), "-name": ("-name", "sku"), "sku": ("sku",), "-sku": ("-sku",)}
DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 96
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class CatalogScope:
    """What one audience may see: category subtrees (by path) and single products.

    ``hidden_paths`` are the subtrees of switched-off categories: nothing below them is
    shown, whatever was assigned.
    """

    category_paths: tuple[str, ...]
    product_ids: tuple[int, ...] = ()
    hidden_paths: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.category_paths and not self.product_ids

    def products(self) -> QuerySet[Product]:
        """Active products in scope; an empty scope sees nothing."""
        if self.is_empty:
            return Product.objects.none()
        conditions = [Q(category__path__startswith=path) for path in self.category_paths]
        if self.product_ids:
            conditions.append(Q(pk__in=self.product_ids))
        products = Product.objects.filter(reduce(or_, conditions), is_active=True)
        if self.hidden_paths:
            products = products.exclude(
                reduce(or_, [Q(category__path__startswith=path) for path in self.hidden_paths])
            )
        return products

    def hides(self, path: str) -> bool:
        return path.startswith(self.hidden_paths) if self.hidden_paths else False


def _hidden_paths() -> tuple[str, ...]:
    """Subtrees of switched-off categories (one query; there are few)."""
    paths = Category.objects.filter(is_active=False).values_list("path", flat=True)
    return _outermost(set(paths))


def _scope(paths: set[str], product_ids: set[int]) -> CatalogScope:
    hidden = _hidden_paths()
    visible_paths = {path for path in paths if not (hidden and path.startswith(hidden))}
    return CatalogScope(_outermost(visible_paths), tuple(sorted(product_ids)), hidden)


def scope_for_company(company: Company) -> CatalogScope:
    """The closed catalog of a dealer: assignments to it and to its customer group."""
    audience = Q(company=company)
    if company.customer_group_id:
        audience |= Q(customer_group_id=company.customer_group_id)
    rows = CatalogAssignment.objects.filter(audience).values_list("category__path", "product_id")
    paths: set[str] = set()
    product_ids: set[int] = set()
    for path, product_id in rows:
        if path:
            paths.add(path)
        elif product_id:
            product_ids.add(product_id)
    return _scope(paths, product_ids)


def public_scope() -> CatalogScope:
    """The teaser catalog that visitors see without signing in (no prices, no stock)."""
    paths = Category.objects.filter(in_public_teaser=True).values_list("path", flat=True)
    return _scope(set(paths), set())


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
    """Categories a scope reaches, with their ancestors so the tree reads from the root."""
    if scope.is_empty:
        return {}
    ancestor_ids: set[int] = set()
    for path in scope.category_paths:
        ancestor_ids.update(_ids_in(path))
    if scope.product_ids:
        for path in Category.objects.filter(
            products__pk__in=scope.product_ids, products__is_active=True
        ).values_list("path", flat=True):
            ancestor_ids.update(_ids_in(path))
    condition = reduce(
        or_,
        [Q(path__startswith=path) for path in scope.category_paths] + [Q(pk__in=ancestor_ids)],
    )
    return {
        category.pk: category
        for category in Category.objects.filter(condition, is_active=True).order_by(
            "depth", "sort_order", "name"
        )
        if not scope.hides(category.path)
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

    def normalised(self) -> CatalogFilters:
        return CatalogFilters(
            q=" ".join("".join(ch for ch in self.q if ch.isprintable()).split())[:MAX_QUERY_LENGTH],
            category_id=self.category_id,
            brand_id=self.brand_id,
            sort=self.sort if self.sort in SORTS else "name",
            page=max(1, self.page),
            per_page=min(max(1, self.per_page), MAX_PER_PAGE),
        )


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
    exact_match: Product | None = None

    @property
    def has_previous(self) -> bool:
        return self.filters.page > 1

    @property
    def has_next(self) -> bool:
        return self.filters.page < self.num_pages


class CategoryNotVisible(LookupError):
    """The requested category is outside the audience's catalog (answer it as not found)."""


def find_by_code(scope: CatalogScope, code: str) -> Product | None:
    """A product whose barcode or SKU is exactly ``code``, if it is in scope."""
    text = code.strip()
    if not text or scope.is_empty:
        return None
    products = scope.products()
    if looks_like_gtin(text):
        match = products.filter(barcodes__code=normalize_gtin(text)).first()
        if match is not None:
            return match
    return products.filter(sku__iexact=text).first()


def _search(products: QuerySet[Product], q: str) -> QuerySet[Product]:
    if not q:
        return products
    words = q.split()
    by_name = reduce(lambda acc, word: acc & Q(name__icontains=word), words, Q())
    by_code = Q(sku__istartswith=q) | Q(
        pk__in=Barcode.objects.filter(code=normalize_gtin(q)).values("product_id")
    )
    return products.filter(by_name | by_code)


def catalog_page(scope: CatalogScope, filters: CatalogFilters) -> CatalogPage:
    """Everything a catalog list page shows, in a constant number of queries.

    Raises CategoryNotVisible when the filter names a category outside the scope.
    """
    filters = filters.normalised()
    categories = visible_categories(scope)
    category = None
    if filters.category_id is not None:
        category = categories.get(filters.category_id)
        if category is None:
            raise CategoryNotVisible(filters.category_id)
    exact = find_by_code(scope, filters.q) if filters.q else None

    products = scope.products()
    if category is not None:
        products = products.filter(category__path__startswith=category.path)
    products = _search(products, filters.q)

    brand_rows = (
        products.exclude(brand__isnull=True)
        .values("brand_id", "brand__name")
        .annotate(count=Count("pk"))
        .order_by("brand__name")
    )
    brands = [
        BrandFacet(
            row["brand_id"], row["brand__name"], row["count"], row["brand_id"] == filters.brand_id
        )
        for row in brand_rows
    ]
    if filters.brand_id is not None:
        products = products.filter(brand_id=filters.brand_id)

    total = products.count()
    num_pages = max(1, math.ceil(total / filters.per_page))
    page = min(filters.page, num_pages)
    if page != filters.page:
        filters = CatalogFilters(**{**filters.__dict__, "page": page})
    start = (page - 1) * filters.per_page
    rows = list(
        products.select_related("brand", "category")
        .prefetch_related(_images_prefetch(), "barcodes")
        .order_by(*SORTS[filters.sort])[start : start + filters.per_page]
    )
    return CatalogPage(
        filters=filters,
        products=rows,
        total=total,
        num_pages=num_pages,
        tree=category_tree(categories, category),
        brands=brands,
        category=category,
        exact_match=exact,
    )


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


def brands_in_scope(scope: CatalogScope) -> QuerySet[Brand]:
    return Brand.objects.filter(products__in=scope.products()).distinct()
