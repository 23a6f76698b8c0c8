"""The dealer's closed catalog over HTTP: the same queries the portal pages use."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from dealerdesk.api.v1.auth import membership
from dealerdesk.api.v1.schemas import (
    AttributeOut,
    BrandOut,
    CategoryOut,
    ErrorOut,
    ProductOut,
    ProductPage,
    ProductSummary,
)
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import (
    MAX_PER_PAGE,
    SORTS,
    CatalogFilters,
    CategoryNode,
    CategoryNotVisible,
    catalog_page,
    category_tree,
    find_by_code,
    product_detail,
    scope_for_company,
    visible_categories,
)

router = Router(tags=["catalog"])


class ProductQuery(Schema):
    q: str = Field("", max_length=100, description="Name words, SKU prefix or a barcode")
    category: int | None = Field(None, ge=1, lt=2**62)
    brand: int | None = Field(None, ge=1, lt=2**62)
    sort: str = Field("name", pattern="^(" + "|".join(k.replace("-", "\\-") for k in SORTS) + ")$")
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(24, ge=1, le=MAX_PER_PAGE)


def _summary(request: HttpRequest, product: Product) -> ProductSummary:
    images = list(product.images.all())
    return ProductSummary(
        id=product.pk,
        sku=product.sku,
        name=product.name,
        brand=product.brand.name if product.brand else None,
        category_id=product.category_id,
        unit=product.get_unit_display(),
        pack_multiple=product.pack_multiple,
        min_quantity=product.min_quantity,
        barcodes=[barcode.code for barcode in product.barcodes.all()],
        image_url=request.build_absolute_uri(images[0].image.url) if images else None,
    )


@router.get("/products", response=ProductPage, summary="List and search your catalog")
def list_products(request: HttpRequest, filters: Query[ProductQuery]) -> ProductPage:
    scope = scope_for_company(membership(request).company)
    try:
        page = catalog_page(
            scope,
            CatalogFilters(
                q=filters.q,
                category_id=filters.category,
                brand_id=filters.brand,
                sort=filters.sort,
                page=filters.page,
                per_page=filters.per_page,
            ),
        )
    except CategoryNotVisible as error:
        raise HttpError(404, "No such category in your catalog.") from error
    return ProductPage(
        total=page.total,
        page=page.filters.page,
        pages=page.num_pages,
        per_page=page.filters.per_page,
        items=[_summary(request, product) for product in page.products],
        brands=[BrandOut(id=brand.id, name=brand.name) for brand in page.brands],
    )


@router.get(
    "/products/{product_id}",
    response={200: ProductOut, 404: ErrorOut},
    summary="One product of your catalog",
)
def get_product(request: HttpRequest, product_id: int) -> ProductOut:
    if not 0 < product_id < 2**62:
        raise HttpError(404, "No such product in your catalog.")
    detail = product_detail(scope_for_company(membership(request).company), product_id)
    if detail is None:
        raise HttpError(404, "No such product in your catalog.")
    product = detail.product
    summary = _summary(request, product)
    return ProductOut(
        **summary.model_dump(),
        description=product.description,
        category_path=[category.name for category in detail.breadcrumbs],
        weight_kg=product.weight_kg,
        length_mm=product.length_mm,
        width_mm=product.width_mm,
        height_mm=product.height_mm,
        volume_m3=product.volume_m3,
        vat_rate=product.vat_rate,
        images=[request.build_absolute_uri(image.image.url) for image in detail.images],
        attributes=[
            AttributeOut(name=value.attribute.name, value=value.value, unit=value.attribute.unit)
            for value in detail.attributes
        ],
    )


@router.get(
    "/lookup",
    response={200: ProductSummary, 404: ErrorOut},
    summary="Find a product by scanned barcode or exact SKU",
)
def lookup(
    request: HttpRequest, code: str = Query(..., min_length=1, max_length=64)
) -> ProductSummary:
    product = find_by_code(scope_for_company(membership(request).company), code)
    if product is None:
        raise HttpError(404, f"No product with barcode or SKU {code!r} in your catalog.")
    fresh = (
        Product.objects.select_related("brand")
        .prefetch_related("images", "barcodes")
        .get(pk=product.pk)
    )
    return _summary(request, fresh)


def _node(node: CategoryNode) -> CategoryOut:
    return CategoryOut(
        id=node.id,
        name=node.name,
        parent_id=node.category.parent_id,
        children=[_node(child) for child in node.children],
    )


@router.get("/categories", response=list[CategoryOut], summary="Your category tree")
def categories(request: HttpRequest) -> list[CategoryOut]:
    scope = scope_for_company(membership(request).company)
    return [_node(node) for node in category_tree(visible_categories(scope))]
