"""Loading the demo data set: ``seed_demo(scale, seed)``.

The whole load is one transaction: an interrupted run leaves nothing behind. A database that
already holds the demo (its marker company exists) is left untouched, so running the command
twice is harmless. Rows that mirror the ERP carry a ``DEMO-…`` external id and a change stamp.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from dealerdesk.accounts.choices import (
    AccessRequestStatus,
    CreditPolicy,
    MembershipRole,
    StaffRole,
)
from dealerdesk.accounts.models import (
    AccessRequest,
    Company,
    CustomerGroup,
    Invite,
    Membership,
    Region,
    StaffProfile,
    Tier,
    User,
)
from dealerdesk.accounts.services import hash_token, parse_contact
from dealerdesk.catalog.events import CATALOG
from dealerdesk.catalog.models import (
    Barcode,
    CatalogAssignment,
    Category,
    Product,
    ProductAttributeValue,
    ProductImage,
)
from dealerdesk.catalog.queries import scope_for_company
from dealerdesk.core.text import company_key
from dealerdesk.demo import images
from dealerdesk.demo.catalog_data import ProductSpec, generate_products
from dealerdesk.demo.people import (
    ADMIN_EMAIL,
    DEALER_ONE,
    DEALER_TWO,
    GROUPS,
    MARKER_EXTERNAL_ID,
    NAMED_DEALERS,
    PASSWORD,
    PROSPECTS,
    REGIONS,
    RESERVED_EMAILS,
    STAFF,
    TIERS,
    DealerSpec,
    ProspectSpec,
    generate_dealers,
    generate_prospects,
    generate_staff,
)
from dealerdesk.demo.seed_catalog import BATCH, CatalogLoader, ErpClock, Log
from dealerdesk.demo.seed_commerce import CommerceLoader, CommercePlan, load_shopping_lists
from dealerdesk.inventory.events import WAREHOUSES
from dealerdesk.inventory.models import IncomingStock, StockLevel, Warehouse
from dealerdesk.inventory.queries import default_warehouse_for
from dealerdesk.ordering.choices import DeliveryMethod
from dealerdesk.ordering.delivery import AddressInput, save_address
from dealerdesk.ordering.models import DeliveryOption, Order
from dealerdesk.ordering.services import OrderLineRequest, cancel_order, place_order
from dealerdesk.pricing.events import PRICING
from dealerdesk.pricing.models import (
    Contract,
    CustomerPrice,
    Price,
    PriceListItem,
    PriceType,
    Promotion,
    QuantityBreak,
)

DEFAULT_SEED = 20261123
DEALER_CHUNK = 2000
AVATAR_COLOURS = ("#1f5fa8", "#b8412c", "#16808a", "#8e3b8c", "#4a7a2a", "#c98a00")


@dataclass(frozen=True)
class Scale:
    products: int
    companies: int  # the named dealers included
    extra_staff: int
    image_per_leaf: int | None  # product images per leaf category; None = every product
    prospects: int
    commerce: CommercePlan


SCALES = {
    "small": Scale(products=480, companies=len(NAMED_DEALERS), extra_staff=0,
                   image_per_leaf=None, prospects=0,
                   commerce=CommercePlan(usd_products=None, retail_skip=0,
                                         partial_stock=False, customer_priced=0)),
    "large": Scale(products=50_000, companies=10_000, extra_staff=24, image_per_leaf=4,
                   prospects=60,
                   commerce=CommercePlan(usd_products=5_000, retail_skip=3,
                                         partial_stock=True, customer_priced=2_000)),
}  # fmt: skip


class DemoDataConflict(Exception):
    """The database holds some of the demo's named logins but not the demo itself."""


@dataclass
class SeedReport:
    loaded: bool  # False: the demo was already there and nothing was written
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def demo_present() -> bool:
    return Company.objects.filter(external_id=MARKER_EXTERNAL_ID).exists()


def row_counts() -> dict[str, int]:
    models = (
        ("categories", Category),
        ("products", Product),
        ("barcodes", Barcode),
        ("attribute values", ProductAttributeValue),
        ("product images", ProductImage),
        ("companies", Company),
        ("users", User),
        ("memberships", Membership),
        ("staff", StaffProfile),
        ("catalog assignments", CatalogAssignment),
        ("access requests", AccessRequest),
        ("price types", PriceType),
        ("prices", Price),
        ("contracts", Contract),
        ("price list items", PriceListItem),
        ("customer prices", CustomerPrice),
        ("quantity breaks", QuantityBreak),
        ("promotions", Promotion),
        ("warehouses", Warehouse),
        ("stock levels", StockLevel),
        ("incoming receipts", IncomingStock),
    )
    return {label: model.objects.count() for label, model in models}


def seed_demo(
    scale: str = "small", seed: int = DEFAULT_SEED, *, images_on: bool = True, log: Log = print
) -> SeedReport:
    """Load the demo data set unless it is already there; one transaction."""
    started = time.perf_counter()
    plan = SCALES[scale]
    with transaction.atomic():
        if demo_present():
            return SeedReport(loaded=False, counts=row_counts())
        taken = sorted(
            User.objects.filter(email__in=RESERVED_EMAILS).values_list("email", flat=True)
        )
        if taken:
            raise DemoDataConflict(
                "These demo logins already exist in a database without the demo data: "
                + ", ".join(taken)
                + ". Use an empty database, or remove those users first."
            )
        _Loader(plan, seed, images_on, log).run()
    # Bulk inserts send no signals: whatever a cache holds from an earlier database is stale.
    for generation in (CATALOG, PRICING, WAREHOUSES):
        generation.invalidate()
    analyze()
    return SeedReport(loaded=True, seconds=time.perf_counter() - started, counts=row_counts())


def analyze() -> None:
    """Fresh planner statistics after a bulk load. Without them PostgreSQL's first searches
    scan row by row instead of using the search indexes (63 ms against 14 ms on the large
    set) until autovacuum gets round to it, and SQLite sorts a dealer's whole catalog for
    its first page instead of walking the name index (7 ms against 1 ms).

    On PostgreSQL, outside a transaction, it is ``VACUUM ANALYZE``: the vacuum marks the
    new pages all-visible, so counts and facets read the listing index without visiting
    the table.
    """
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


class _Loader:
    def __init__(self, plan: Scale, seed: int, images_on: bool, log: Log) -> None:
        self.plan = plan
        self.seed = seed
        self.images_on = images_on
        self.log = log
        self.clock = ErpClock()
        self.catalog = CatalogLoader(self.clock, log)
        self.password = make_password(PASSWORD)  # hashed once, shared by every demo user
        self.regions: dict[str, Region] = {}
        self.groups: dict[str, CustomerGroup] = {}
        self.tiers: dict[str, Tier] = {}
        self.staff: dict[str, StaffProfile] = {}
        self.user_ids: dict[str, int] = {}
        self.served: dict[str, Sequence[str]] = {}  # staff e-mail -> category codes
        self.specs: Sequence[ProductSpec] = ()
        self.commerce: CommerceLoader | None = None

    def run(self) -> None:
        self._phase("reference data", self._reference)
        self._phase("categories", self.catalog.load_categories)
        self._phase("brands and attributes", self.catalog.load_brands_and_attributes)
        self._phase("staff", self._staff)
        self._phase("products", self._products)
        self._phase("dealers", self._dealers)
        self._phase("group catalogs", self._group_catalogs)
        self._phase("prices and contracts", self._prices_and_contracts)
        self._phase("warehouses and stock", self._warehouses_and_stock)
        self._phase("access requests and invites", self._prospects)
        self._phase("credit and orders", self._credit_and_orders)
        self._phase("shopping lists", load_shopping_lists)

    def _phase(self, label: str, step: Callable[[], None]) -> None:
        started = time.perf_counter()
        step()
        self.log(f"  {label}: {time.perf_counter() - started:.1f} s")

    # --- reference data ------------------------------------------------------------------------

    def _reference(self) -> None:
        regions = Region.objects.bulk_create(
            [
                Region(
                    code=r.code, name=r.name, external_id=f"DEMO-R-{r.code}", **self.clock.stamp()
                )
                for r in REGIONS
            ]
        )
        self.regions = {region.code: region for region in regions}
        groups = CustomerGroup.objects.bulk_create(
            [
                CustomerGroup(
                    code=g.code, name=g.name, external_id=f"DEMO-G-{g.code}", **self.clock.stamp()
                )
                for g in GROUPS
            ]
        )
        self.groups = {group.code: group for group in groups}
        tiers = Tier.objects.bulk_create(
            [
                Tier(
                    code=t.code,
                    name=t.name,
                    rank=t.rank,
                    external_id=f"DEMO-T-{t.code}",
                    **self.clock.stamp(),
                )
                for t in TIERS
            ]
        )
        self.tiers = {tier.code: tier for tier in tiers}

    # --- staff ---------------------------------------------------------------------------------

    def _staff(self) -> None:
        rows: list[tuple[User, StaffProfile, tuple[str, ...], tuple[str, ...]]] = []
        for number, spec in enumerate(STAFF, start=1):
            user = User(
                email=spec.email,
                full_name=spec.full_name,
                phone=spec.phone,
                is_staff=True,
                is_superuser=spec.superuser,
                password=self.password,
            )
            profile = StaffProfile(
                role=spec.role,
                title=spec.title,
                phone=spec.phone,
                external_id=f"DEMO-S-{number:03d}",
            )
            if spec.photo and self.images_on:
                profile.photo.name = self._avatar(spec.email, spec.full_name, number)
            rows.append((user, profile, spec.regions, spec.categories))
        first_generated = len(STAFF) + 1
        generated = generate_staff(self.plan.extra_staff, self.seed)
        for number, person in enumerate(generated, start=first_generated):
            user = User(
                email=person.email,
                full_name=person.full_name,
                phone=person.phone,
                is_staff=True,
                password=self.password,
            )
            profile = StaffProfile(
                role=StaffRole.SALES_MANAGER,
                title="Sales manager",
                phone=person.phone,
                external_id=f"DEMO-S-{number:03d}",
            )
            rows.append((user, profile, person.regions, person.categories))
        users = User.objects.bulk_create([user for user, _, _, _ in rows], batch_size=BATCH)
        for user, (_, profile, _, _) in zip(users, rows, strict=True):
            profile.user = user
        profiles = StaffProfile.objects.bulk_create(
            [profile for _, profile, _, _ in rows], batch_size=BATCH
        )
        self.staff = {profile.user.email: profile for profile in profiles}
        through = StaffProfile.regions.through
        through.objects.bulk_create(
            [
                through(staffprofile_id=profile.pk, region_id=self.regions[code].pk)
                for profile, (_, _, regions, _) in zip(profiles, rows, strict=True)
                for code in regions
            ]
        )
        self.served = {user.email: categories for user, _, _, categories in rows}

    def _avatar(self, email: str, full_name: str, number: int) -> str:
        name = f"staff/demo/{email.split('@')[0].replace('.', '-')}.png"
        if default_storage.exists(name):
            return name
        colour = AVATAR_COLOURS[number % len(AVATAR_COLOURS)]
        return default_storage.save(name, ContentFile(images.avatar(full_name, colour)))

    # --- catalog -------------------------------------------------------------------------------

    def _products(self) -> None:
        specs = self.specs = generate_products(self.plan.products, self.seed)
        per_leaf = self.plan.image_per_leaf if self.images_on else 0
        self.catalog.load_products(specs, per_leaf)
        self.catalog.assign_staff(self.staff, self.served)

    def _group_catalogs(self) -> None:
        categories = self.catalog.categories
        CatalogAssignment.objects.bulk_create(
            [
                CatalogAssignment(customer_group=self.groups[g.code], category=categories[code])
                for g in GROUPS
                for code in g.categories
            ]
        )

    # --- prices, contracts, warehouses and stock -------------------------------------------------

    def _commerce(self) -> CommerceLoader:
        if self.commerce is None:
            self.commerce = CommerceLoader(
                plan=self.plan.commerce,
                seed=self.seed,
                clock=self.clock,
                log=self.log,
                specs=self.specs,
                categories=self.catalog.categories,
                brand_ids=self.catalog.brand_ids,
                regions=self.regions,
                groups=self.groups,
                tiers=self.tiers,
            )
        return self.commerce

    def _prices_and_contracts(self) -> None:
        self._commerce().load_prices_and_contracts()

    def _warehouses_and_stock(self) -> None:
        self._commerce().load_warehouses_and_stock()

    # --- dealers -------------------------------------------------------------------------------

    def _dealers(self) -> None:
        managers = sorted(email for email, p in self.staff.items() if p.role != StaffRole.ADMIN)
        generated = generate_dealers(
            self.plan.companies - len(NAMED_DEALERS),
            self.seed,
            managers,
            first_number=len(NAMED_DEALERS) + 1,
        )
        dealers = chain(NAMED_DEALERS, generated)
        done = 0
        while chunk := list(islice(dealers, DEALER_CHUNK)):
            self._dealer_chunk(chunk)
            done += len(chunk)
            if self.plan.companies > DEALER_CHUNK:
                self.log(f"  dealers: {done:,} of {self.plan.companies:,}")

    def _dealer_chunk(self, chunk: Sequence[DealerSpec]) -> None:
        companies = Company.objects.bulk_create(
            [self._company(spec) for spec in chunk], batch_size=BATCH
        )
        users = User.objects.bulk_create(
            [
                User(email=person.email, full_name=person.full_name, password=self.password)
                for spec in chunk
                for person in spec.people
            ],
            batch_size=BATCH,
        )
        self.user_ids.update((user.email, user.pk) for user in users)
        Membership.objects.bulk_create(
            [
                Membership(user_id=self.user_ids[person.email], company=company, role=person.role)
                for spec, company in zip(chunk, companies, strict=True)
                for person in spec.people
            ],
            batch_size=BATCH,
        )
        CatalogAssignment.objects.bulk_create(
            [
                assignment
                for spec, company in zip(chunk, companies, strict=True)
                for assignment in self._company_catalog(spec, company)
            ],
            batch_size=BATCH,
        )

    def _company(self, spec: DealerSpec) -> Company:
        return Company(
            name=spec.name,
            name_key=company_key(spec.name),  # Company.save() would set it; bulk_create does not
            legal_name=spec.legal_name,
            tax_id=spec.tax_id,
            email=spec.email,
            phone=spec.phone,
            customer_group=self.groups[spec.group],
            tier=self.tiers[spec.tier],
            region=self.regions[spec.region],
            stock_display_policy=spec.policy,
            personal_manager=self.staff[spec.manager],
            is_blocked=bool(spec.blocked_reason),
            blocked_reason=spec.blocked_reason,
            external_id=spec.external_id,
            **self.clock.stamp(),
        )

    def _company_catalog(self, spec: DealerSpec, company: Company) -> list[CatalogAssignment]:
        """What this dealer sees beyond its group: whole branches, or products one by one."""
        rows = [
            CatalogAssignment(company=company, category=self.catalog.categories[code])
            for code in spec.extra_categories
        ]
        if not spec.extra_products_from:
            return rows
        # Named dealers get each leaf's first products; generated ones a spread, by number.
        offset = 0 if spec in NAMED_DEALERS else int(spec.external_id.rsplit("-", 1)[1]) * 7
        for leaf in spec.extra_products_from:
            ids = self.catalog.products_by_leaf.get(leaf, [])
            picked = {ids[(offset + k) % len(ids)] for k in range(spec.extra_product_count) if ids}
            rows.extend(CatalogAssignment(company=company, product_id=pk) for pk in sorted(picked))
        return rows

    # --- credit and orders -------------------------------------------------------------------

    def _credit_and_orders(self) -> None:
        """Credit positions for the two named dealers, and a short order history for Dealer
        One placed through the real service (stock reserved, outbox written)."""
        Company.objects.filter(external_id=DEALER_ONE.external_id).update(
            credit_limit=Decimal("25000.00"), balance=Decimal("8420.50")
        )
        Company.objects.filter(external_id=DEALER_TWO.external_id).update(
            credit_limit=Decimal("5000.00"),
            balance=Decimal("4100.00"),
            credit_policy=CreditPolicy.BLOCK,
        )
        one = Company.objects.get(external_id=DEALER_ONE.external_id)
        buyer = User.objects.get(email=DEALER_ONE.people[1].email)
        self._delivery(one, buyer)
        warehouse = default_warehouse_for(one, cached=False)
        if warehouse is None:
            return
        stocked = list(
            scope_for_company(one, cached=False)
            .products()
            .filter(stock_levels__warehouse=warehouse, stock_levels__on_hand__gte=1000)
            .order_by("sku")
            .values_list("pk", "min_quantity")[:12]
        )
        baskets = [stocked[0:4], stocked[4:7], stocked[7:12]]
        for number, basket in enumerate(baskets, start=1):
            if not basket:
                continue
            placed = place_order(
                one,
                buyer,
                [OrderLineRequest(pk, minimum * number) for pk, minimum in basket],
                submission_key=f"demo-order-{number:04d}",
                po_number=f"PO-2026-{100 + number}",
                source="demo data",
                notify=False,
            )
            if number == 2:
                cancel_order(
                    placed.order, actor=buyer, reason="Ordered twice by mistake", source="demo data"
                )
            if number == 1:
                # Last month's order, for "Repeat last month's order" on the dashboard.
                month_ago = timezone.now() - dt.timedelta(days=31)
                Order.objects.filter(pk=placed.order.pk).update(created_at=month_ago)
                placed.order.events.update(at=month_ago)

    def _delivery(self, company: Company, buyer: User) -> None:
        """Conditions on the delivery options, and Dealer One's address book."""
        terms: dict[str, dict[str, Any]] = {
            DeliveryMethod.PICKUP: {"lead_days": 0},
            DeliveryMethod.SUPPLIER: {
                "min_order_net": Decimal("500"),
                "fee_net": Decimal("45"),
                "free_from_net": Decimal("1500"),
                "lead_days": 2,
                "conditions": "Our trucks run Tuesdays and Fridays within 150 km of a depot.",
            },
            DeliveryMethod.CARRIER: {
                "fee_net": Decimal("18.90"),
                "free_from_net": Decimal("750"),
                "lead_days": 1,
            },
            DeliveryMethod.DROPSHIP: {
                "min_order_net": Decimal("100"),
                "fee_net": Decimal("24.90"),
                "lead_days": 3,
                "conditions": "Neutral packaging: no supplier prices go in the parcel.",
            },
        }
        for method, fields in terms.items():
            DeliveryOption.objects.filter(method=method).update(currency="EUR", **fields)
        for label, address, default in (
            (
                "Main shop",
                "Dealer One Electrical Installations Ltd\nHafenstraße 12\n20457 Hamburg",
                True,
            ),
            ("Workshop Altona", "Workshop — goods receiving\nGaußstraße 190\n22765 Hamburg", False),
        ):
            save_address(
                company,
                AddressInput(
                    label=label, address=address, phone="+49 40 5550 2100", is_default=default
                ),
                actor=buyer,
            )

    # --- prospects -----------------------------------------------------------------------------

    def _prospects(self) -> None:
        admin_id = self.staff[ADMIN_EMAIL].user_id
        now = timezone.now()
        prospects: list[ProspectSpec] = [
            *PROSPECTS,
            *generate_prospects(self.plan.prospects, self.seed),
        ]
        rows = []
        for prospect in prospects:
            contact = parse_contact(prospect.contact)
            rejected = bool(prospect.rejected_reason)
            rows.append(
                AccessRequest(
                    company_name=prospect.company_name,
                    name_key=company_key(prospect.company_name),
                    contact_name=prospect.contact_name,
                    contact=prospect.contact,
                    contact_email=contact.email,
                    contact_phone=contact.phone,
                    times_requested=prospect.times_requested,
                    status=AccessRequestStatus.REJECTED
                    if rejected
                    else AccessRequestStatus.PENDING,
                    decided_by_id=admin_id if rejected else None,
                    decided_at=now if rejected else None,
                    rejection_reason=prospect.rejected_reason,
                )
            )
        AccessRequest.objects.bulk_create(rows, batch_size=BATCH)
        owner = DEALER_ONE.people[0]
        Invite.objects.create(
            company=Company.objects.get(external_id=DEALER_ONE.external_id),
            email="new.buyer@dealer-one.example",
            role=MembershipRole.BUYER,
            token_hash=hash_token(f"demo-invite-{self.seed}"),
            invited_by_id=self.user_ids[owner.email],
            expires_at=now + settings.DEALERDESK_INVITE_TTL,
        )
