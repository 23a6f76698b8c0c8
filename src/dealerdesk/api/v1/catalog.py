"""The dealer's closed catalog over HTTP: the same queries the portal pages use."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from dealerdesk.api.v1.auth import membership
from dealerdesk.api.v1.errors import ErrorOut
from dealerdesk.api.v1.offers import (
    availability_detail_out,
    availability_out,
    breaks_out,
    price_out,
    requested_contract,
)
from dealerdesk.api.v1.schemas import (
    AttributeOut,
    BrandOut,
    CategoryOut,
    OfferedProduct,
    OfferedProductSummary,
    ProductPage,
    ProductSummary,
)
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import (
    MAX_PER_PAGE,
    PRICE_SORTS,
    SORTS,
    CatalogFilters,
    CategoryNode,
    CategoryNotVisible,
    category_tree,
    find_by_code,
    product_detail,
    scope_for_company,
    visible_categories,
)
from dealerdesk.offers.queries import Offer, offer_page, offers_for, product_offer
from dealerdesk.pricing.models import Contract

router = Router(tags=["catalog"])


_SORT_KEYS = [*SORTS, *PRICE_SORTS]
CONTRACT_HELP = "One of your company's contracts (GET /pricing/contracts); default: the default one"


class ProductQuery(Schema):
    q: str = Field("", max_length=100, description="Name words, SKU prefix or a barcode")
    category: int | None = Field(None, ge=1, lt=2**62)
    brand: int | None = Field(None, ge=1, lt=2**62)
    in_stock: bool = Field(
        False, description="Only products your warehouses can promise (ignored if stock is hidden)"
    )
    sort: str = Field(
        "name",
        pattern="^(" + "|".join(k.replace("-", "\\-") for k in _SORT_KEYS) + ")$",
        description="name, sku, price (your net price at the minimum quantity); '-' reverses",
    )
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(24, ge=1, le=MAX_PER_PAGE)
    contract: int | None = Field(None, ge=1, lt=2**62, description=CONTRACT_HELP)


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


def _offered(
    request: HttpRequest, product: Product, offer: Offer | None, contract: Contract | None
) -> OfferedProductSummary:
    return OfferedProductSummary(
        **_summary(request, product).model_dump(),
        price=price_out(offer.price if offer else None, contract),
        availability=availability_out(request, offer.stock if offer else None),
    )


@router.get(
    "/products",
    response={200: ProductPage, 404: ErrorOut},
    summary="List and search your catalog, with your prices and stock",
)
def list_products(request: HttpRequest, filters: Query[ProductQuery]) -> ProductPage:
    company = membership(request).company
    contract = requested_contract(request, filters.contract)
    scope = scope_for_company(company)
    try:
        listing = offer_page(
            company,
            contract,
            scope,
            CatalogFilters(
                q=filters.q,
                category_id=filters.category,
                brand_id=filters.brand,
                sort=filters.sort,
                page=filters.page,
                per_page=filters.per_page,
                in_stock=filters.in_stock,
            ),
        )
    except CategoryNotVisible as error:
        raise HttpError(404, "No such category in your catalog.") from error
    page = listing.page
    return ProductPage(
        total=page.total,
        page=page.filters.page,
        pages=page.num_pages,
        per_page=page.filters.per_page,
        contract_id=contract.pk if contract else None,
        items=[
            _offered(request, product, listing.offers.get(product.pk), contract)
            for product in page.products
        ],
        brands=[BrandOut(id=brand.id, name=brand.name) for brand in page.brands],
    )


@router.get(
    "/products/{product_id}",
    response={200: OfferedProduct, 404: ErrorOut},
    summary="One product of your catalog, with your prices, breaks and stock per warehouse",
)
def get_product(
    request: HttpRequest,
    product_id: int,
    contract: int | None = Query(None, ge=1, lt=2**62, description=CONTRACT_HELP),
) -> OfferedProduct:
    if not 0 < product_id < 2**62:
        raise HttpError(404, "No such product in your catalog.")
    company = membership(request).company
    chosen = requested_contract(request, contract)
    scope = scope_for_company(company)
    detail = product_detail(scope, product_id)
    if detail is None:
        raise HttpError(404, "No such product in your catalog.")
    product = detail.product
    offer, table = product_offer(company, chosen, product)
    return OfferedProduct(
        **_summary(request, product).model_dump(),
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
        price=price_out(offer.price, chosen),
        quantity_breaks=breaks_out(table),
        availability=availability_detail_out(request, offer.stock),
    )


@router.get(
    "/lookup",
    response={200: OfferedProductSummary, 404: ErrorOut},
    summary="Find a product by scanned barcode or exact SKU, with your price and stock",
)
def lookup(
    request: HttpRequest,
    code: str = Query(..., min_length=1, max_length=64),
    contract: int | None = Query(None, ge=1, lt=2**62, description=CONTRACT_HELP),
) -> OfferedProductSummary:
    company = membership(request).company
    chosen = requested_contract(request, contract)
    scope = scope_for_company(company)
    product = find_by_code(scope, code)
    if product is None:
        raise HttpError(404, f"No product with barcode or SKU {code!r} in your catalog.")
    fresh = (
        Product.objects.select_related("brand")
        .prefetch_related("images", "barcodes")
        .get(pk=product.pk)
    )
    offers = offers_for(company, chosen, [fresh])
    return _offered(request, fresh, offers.get(fresh.pk), chosen)


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
