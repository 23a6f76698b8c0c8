"""The demo data set: the promised logins, closed catalogs, valid data, idempotence."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q, Sum
from django.utils import timezone
from stdnum import ean

from dealerdesk.accounts.choices import (
    AccessRequestStatus,
    MembershipRole,
    StaffRole,
    StockDisplayPolicy,
)
from dealerdesk.accounts.models import AccessRequest, Company, Membership, Region, User
from dealerdesk.catalog.choices import Unit
from dealerdesk.catalog.models import (
    Barcode,
    Brand,
    CatalogAssignment,
    Category,
    Product,
    ProductImage,
    volume_from_dimensions,
)
from dealerdesk.demo import seed as seed_module
from dealerdesk.demo.catalog_data import allocate, capacity, category_specs, generate_products
from dealerdesk.demo.people import GROUPS, NAMED_DEALERS, PASSWORD
from dealerdesk.demo.seed import DEFAULT_SEED, SCALES, row_counts, seed_demo
from dealerdesk.demo.seed_commerce import PRICE_RANGES, wholesale_prices
from dealerdesk.demo.spec import ATTRIBUTE_CODES
from dealerdesk.demo.vocabulary import DEPARTMENTS
from dealerdesk.inventory.availability import (
    BandedDisplay,
    display_strategy_for,
    format_quantity,
)
from dealerdesk.inventory.models import (
    DefaultWarehouse,
    IncomingStock,
    StockLevel,
    Warehouse,
    WarehouseAccess,
)
from dealerdesk.inventory.queries import availability_for, default_warehouse_for, warehouses_for
from dealerdesk.pricing.models import (
    Contract,
    CustomerPrice,
    Price,
    PriceList,
    PriceType,
    Promotion,
    QuantityBreak,
)
from dealerdesk.pricing.queries import contracts_for, price_lines, quantity_break_table

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    "admin@example.com": None,
    "manager@example.com": None,
    "owner@dealer-one.example": ("Dealer One", MembershipRole.OWNER),
    "buyer@dealer-one.example": ("Dealer One", MembershipRole.BUYER),
    "buyer@dealer-two.example": ("Dealer Two", MembershipRole.BUYER),
}


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--scale", "small", *args, stdout=out)
    return out.getvalue()


def _visible_product_ids(company: Company) -> set[int]:
    """The closed catalog straight from the assignments: subtrees by path, plus single products."""
    rows = CatalogAssignment.objects.filter(
        Q(company=company) | Q(customer_group_id=company.customer_group_id)
    ).select_related("category")
    condition = Q(pk__in=[row.product_id for row in rows if row.product_id])
    for row in rows:
        if row.category is not None:
            condition |= Q(category__path__startswith=row.category.path)
    return set(Product.objects.filter(condition, is_active=True).values_list("pk", flat=True))


def _departments(product_ids: set[int]) -> set[str]:
    roots = {
        int(path.strip("/").split("/")[0])
        for path in Product.objects.filter(pk__in=product_ids).values_list(
            "category__path", flat=True
        )
    }
    return set(Category.objects.filter(pk__in=roots).values_list("name", flat=True))


def test_small_seed_creates_the_five_demo_logins_with_their_roles() -> None:
    output = _seed("--no-images")

    for email, membership in DEMO_LOGINS.items():
        user = User.objects.get(email=email)
        assert user.check_password(PASSWORD), email
        assert user.is_active
        assert email in output
        if membership is None:
            continue
        company_name, role = membership
        (member,) = Membership.objects.filter(user=user).select_related("company")
        assert (member.company.name, member.role) == (company_name, role)
        assert not user.is_staff
    assert PASSWORD in output

    admin = User.objects.get(email="admin@example.com")
    assert admin.is_staff
    assert admin.is_superuser
    assert admin.staff_profile.role == StaffRole.ADMIN

    manager = User.objects.get(email="manager@example.com")
    assert manager.is_staff
    assert not manager.is_superuser
    profile = manager.staff_profile
    assert profile.role == StaffRole.SALES_MANAGER
    assert profile.title
    assert profile.phone
    assert profile.regions.exists()
    assert set(profile.categories.values_list("name", flat=True)) >= {"Electrical", "Lighting"}


def test_the_two_named_dealers_have_their_groups_policies_and_managers() -> None:
    _seed("--no-images")
    one = Company.objects.get(name="Dealer One")
    two = Company.objects.get(name="Dealer Two")
    manager = User.objects.get(email="manager@example.com").staff_profile

    assert one.customer_group is not None
    assert one.customer_group.name == "Electrical installers"
    assert one.stock_display_policy == StockDisplayPolicy.EXACT
    assert one.personal_manager == manager
    assert two.customer_group is not None
    assert two.customer_group.name == "Builders' merchants"
    assert two.stock_display_policy == StockDisplayPolicy.BANDED
    assert two.personal_manager is not None
    assert two.personal_manager.user.is_staff
    assert not one.is_blocked
    assert not two.is_blocked


def test_dealer_one_and_dealer_two_see_different_overlapping_catalogs() -> None:
    _seed("--no-images")
    one = _visible_product_ids(Company.objects.get(name="Dealer One"))
    two = _visible_product_ids(Company.objects.get(name="Dealer Two"))

    assert one
    assert two
    assert one != two
    assert one & two, "both see Tools (and Dealer One's anchors are fasteners Dealer Two sees)"
    assert {"Electrical", "Lighting", "Tools"} <= _departments(one)
    assert "Dry construction" not in _departments(one)
    assert {"Dry construction", "Fasteners", "Tools"} <= _departments(two)
    assert "Lighting" not in _departments(two)
    # Dealer Two sees a few electrical products one by one, not the Electrical department.
    singles = CatalogAssignment.objects.filter(company__name="Dealer Two", product__isnull=False)
    assert singles.count() >= 3
    electrical = Category.objects.get(name="Electrical", depth=0)
    all_electrical = Product.objects.filter(category__path__startswith=electrical.path)
    assert 0 < len(two & set(all_electrical.values_list("pk", flat=True))) < all_electrical.count()


def test_visible_catalog_agrees_with_the_catalog_queries_module() -> None:
    queries = pytest.importorskip("dealerdesk.catalog.queries")
    if not hasattr(queries, "scope_for_company"):
        pytest.skip("dealerdesk.catalog.queries has no scope_for_company yet")
    _seed("--no-images")
    for name in ("Dealer One", "Dealer Two"):
        company = Company.objects.get(name=name)
        scoped = set(queries.scope_for_company(company).products().values_list("pk", flat=True))
        assert scoped == _visible_product_ids(company)


def test_every_barcode_is_a_valid_unique_ean13_and_some_products_have_two() -> None:
    _seed("--no-images")
    codes = list(Barcode.objects.values_list("code", flat=True))

    assert codes
    assert all(len(code) == 13 and ean.is_valid(code) for code in codes)
    assert len(codes) == len(set(codes))
    per_product = Product.objects.annotate(
        n=Count("barcodes"), primary=Count("barcodes", filter=Q(barcodes__is_primary=True))
    )
    assert per_product.filter(n=2).exists()
    assert not per_product.filter(primary__gt=1).exists()
    assert not per_product.filter(n__gt=0, primary=0).exists()


def test_products_read_like_a_wholesalers_catalog() -> None:
    _seed("--no-images")
    products = list(Product.objects.select_related("category", "brand"))

    assert 300 <= len(products) <= 600
    assert {p.category.depth for p in products} == {2}
    assert all(p.brand is not None and p.external_id and p.erp_version for p in products)
    assert all(p.min_quantity >= p.pack_multiple for p in products)
    assert all(p.min_quantity % p.pack_multiple == 0 for p in products)
    assert {p.vat_rate for p in products} == {Decimal("20"), Decimal("10")}
    assert {p.unit for p in products} >= {Unit.PIECE, Unit.METRE, Unit.PACK, Unit.BAG}
    for product in products:
        assert product.weight_kg
        assert product.weight_kg > 0
        if product.length_mm is not None:
            assert product.volume_m3 == volume_from_dimensions(
                product.length_mm, product.width_mm, product.height_mm
            )
        else:  # sold per metre: the coil's share of volume per metre
            assert product.unit == Unit.METRE
            assert product.volume_m3
    cable = Product.objects.filter(name__startswith="Cable NYM-J").first()
    assert cable is not None
    assert cable.unit == Unit.METRE
    assert cable.pack_multiple in {25, 50, 100, 500}
    assert cable.attribute_values.filter(attribute__code="cross-section").exists()


def test_the_category_tree_has_paths_depths_and_a_public_teaser() -> None:
    _seed("--no-images")
    categories = {c.pk: c for c in Category.objects.all()}

    assert len(categories) == len(category_specs())
    for category in categories.values():
        parent = categories.get(category.parent_id) if category.parent_id else None
        expected = f"{parent.path if parent else '/'}{category.pk}/"
        assert category.path == expected
        assert category.depth == (parent.depth + 1 if parent else 0)
    teaser = Category.objects.filter(in_public_teaser=True)
    assert 2 <= teaser.count() <= 3
    assert all(category.depth == 0 for category in teaser)


def test_erp_mirrored_rows_carry_external_ids_and_change_stamps() -> None:
    _seed("--no-images")
    for model in (Product, Category, Brand, Company, Region):
        assert not model.objects.filter(
            Q(external_id__isnull=True) | Q(erp_version__isnull=True) | Q(erp_changed_at=None)
        ).exists(), model.__name__
    assert Company.objects.filter(external_id__startswith="DEMO-CP-").count() == len(NAMED_DEALERS)


def test_the_staff_queue_and_the_dealer_mix_are_not_empty() -> None:
    _seed("--no-images")
    assert AccessRequest.objects.filter(status=AccessRequestStatus.PENDING).count() >= 2
    assert Company.objects.filter(is_blocked=True).count() == 1
    managers = set(Company.objects.values_list("personal_manager__user__email", flat=True))
    assert len(managers) >= 2
    groups = CatalogAssignment.objects.filter(customer_group__isnull=False)
    assert groups.values("customer_group").distinct().count() == len(GROUPS)


def test_images_and_the_managers_photo_are_stored() -> None:
    _seed()
    images = list(ProductImage.objects.all())
    manager = User.objects.get(email="manager@example.com").staff_profile

    names = [image.image.name or "" for image in images]
    assert len(names) == Product.objects.count()
    assert all(name.startswith("products/") for name in names)
    assert all(default_storage.exists(name) for name in names[:20])
    assert manager.photo
    assert default_storage.exists(manager.photo.name or "")


def test_running_twice_changes_nothing() -> None:
    _seed("--no-images")
    before = row_counts()

    output = _seed("--no-images")

    assert row_counts() == before
    assert "already present" in output
    assert "buyer@dealer-two.example" in output


def test_an_interrupted_load_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(seed_module._Loader, "_prospects", fail)
    with pytest.raises(RuntimeError, match="power cut"):
        seed_demo("small", images_on=False, log=lambda _: None)

    assert Product.objects.count() == 0
    assert Company.objects.count() == 0
    assert User.objects.count() == 0


def test_a_demo_login_taken_in_a_foreign_database_is_refused() -> None:
    User.objects.create_user("admin@example.com", "something-else")

    with pytest.raises(CommandError, match=r"admin@example\.com"):
        _seed("--no-images")

    assert Product.objects.count() == 0
    assert User.objects.get(email="admin@example.com").check_password("something-else")


def test_the_loaded_products_are_the_generators_products() -> None:
    _seed("--no-images")
    loaded = list(Product.objects.order_by("external_id").values_list("sku", "name"))
    expected = [(p.sku, p.name) for p in generate_products(SCALES["small"].products, DEFAULT_SEED)]
    assert loaded == expected


# --- prices, contracts, warehouses and stock ------------------------------------------------


def _default_contract(company: Company) -> Contract:
    return Contract.objects.get(company=company, is_default=True)


def _unit(company: Company, contract: Contract, product_id: int) -> Decimal:
    (line,) = price_lines(company, contract, [(product_id, Decimal(1))])
    assert line.priced, (company.name, product_id, line.reason)
    assert line.unit_price is not None
    return line.unit_price.amount


def test_price_types_have_one_base_per_currency_and_every_product_a_price() -> None:
    _seed("--no-images")
    types = {t.code: t for t in PriceType.objects.all()}

    assert {t.name for t in types.values()} == {"Retail", "Wholesale", "Dealer A", "Wholesale USD"}
    assert {(t.currency, t.name) for t in types.values() if t.is_base} == {
        ("EUR", "Wholesale"),
        ("USD", "Wholesale USD"),
    }
    products = Product.objects.count()
    for code in types:
        assert Price.objects.filter(price_type__code=code).count() == products, code
    wholesale = dict(
        Price.objects.filter(price_type__code="WHOLESALE").values_list("product_id", "amount")
    )
    for product_id, amount in Price.objects.filter(price_type__code="DEALER-A").values_list(
        "product_id", "amount"
    ):
        assert amount < wholesale[product_id]
        assert amount >= wholesale[product_id] * Decimal("0.89")
    for product_id, amount in Price.objects.filter(price_type__code="RETAIL").values_list(
        "product_id", "amount"
    ):
        assert amount > wholesale[product_id]
    assert all(amount > 0 for amount in wholesale.values())
    # Plausible per category: cable per metre in cents to euros, tools dearer.
    cable = Price.objects.filter(
        price_type__code="WHOLESALE", product__name__startswith="Cable NYM-J"
    ).values_list("amount", flat=True)
    assert cable
    assert all(Decimal("0.3") <= amount <= 12 for amount in cable)
    boards = Price.objects.filter(
        price_type__code="WHOLESALE", product__name__startswith="Gypsum board"
    ).values_list("amount", flat=True)
    assert all(Decimal(4) <= amount <= 17 for amount in boards)


def test_the_loaded_wholesale_prices_are_the_generators_prices() -> None:
    _seed("--no-images")
    specs = generate_products(SCALES["small"].products, DEFAULT_SEED)
    prices = wholesale_prices(specs, DEFAULT_SEED)
    expected = dict(zip((s.external_id for s in specs), prices, strict=True))
    loaded = dict(
        Price.objects.filter(price_type__code="WHOLESALE").values_list(
            "product__external_id", "amount"
        )
    )
    assert loaded == expected


def test_dealer_one_has_its_contracts_and_one_default() -> None:
    _seed("--no-images")
    one = Company.objects.get(name="Dealer One")
    contracts = list(contracts_for(one))

    assert len(contracts) >= 3
    assert [c.is_default for c in contracts].count(True) == 1
    assert contracts[0].is_default
    assert contracts[0].name == "100% prepayment"
    by_name = {c.name: c for c in contracts}
    assert {"Deferment 30 days", "Deferment 45 days", "USD contract"} <= set(by_name)
    assert by_name["Deferment 30 days"].payment_terms_days == 30
    assert by_name["Deferment 30 days"].markup_percent == Decimal(3)
    assert by_name["Deferment 45 days"].markup_percent == Decimal("4.5")
    usd = by_name["USD contract"]
    assert usd.currency == "USD"
    assert usd.price_type is not None
    assert usd.price_type.currency == "USD"
    two = Company.objects.get(name="Dealer Two")
    two_default = _default_contract(two)
    assert two_default.name == "Deferment 15 days"
    assert two_default.price_type is not None
    assert two_default.price_type.name == "Dealer A"
    # Every demo dealer has exactly one default contract.
    assert Contract.objects.filter(is_default=True).count() == Company.objects.count()


def test_the_two_demo_dealers_see_different_prices_for_the_same_product() -> None:
    _seed("--no-images")
    one = Company.objects.get(name="Dealer One")
    two = Company.objects.get(name="Dealer Two")
    shared = set(
        CustomerPrice.objects.filter(company=one, contract__isnull=True).values_list(
            "product_id", flat=True
        )
    ) & set(CustomerPrice.objects.filter(company=two).values_list("product_id", flat=True))
    assert shared, "a product both dealers have a negotiated price for"
    product_id = min(shared)
    assert product_id in _visible_product_ids(one)
    assert product_id in _visible_product_ids(two)

    unit_one = _unit(one, _default_contract(one), product_id)
    unit_two = _unit(two, _default_contract(two), product_id)

    assert unit_one != unit_two
    # A negotiated price is always below what the dealer's default contract would give.
    for company in (one, two):
        priced = CustomerPrice.objects.filter(company=company, contract__isnull=True)
        lines = price_lines(
            company,
            _default_contract(company),
            [(pk, Decimal(1)) for pk in priced.values_list("product_id", flat=True)],
        )
        for line in lines:
            rules = [step.rule for step in line.steps]
            negotiated = line.steps[rules.index("customer_price")]
            before = line.steps[rules.index("customer_price") - 1]
            assert negotiated.unit_price < before.unit_price, (company.name, line.explanation)
    assert 25 <= CustomerPrice.objects.filter(company=one).count() <= 45
    assert 8 <= CustomerPrice.objects.filter(company=two).count() <= 12
    assert CustomerPrice.objects.filter(company=one, contract__isnull=False).exists()


def test_switching_contract_changes_dealer_ones_price() -> None:
    _seed("--no-images")
    one = Company.objects.get(name="Dealer One")
    special = set(CustomerPrice.objects.filter(company=one).values_list("product_id", flat=True))
    listed = set(PriceList.objects.values_list("items__product_id", flat=True))
    product_id = min(_visible_product_ids(one) - special - listed)
    deferment = Contract.objects.get(company=one, name="Deferment 30 days")
    usd = Contract.objects.get(company=one, name="USD contract")

    prepayment = _unit(one, _default_contract(one), product_id)
    deferred = _unit(one, deferment, product_id)
    (dollars,) = price_lines(one, usd, [(product_id, Decimal(1))])

    assert deferred > prepayment
    assert dollars.priced
    assert dollars.currency == "USD"


def test_price_lists_breaks_and_promotions_are_there_to_show() -> None:
    _seed("--no-images")
    one = Company.objects.get(name="Dealer One")
    lists = {p.priority: p for p in PriceList.objects.all()}
    assert lists[10].customer_group == one.customer_group
    assert 30 <= lists[10].items.count() <= 50
    assert lists[5].tier == one.tier

    with_breaks = QuantityBreak.objects.values("product").distinct().count()
    assert 0.08 <= with_breaks / Product.objects.count() <= 0.25
    assert QuantityBreak.objects.filter(company=one).exists()
    broken = QuantityBreak.objects.filter(company__isnull=True, customer_group__isnull=True)
    product_id = broken.filter(product_id__in=_visible_product_ids(one)).first()
    assert product_id is not None
    table = quantity_break_table(one, _default_contract(one), product_id.product_id)
    assert len(table) >= 3
    assert table[-1][1].unit_price is not None
    assert table[0][1].unit_price is not None
    assert table[-1][1].unit_price.amount < table[0][1].unit_price.amount

    now = timezone.now()
    running = Promotion.objects.filter(starts_at__lte=now, ends_at__gt=now, is_active=True)
    assert running.count() >= 3
    assert {bool(p.brand_id) for p in running} >= {True}
    assert running.filter(category__isnull=False).exists()
    assert running.filter(kind="fixed_price", product__isnull=False).exists()
    assert Promotion.objects.filter(starts_at__gt=now).exists()
    visible = sorted(_visible_product_ids(one))
    lines = price_lines(one, _default_contract(one), [(pk, Decimal(1)) for pk in visible])
    promoted = [line for line in lines if line.promotion]
    assert promoted, "a running promotion applies to some product Dealer One sees"
    assert all(line.priced for line in lines)


def test_both_demo_dealers_have_a_default_warehouse_and_availability() -> None:
    _seed("--no-images")
    one = Company.objects.get(name="Dealer One")
    two = Company.objects.get(name="Dealer Two")
    assert Warehouse.objects.count() >= 3
    assert Warehouse.objects.filter(open_to_all=True).count() == 1
    assert WarehouseAccess.objects.filter(customer_group__isnull=False).exists()

    defaults = {}
    for company in (one, two):
        chosen = DefaultWarehouse.objects.get(company=company).warehouse
        assert default_warehouse_for(company) == chosen
        assert chosen in warehouses_for(company)
        defaults[company.name] = chosen
        product_id = min(_visible_product_ids(company))
        answer = availability_for(company, [product_id])
        assert answer[product_id].warehouses
        default = answer[product_id].default
        assert default is not None
        assert default.warehouse.id == chosen.pk
    assert defaults["Dealer One"] != defaults["Dealer Two"]
    assert len(warehouses_for(one)) != len(warehouses_for(two))


def test_dealer_one_sees_exact_stock_and_dealer_two_bands() -> None:
    _seed("--no-images")
    one = Company.objects.get(name="Dealer One")
    two = Company.objects.get(name="Dealer Two")

    exact = availability_for(one, _visible_product_ids(one))
    assert any(a.total.exact and a.total.exact > 0 for a in exact.values())

    strategy = display_strategy_for(two)
    assert isinstance(strategy, BandedDisplay)
    lowest = strategy.bands[0]
    bands = {f">{format_quantity(band)}" for band in strategy.bands}
    answer = availability_for(two, _visible_product_ids(two))
    labels = [row.stock.label for a in answer.values() for row in a.warehouses]
    labels += [a.total.label for a in answer.values()]
    assert all(a.default is not None and a.default.stock.exact is None for a in answer.values())
    assert all(row.stock.exact is None for a in answer.values() for row in a.warehouses)
    for label in labels:
        assert label in bands | {"Out of stock"} or (
            label.isdigit() and 0 < int(label) <= lowest
        ), label
    assert any(label.startswith(">") for label in labels)
    assert all(a.total.exact is None for a in answer.values())


def test_stock_looks_like_a_real_warehouse() -> None:
    _seed("--no-images")
    levels = StockLevel.objects.all()
    products, warehouses = Product.objects.count(), Warehouse.objects.count()

    assert levels.count() == products * warehouses  # small: every warehouse carries everything
    assert levels.filter(on_hand=0).count() > levels.count() * 0.1
    assert levels.filter(on_hand__gt=0, on_hand__lte=20).exists()
    assert levels.filter(on_hand__gt=1000).exists()
    assert levels.filter(reserved__gt=0).exists()
    assert levels.filter(safety_stock__gt=0).exists()
    incoming = IncomingStock.objects.all()
    assert incoming.values("product", "warehouse").distinct().count() / levels.count() >= 0.05
    assert incoming.filter(expected_date__gt=timezone.localdate()).exists()
    assert all(quantity > 0 for quantity in incoming.values_list("quantity", flat=True))


def test_every_leaf_has_a_price_range() -> None:
    assert {leaf.code for dept in DEPARTMENTS for leaf in dept.leaves} <= set(PRICE_RANGES)


# --- the generator, without the database ---------------------------------------------------


def test_the_same_seed_gives_the_same_products_and_another_seed_does_not() -> None:
    first = generate_products(480, seed=7)
    second = generate_products(480, seed=7)
    other = generate_products(480, seed=8)

    assert first == second
    assert [p.name for p in first] != [p.name for p in other]


def test_a_bigger_generated_catalog_stays_valid() -> None:
    specs = generate_products(6000, DEFAULT_SEED)
    barcodes = [code for spec in specs for code in spec.barcodes]

    assert len(specs) == 6000
    assert len({spec.sku for spec in specs}) == 6000
    assert len({spec.external_id for spec in specs}) == 6000
    assert len(set(barcodes)) == len(barcodes)
    assert all(ean.is_valid(code) for code in barcodes)
    for spec in specs:
        assert len(spec.name) <= 255
        assert len(spec.sku) <= 64
        assert spec.min_quantity % spec.pack_multiple == 0
        assert {code for code, _ in spec.attributes} <= ATTRIBUTE_CODES
        assert spec.unit in Unit.values


def test_the_vocabulary_can_fill_the_large_scale() -> None:
    assert capacity() >= SCALES["large"].products * 1.2


def test_allocate_follows_shares_and_respects_caps() -> None:
    assert allocate(10, [1, 1], [100, 100]) == [5, 5]
    assert allocate(10, [1, 3], [100, 100]) == [2, 8]
    assert allocate(100, [1, 1, 1], [5, 1000, 1000]) == [5, 48, 47]
    assert allocate(50, [1, 1], [10, 10]) == [10, 10]
    assert allocate(7, [3, 2, 2], [9, 9, 9]) == [3, 2, 2]
    assert allocate(2, [1, 1, 1], [5, 5, 5]) == [1, 1, 0]


def test_bulk_customer_prices_land_in_each_dealers_own_catalog() -> None:
    _seed("--no-images")
    before = CustomerPrice.objects.count()
    out = StringIO()

    call_command("load_customer_prices", "--count", "300", stdout=out)

    added = CustomerPrice.objects.filter(external_id__startswith="BULK-CPR-")
    assert added.count() == CustomerPrice.objects.count() - before
    assert 0 < added.count() <= 300
    assert f"{added.count():,} customer prices loaded" in out.getvalue()
    # each on a product of the dealer's own catalog, below the wholesale price
    for row in added.select_related("company")[:40]:
        assert row.product_id in _visible_product_ids(row.company)
        euro = next(c for c in contracts_for(row.company) if c.currency == "EUR")
        [line] = price_lines(row.company, euro, [(row.product_id, Decimal(1))])
        assert line.list_price is not None
        assert row.amount <= line.list_price.amount
    # no dealer gets two general prices for one product
    pairs = added.values("company", "product").annotate(n=Count("pk")).filter(n__gt=1)
    assert not pairs.exists()


def test_bulk_customer_prices_load_once() -> None:
    _seed("--no-images")
    call_command("load_customer_prices", "--count", "10", stdout=StringIO())
    with pytest.raises(CommandError, match="already loaded"):
        call_command("load_customer_prices", "--count", "10", stdout=StringIO())


def test_dealer_one_has_orders_and_both_named_dealers_a_credit_position() -> None:
    from dealerdesk.ordering.choices import OrderStatus
    from dealerdesk.ordering.credit import credit_position
    from dealerdesk.ordering.models import Order

    _seed("--no-images")
    one = Company.objects.get(name="Dealer One")
    two = Company.objects.get(name="Dealer Two")

    statuses = sorted(Order.objects.filter(company=one).values_list("status", flat=True))
    assert statuses == [OrderStatus.CANCELLED, OrderStatus.PLACED, OrderStatus.PLACED]
    position = credit_position(one)
    assert position.limit == Decimal("25000.00")
    assert position.on_order == sum(
        o.total_gross for o in Order.objects.filter(company=one, status=OrderStatus.PLACED)
    )
    assert credit_position(two).policy == "block"
    # the placed orders hold their stock; the cancelled one gave it back
    from dealerdesk.inventory.models import StockMovement

    cancelled = Order.objects.get(company=one, status=OrderStatus.CANCELLED)
    held = StockMovement.objects.filter(reference=cancelled.number).aggregate(
        total=Sum("reserved_delta")
    )["total"]
    assert held == 0


def test_dealer_one_has_two_shopping_lists_of_products_it_can_order() -> None:
    from dealerdesk.catalog.queries import scope_for_company
    from dealerdesk.ordering.lists import list_view
    from dealerdesk.ordering.models import ShoppingList
    from dealerdesk.ordering.rules import quantity_problem

    _seed("--no-images")
    one = Company.objects.get(name="Dealer One")

    found = {s.name: s for s in ShoppingList.objects.filter(company=one)}
    assert sorted(found) == ["Weekly restock", "Workshop consumables"]
    assert not ShoppingList.objects.exclude(company=one).exists()
    visible = set(scope_for_company(one).products().values_list("pk", flat=True))
    for shopping_list in found.values():
        lines = list(shopping_list.lines.select_related("product"))
        assert len(lines) >= 3, shopping_list.name
        for line in lines:
            assert line.product_id in visible
            assert quantity_problem(line.product, line.quantity) is None
        view = list_view(one, contracts_for(one)[0], shopping_list)
        assert not [item.problem for item in view.items if item.problem], shopping_list.name
