"""Categories and products from the ERP: trees resolved within a batch, barcodes replaced,
nothing deleted, images fetched by URL in the background over real HTTP."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from dealerdesk.catalog.models import Barcode, Brand, Category, Product, ProductImage
from dealerdesk.catalog.sync import (
    CategoryChange,
    ProductChange,
    upsert_categories,
    upsert_products,
)
from dealerdesk.catalog.sync_images import ImageSource, fetch_product_images
from dealerdesk.core.barcodes import ean13_check_digit
from dealerdesk.core.models import AuditEntry
from dealerdesk.core.sync import ErpStamp, Outcome
from dealerdesk.ordering.models import OrderLine
from dealerdesk.ordering.services import OrderLineRequest, place_order
from tests import factories as f

pytestmark = pytest.mark.django_db

SOURCE = "ERP message m-1"
D = Decimal


def cat(external_id: str, parent: str | None = None, version: int = 1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("name", f"Category {external_id}")
    return CategoryChange(external_id=external_id, parent=parent, stamp=ErpStamp(version), **kw)


def test_children_may_come_before_their_parents_in_one_batch() -> None:
    results = upsert_categories(
        [cat("C3", parent="C2"), cat("C2", parent="C1"), cat("C1")], source=SOURCE
    )

    assert [r.outcome for r in results] == [Outcome.CREATED] * 3
    by_id = {c.external_id: c for c in Category.objects.all()}
    assert by_id["C3"].parent == by_id["C2"]
    assert by_id["C3"].path == f"/{by_id['C1'].pk}/{by_id['C2'].pk}/{by_id['C3'].pk}/"
    assert by_id["C3"].depth == 2


def test_a_cycle_in_the_batch_is_rejected_on_every_row_of_the_loop() -> None:
    results = upsert_categories(
        [cat("A", parent="B"), cat("B", parent="A"), cat("S", parent="S"), cat("OK")],
        source=SOURCE,
    )

    assert [(r.outcome, r.code) for r in results] == [
        (Outcome.REJECTED, "category_cycle"),
        (Outcome.REJECTED, "category_cycle"),
        (Outcome.REJECTED, "category_cycle"),
        (Outcome.CREATED, ""),
    ]
    assert results[0].field == "parent"
    assert list(Category.objects.values_list("external_id", flat=True)) == ["OK"]


def test_moving_a_category_under_its_own_descendant_is_rejected() -> None:
    upsert_categories([cat("A"), cat("B", parent="A"), cat("C", parent="B")], source=SOURCE)

    [result] = upsert_categories([cat("A", parent="C", version=2)], source=SOURCE)

    assert (result.outcome, result.code) == (Outcome.REJECTED, "category_cycle")
    assert Category.objects.get(external_id="A").parent is None


def test_a_moved_subtree_keeps_its_paths_for_later_rows_of_the_batch() -> None:
    upsert_categories(
        [cat("A"), cat("B", parent="A"), cat("C", parent="B"), cat("X")], source=SOURCE
    )

    results = upsert_categories(
        [cat("B", parent="X", version=2), cat("C", parent="B", version=2, name="Renamed")],
        source=SOURCE,
    )

    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.UPDATED]
    by_id = {c.external_id: c for c in Category.objects.all()}
    assert by_id["C"].path == f"/{by_id['X'].pk}/{by_id['B'].pk}/{by_id['C'].pk}/"


def test_unknown_parent_stale_unchanged_and_deactivation() -> None:
    upsert_categories([cat("A", version=5)], source=SOURCE)

    results = upsert_categories(
        [
            cat("Z", parent="NOPE"),
            cat("A", version=4, name="Older"),
            cat("A", version=6),
            cat("A", version=7, active=False),
            cat("N", name="x" * 151),
        ],
        source=SOURCE,
    )

    assert [(r.outcome, r.field, r.code) for r in results] == [
        (Outcome.REJECTED, "parent", "unknown_parent"),
        (Outcome.STALE, "", "stale"),
        (Outcome.UNCHANGED, "", ""),
        (Outcome.DEACTIVATED, "", ""),
        (Outcome.REJECTED, "name", "max_length"),
    ]
    assert not Category.objects.get(external_id="A").is_active


@pytest.fixture
def tree() -> Category:
    return f.CategoryFactory(name="Cables", external_id="CAT-1")


def product(version: int = 1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("external_id", "P-1")
    kw.setdefault("sku", "CAB-100")
    kw.setdefault("name", "Cable NYM 3x2.5")
    kw.setdefault("category", "CAT-1")
    return ProductChange(stamp=ErpStamp(version), **kw)


def test_a_new_product_gets_its_brand_barcodes_and_computed_volume(tree: Category) -> None:
    [result] = upsert_products(
        [
            product(
                brand="Acme",
                length_mm=D("100"),
                width_mm=D("200"),
                height_mm=D("50"),
                weight_kg=D("1.250"),
                barcodes=("4006381333931", "5901234123457"),
            )
        ],
        source=SOURCE,
    )

    assert result.outcome == Outcome.CREATED
    stored = Product.objects.get(external_id="P-1")
    assert (stored.category, stored.brand.name) == (tree, "Acme")  # type: ignore[union-attr]
    assert stored.volume_m3 == D("0.001000")
    assert list(stored.barcodes.values_list("code", "is_primary")) == [
        ("4006381333931", True),
        ("5901234123457", False),
    ]
    assert AuditEntry.objects.filter(object_type="catalog.product", action="create").count() == 1


def test_a_brand_is_matched_without_regard_to_case(tree: Category) -> None:
    acme = Brand.objects.create(name="ACME")

    upsert_products([product(brand="acme")], source=SOURCE)

    assert Product.objects.get(external_id="P-1").brand == acme
    assert Brand.objects.count() == 1


def test_barcodes_replace_the_set_and_a_taken_code_names_its_product(tree: Category) -> None:
    other = f.ProductFactory(sku="OTHER-1", category=tree)
    f.BarcodeFactory(product=other, code="4006381333931")
    upsert_products([product(barcodes=("5901234123457",))], source=SOURCE)

    results = upsert_products(
        [
            product(version=2, barcodes=("4006381333931",)),
            product(version=3, barcodes=("96385074",)),
            product(version=4, barcodes=("123",)),
        ],
        source=SOURCE,
    )

    assert [(r.outcome, r.field, r.code) for r in results] == [
        (Outcome.REJECTED, "barcodes", "barcode_taken"),
        (Outcome.UPDATED, "", ""),
        (Outcome.REJECTED, "barcodes", "invalid_barcode"),
    ]
    assert "OTHER-1" in results[0].message
    assert list(Product.objects.get(external_id="P-1").barcodes.values_list("code", flat=True)) == [
        "96385074"
    ]
    assert Barcode.objects.get(code="4006381333931").product == other


def test_a_product_held_by_sku_without_an_erp_id_is_adopted(tree: Category) -> None:
    held = f.ProductFactory(sku="CAB-100", category=tree, external_id=None)

    [result] = upsert_products([product()], source=SOURCE)

    held.refresh_from_db()
    assert result.outcome == Outcome.UPDATED
    assert held.external_id == "P-1"
    assert Product.objects.count() == 1


def test_a_sku_of_another_erp_product_is_rejected(tree: Category) -> None:
    f.ProductFactory(sku="CAB-100", category=tree, external_id="P-OTHER")

    [result] = upsert_products([product()], source=SOURCE)

    assert (result.outcome, result.field, result.code) == (Outcome.REJECTED, "sku", "sku_taken")
    assert "P-OTHER" in result.message


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"category": "CAT-404"}, "category", "unknown_category"),
        ({"sku": None}, "sku", "required"),
        ({"min_quantity": D("1"), "pack_multiple": D("5")}, "min_quantity", "invalid_min_quantity"),
        ({"unit": "XYZ"}, "unit", "invalid_choice"),
        ({"weight_kg": D("-1")}, "weight_kg", "min_value"),
    ],
)
def test_a_bad_product_row_is_rejected(tree: Category, change, field, code) -> None:  # type: ignore[no-untyped-def]
    [result] = upsert_products([product(**change)], source=SOURCE)

    assert (result.outcome, result.field, result.code) == (Outcome.REJECTED, field, code)
    assert not Product.objects.filter(external_id="P-1").exists()


def test_deactivation_keeps_the_product_and_its_past_order_lines(world, shop) -> None:  # type: ignore[no-untyped-def]
    cable = world.product_a
    Product.objects.filter(pk=cable.pk).update(external_id="P-CAB")
    order = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(cable.pk, D(2))],
        submission_key="sync-deactivate-0001",
        notify=False,
    ).order

    [result] = upsert_products(
        [
            ProductChange(
                external_id="P-CAB", stamp=ErpStamp(1), active=False, sent=frozenset({"active"})
            )
        ],
        source=SOURCE,
    )

    cable.refresh_from_db()
    assert result.outcome == Outcome.DEACTIVATED
    assert not cable.is_active
    assert (cable.sku, cable.name) == ("CAB-001", "Cable NYM 3x1.5")
    [line] = OrderLine.objects.filter(order=order)
    assert (line.product_id, line.quantity) == (cable.pk, D(2))


def test_stale_and_unchanged_products(tree: Category) -> None:
    upsert_products([product(version=5)], source=SOURCE)

    results = upsert_products([product(version=4, name="Older"), product(version=6)], source=SOURCE)

    assert [r.outcome for r in results] == [Outcome.STALE, Outcome.UNCHANGED]
    assert Product.objects.get(external_id="P-1").erp_version == 6


# ---- images over real HTTP ----------------------------------------------------------------


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}

    def do_GET(self) -> None:
        status, body = self.routes.get(self.path, (404, b"missing"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def image_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_images_are_fetched_after_commit_verified_and_kept_on_a_repeat(
    tree: Category, image_server: str, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PRODUCT_IMAGE_MAX_BYTES = 10_000
    _Handler.routes = {
        "/a.png": (200, _png()),
        "/junk.png": (200, b"not an image at all"),
        "/big.png": (200, b"x" * 20_000),
        "/gone.png": (404, b""),
    }
    images = tuple(
        ImageSource(f"{image_server}/{name}", alt_text=name)
        for name in ("a.png", "junk.png", "big.png", "gone.png")
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [result] = upsert_products([product(images=images)], source=SOURCE)
    assert result.outcome == Outcome.CREATED
    assert ProductImage.objects.count() == 0  # nothing fetched inside the transaction
    for callback in callbacks:
        callback()

    stored = Product.objects.get(external_id="P-1")
    [image] = ProductImage.objects.filter(product=stored)
    assert image.alt_text == "a.png"
    assert image.image.name.startswith("products/erp/")

    outcome = fetch_product_images.call(
        stored.pk, [{"url": f"{image_server}/a.png", "alt_text": "A"}]
    )
    assert outcome == {"fetched": 1, "failed": []}
    [kept] = ProductImage.objects.filter(product=stored)
    assert (kept.pk, kept.alt_text) == (image.pk, "A")

    fetch_product_images.call(stored.pk, [])
    assert not ProductImage.objects.filter(product=stored).exists()


def test_image_failures_are_reported_without_failing_the_product(
    tree: Category, image_server: str, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PRODUCT_IMAGE_MAX_BYTES = 10_000
    _Handler.routes = {"/junk.png": (200, b"GIF89 nope"), "/big.png": (200, b"x" * 20_000)}
    stored = f.ProductFactory(category=tree)

    outcome = fetch_product_images.call(
        stored.pk,
        [
            {"url": f"{image_server}/junk.png"},
            {"url": f"{image_server}/big.png"},
            {"url": f"{image_server}/gone.png"},
            {"url": "ftp://127.0.0.1/x.png"},
            {"url": "http://127.0.0.1:1/refused.png"},
        ],
    )

    errors = [failure["error"] for failure in outcome["failed"]]
    assert errors[0] == "the content is not an image"
    assert errors[1] == "larger than 10000 bytes"
    assert errors[2] == "the server answered 404"
    assert errors[3] == "only http and https addresses are fetched"
    assert errors[4].startswith("could not connect")
    assert not ProductImage.objects.filter(product=stored).exists()


def _selects(rows: list[ProductChange]) -> int:
    with CaptureQueriesContext(connection) as queries:
        results = upsert_products(rows, source=SOURCE)
    assert {r.outcome for r in results} == {Outcome.CREATED}
    return sum(1 for query in queries if query["sql"].lstrip().upper().startswith("SELECT"))


def test_the_reads_of_a_product_batch_do_not_grow_with_its_rows(tree: Category) -> None:
    def batch(start: int, size: int) -> list[ProductChange]:
        return [
            product(
                external_id=f"P-{n}",
                sku=f"SKU-{n}",
                brand=f"Brand {n % 3}",
                barcodes=(f"{n:012d}" + ean13_check_digit(f"{n:012d}"),),
            )
            for n in range(start, start + size)
        ]

    assert _selects(batch(100, 25)) == _selects(batch(0, 5))
