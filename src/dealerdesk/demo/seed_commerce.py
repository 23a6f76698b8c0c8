"""Loading the demo's commerce data: price types and prices, contracts, price lists, customer
prices, quantity breaks, promotions, warehouses, stock levels and incoming stock; and Dealer
One's shopping lists.

Deterministic like the rest of the demo: every choice comes from a ``random.Random`` seeded
with the demo seed and a purpose, and ERP change stamps come from the shared ``ErpClock``.
Only the calendar is taken from the day of the load: promotions run from yesterday to a month
ahead and receipts are due in the coming weeks, so that a demo loaded any day shows them as
current. Which products, brands and categories they concern never depends on the day.

Everything is a bulk load: ``bulk_create`` in batches for the small tables, and plain
multi-row inserts (``demo.rows.insert_rows``) for prices, quantity breaks, stock levels and
receipts, the quarter of a million rows of the large scale. In particular stock levels are
written directly: the inventory services (``set_stock_level`` …) are for ERP and staff changes
and write a ledger row and an audit entry for each; loading the demo is no such change, so it
writes no ledger (``StockMovement``) and no audit entries.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from dealerdesk.accounts.models import Company, CustomerGroup, Region, Tier, User
from dealerdesk.catalog.choices import Unit
from dealerdesk.catalog.models import Category, Product
from dealerdesk.catalog.queries import scope_for_company
from dealerdesk.demo.catalog_data import ProductSpec, category_specs
from dealerdesk.demo.people import DEALER_ONE, DEALER_TWO, GROUPS, NAMED_DEALERS, DealerSpec
from dealerdesk.demo.rows import db_datetime, insert_rows
from dealerdesk.demo.seed_catalog import BATCH, ErpClock, Log
from dealerdesk.inventory.models import (
    DefaultWarehouse,
    IncomingStock,
    StockLevel,
    Warehouse,
    WarehouseAccess,
)
from dealerdesk.ordering.models import ShoppingList, ShoppingListLine
from dealerdesk.ordering.rules import round_up
from dealerdesk.pricing.choices import PromotionKind
from dealerdesk.pricing.models import (
    Contract,
    CustomerPrice,
    Price,
    PriceList,
    PriceListItem,
    PriceType,
    Promotion,
    QuantityBreak,
)

# The columns after the values of each row ``insert_rows`` writes for an ``ErpRecord``.
ROW_STAMP_FIELDS = ("external_id", "erp_version", "erp_changed_at", "created_at", "updated_at")
CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")
ZERO = Decimal(0)

# --- price types ------------------------------------------------------------------------------

RETAIL, WHOLESALE, DEALER_A, WHOLESALE_USD = "RETAIL", "WHOLESALE", "DEALER-A", "WHOLESALE-USD"
USD_RATE = 1.085  # EUR -> USD the ERP converted the USD column with


@dataclass(frozen=True, slots=True)
class PriceTypeSpec:
    code: str
    name: str
    currency: str = "EUR"
    is_base: bool = False


PRICE_TYPES = (
    PriceTypeSpec(RETAIL, "Retail"),
    PriceTypeSpec(WHOLESALE, "Wholesale", is_base=True),
    PriceTypeSpec(DEALER_A, "Dealer A"),
    # The only USD column, so it is the base of USD contracts' explanations.
    PriceTypeSpec(WHOLESALE_USD, "Wholesale USD", currency="USD", is_base=True),
)

# Wholesale net price per unit of sale (metre, piece, pack, bag, roll) in EUR, lightest to
# heaviest product of the leaf: a bigger cross-section, more poles or a bigger box costs more.
PRICE_RANGES: dict[str, tuple[float, float]] = {
    # Electrical: cables and conduits per metre, the rest per piece or pack
    "NYM": (0.45, 9.0), "NYY": (0.6, 14.0), "FLEX": (0.35, 4.5), "DATA": (0.25, 1.6),
    "CNDF": (0.12, 1.1), "CNDR": (0.35, 2.4), "TRNK": (0.9, 9.5), "TIES": (1.9, 14.0),
    "FBOX": (6.0, 38.0), "JBOX": (0.9, 9.0), "SW": (2.8, 24.0), "SOCK": (2.9, 28.0),
    "FRM": (0.9, 14.0), "CONN": (6.0, 34.0), "LUG": (7.0, 65.0), "SHRK": (0.25, 3.5),
    "MCB": (2.4, 68.0), "RCD": (19.0, 240.0), "DB": (18.0, 340.0), "SPD": (38.0, 290.0),
    # Lighting
    "LEDA": (1.2, 9.0), "LEDS": (1.4, 12.0), "LEDT": (2.8, 14.0), "PANEL": (18.0, 95.0),
    "BAT": (14.0, 70.0), "DOWN": (5.0, 38.0), "FLOOD": (12.0, 140.0), "BULK": (9.0, 60.0),
    # Tools
    "DRIL": (79.0, 420.0), "GRIN": (45.0, 380.0), "SDS": (110.0, 890.0), "SCRV": (2.8, 19.0),
    "PLI": (9.0, 48.0), "LEVL": (8.0, 85.0), "TAPE": (4.0, 32.0), "BITM": (1.6, 28.0),
    "BITH": (0.45, 14.0), "HSAW": (6.0, 55.0), "BITS": (0.8, 14.0), "DISC": (4.5, 32.0),
    # Fasteners (mostly boxes)
    "SCRC": (4.5, 95.0), "DWS": (6.0, 38.0), "TEK": (9.0, 85.0), "WCS": (9.0, 75.0),
    "ROD": (1.2, 14.0), "PLUG": (1.8, 16.0), "FRA": (9.0, 48.0), "HWA": (8.0, 42.0),
    "HEX": (6.0, 95.0), "NUT": (2.5, 38.0), "NAIL": (9.0, 28.0),
    # Dry construction
    "GKB": (5.2, 15.0), "CEMB": (14.0, 42.0), "CWUW": (2.4, 9.5), "CDUD": (2.1, 6.8),
    "PACC": (14.0, 38.0), "FILL": (6.0, 28.0), "JTAP": (2.5, 14.0), "MW": (19.0, 95.0),
    "EPS": (14.0, 85.0),
    # Plumbing: pipes per metre
    "MLC": (1.1, 7.5), "PPR": (1.4, 9.0), "HT": (1.1, 9.5), "PRES": (2.8, 38.0),
    "HTF": (0.6, 6.5), "BV": (6.5, 75.0),
    # Paints
    "WALL": (18.0, 110.0), "PRIM": (14.0, 85.0), "FAC": (22.0, 120.0), "ROLL": (3.5, 16.0),
    "BRSH": (1.9, 14.0),
    # Building chemicals
    "SIL": (3.2, 12.0), "PUF": (4.5, 14.0), "CEM": (4.8, 9.5), "TILE": (8.0, 28.0),
}  # fmt: skip
FALLBACK_RANGE = (2.0, 60.0)  # a leaf added to the vocabulary without a range here


def money(value: float) -> Decimal:
    """An ERP net amount: cents from 1.00 up, four places below (cable per metre: 0.4270)."""
    places = CENT if value >= 1 else TEN_THOUSANDTH
    return Decimal(f"{value:.6f}").quantize(places, rounding=ROUND_HALF_UP)


def wholesale_prices(specs: Sequence[ProductSpec], seed: int) -> list[Decimal]:
    """The base (Wholesale EUR) price of each product, in the order of ``specs``.

    Within a leaf the price rises with the unit weight from the leaf's low to its high end
    (log scale), with a few per cent of noise; the same seed gives the same prices.
    """
    rng = random.Random(f"{seed}:prices")
    by_leaf: dict[str, list[int]] = defaultdict(list)
    for index, spec in enumerate(specs):
        by_leaf[spec.category].append(index)
    amounts = [ZERO] * len(specs)
    for leaf in sorted(by_leaf):
        ranked = sorted(by_leaf[leaf], key=lambda i: (specs[i].weight_kg, i))
        low, high = PRICE_RANGES.get(leaf, FALLBACK_RANGE)
        last = max(1, len(ranked) - 1)
        for rank, index in enumerate(ranked):
            position = rank / last if len(ranked) > 1 else 0.5
            amounts[index] = money(low * (high / low) ** position * rng.uniform(0.94, 1.06))
    return amounts


def scaled(amount: Decimal, factor: float) -> Decimal:
    return money(float(amount) * factor)


# --- contracts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractSpec:
    name: str
    price_type: str | None  # price type code; None: the base type of the currency
    markup: str = "0"
    terms: int = 0
    prepayment: str = "0"
    currency: str = "EUR"
    default: bool = False


PREPAYMENT = ContractSpec("100% prepayment", WHOLESALE, prepayment="100", default=True)
NAMED_CONTRACTS: dict[str, tuple[ContractSpec, ...]] = {
    DEALER_ONE.external_id: (
        PREPAYMENT,
        ContractSpec("Deferment 30 days", WHOLESALE, markup="3", terms=30),
        ContractSpec("Deferment 45 days", WHOLESALE, markup="4.5", terms=45),
        ContractSpec("USD contract", WHOLESALE_USD, terms=30, currency="USD"),
    ),
    DEALER_TWO.external_id: (
        ContractSpec("Deferment 15 days", DEALER_A, terms=15, default=True),
        ContractSpec("Deferment 30 days", DEALER_A, markup="2", terms=30),
    ),
}
DEFER_7 = ContractSpec("Deferment 7 days", WHOLESALE, markup="1", terms=7)
DEFER_15 = ContractSpec("Deferment 15 days", WHOLESALE, markup="1.5", terms=15, default=True)
DEFER_30_A = ContractSpec("Deferment 30 days", DEALER_A, terms=30, default=True)
DEALER_A_TIERS = frozenset({"GOLD", "PLATINUM"})  # their contracts use the Dealer A column
BASE_PREPAYMENT = ContractSpec("100% prepayment", None, prepayment="100", default=True)


def other_contracts(tier: str, rng: random.Random, one_only: bool) -> tuple[ContractSpec, ...]:
    """A dealer without named contracts: a default by tier, sometimes a deferment besides."""
    if tier in DEALER_A_TIERS:
        first = DEFER_30_A
    else:
        first = BASE_PREPAYMENT if rng.random() < 0.5 else DEFER_15
    if one_only or first is not BASE_PREPAYMENT or rng.random() < 0.4:
        return (first,)
    return (first, DEFER_7)


# --- warehouses -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WarehouseSpec:
    code: str
    name: str
    region: str | None
    address: str
    lead_time_days: int
    open_to_all: bool = False
    for_regions: tuple[str, ...] = ()
    for_groups: tuple[str, ...] = ()
    coverage: float = 1.0  # share of products carried at the large scale
    size: float = 1.0  # how much stock relative to the others


WAREHOUSES = (
    WarehouseSpec(
        "CENTRAL",
        "Central warehouse",
        "CENTRAL",
        "Logistics Park 1\n34100 Centerville",
        1,
        open_to_all=True,
        coverage=1.0,
        size=3.0,
    ),
    WarehouseSpec(
        "NORTH",
        "North depot",
        "NORTH",
        "Harbour Road 17\n20457 Northport",
        1,
        for_regions=("NORTH",),
        coverage=0.55,
    ),
    WarehouseSpec(
        "SOUTH",
        "South depot",
        "SOUTH",
        "Industrial Estate 4\n80939 Southam",
        2,
        for_regions=("SOUTH",),
        coverage=0.55,
    ),
    WarehouseSpec(
        "DROP",
        "Dropship partner",
        "WEST",
        "Partner warehouse, Canal Street 90\n47059 Westbury",
        5,
        for_groups=("ELEC",),
        coverage=0.3,
        size=0.5,
    ),
)
DEFAULT_WAREHOUSES = {DEALER_ONE.external_id: "NORTH", DEALER_TWO.external_id: "SOUTH"}


# --- the loader -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommercePlan:
    usd_products: int | None  # the first N products have a USD price; None: all
    retail_skip: int  # every N-th product has no Retail price; 0: all have one
    partial_stock: bool  # False: every warehouse carries every product
    customer_priced: int  # generated dealers with one to three negotiated prices


@dataclass(frozen=True)
class Audience:
    """A dealer as far as choosing its prices goes."""

    pk: int
    number: int
    group: str
    tier: str


class CommerceLoader:
    """Writes everything pricing and availability read, after the catalog and the dealers."""

    def __init__(
        self,
        *,
        plan: CommercePlan,
        seed: int,
        clock: ErpClock,
        log: Log,
        specs: Sequence[ProductSpec],
        categories: dict[str, Category],
        brand_ids: dict[str, int],
        regions: dict[str, Region],
        groups: dict[str, CustomerGroup],
        tiers: dict[str, Tier],
    ) -> None:
        self.plan = plan
        self.seed = seed
        self.clock = clock
        self.log = log
        self.specs = specs
        self.categories = categories
        self.brand_ids = brand_ids
        self.regions = regions
        self.groups = groups
        self.tiers = tiers
        ids = dict(Product.objects.values_list("external_id", "pk"))
        self.pks: list[int] = [ids[spec.external_id] for spec in specs]
        self.wholesale = wholesale_prices(specs, seed)
        self.dealer_a: list[Decimal] = []  # filled with the prices
        self.list_amounts: dict[str, dict[int, Decimal]] = defaultdict(dict)  # "tier:GOLD"
        self.now = timezone.now()
        self.db_now = db_datetime(self.now)
        self.price_types: dict[str, PriceType] = {}
        self.contracts: dict[tuple[str, str], Contract] = {}  # (company ext id, name)
        self.warehouses: dict[str, Warehouse] = {}
        self.companies: list[Audience] = []
        self.named: dict[str, Audience] = {}
        # Which leaves a category code covers: a leaf, its branch, its department.
        self.under: dict[str, set[str]] = defaultdict(set)
        parents = {c.code: c.parent for c in category_specs()}
        for code in parents:
            node: str | None = code
            while node is not None:
                self.under[node].add(code)
                node = parents[node]

    # --- helpers -----------------------------------------------------------------------------

    def _row_stamp(self, key: str) -> tuple[Any, ...]:
        """External id, ERP stamp and row times for a row written by ``insert_rows``."""
        stamp = self.clock.stamp()
        return (
            f"DEMO-{key}",
            stamp["erp_version"],
            db_datetime(stamp["erp_changed_at"]),
            self.db_now,
            self.db_now,
        )

    def _visible(self, codes: Iterable[str]) -> list[int]:
        """Indexes (into ``specs``) of active products under these category codes."""
        leaves: set[str] = set()
        for code in codes:
            leaves |= self.under.get(code, set())
        return [i for i, s in enumerate(self.specs) if s.is_active and s.category in leaves]

    def _dealer_visible(self, dealer: DealerSpec) -> list[int]:
        group = next(g for g in GROUPS if g.code == dealer.group)
        return self._visible((*group.categories, *dealer.extra_categories))

    def _load_companies(self) -> None:
        group_codes = {group.pk: code for code, group in self.groups.items()}
        tier_codes = {tier.pk: code for code, tier in self.tiers.items()}
        for pk, external_id, group_id, tier_id in (
            Company.objects.filter(external_id__startswith="DEMO-CP-")
            .order_by("external_id")
            .values_list("pk", "external_id", "customer_group_id", "tier_id")
        ):
            external_id = external_id or ""
            audience = Audience(
                pk=pk,
                number=int(external_id.rsplit("-", 1)[1]),
                group=group_codes.get(group_id, ""),
                tier=tier_codes.get(tier_id, ""),
            )
            self.companies.append(audience)
            self.named[external_id] = audience

    # --- prices and contracts ----------------------------------------------------------------

    def load_prices_and_contracts(self) -> None:
        self._load_companies()
        self._price_types()
        self._prices()
        self._contracts()
        self._price_lists()
        self._customer_prices()
        self._quantity_breaks()
        self._promotions()

    def _price_types(self) -> None:
        rows = PriceType.objects.bulk_create(
            [
                PriceType(
                    code=spec.code,
                    name=spec.name,
                    currency=spec.currency,
                    is_base=spec.is_base,
                    external_id=f"DEMO-PT-{spec.code}",
                    **self.clock.stamp(),
                )
                for spec in PRICE_TYPES
            ]
        )
        self.price_types = {row.code: row for row in rows}

    def _prices(self) -> None:
        """Wholesale and Dealer A for every product, Retail for most, USD for the first N."""
        rng = random.Random(f"{self.seed}:price-types")
        types = {code: row.pk for code, row in self.price_types.items()}
        usd_count = self.plan.usd_products
        usd_count = len(self.specs) if usd_count is None else min(usd_count, len(self.specs))
        fields = (
            "product", "price_type", "amount", "valid_from", "valid_to",
            *ROW_STAMP_FIELDS,
        )  # fmt: skip
        rows: list[tuple[Any, ...]] = []
        for index, spec in enumerate(self.specs):
            pk, base = self.pks[index], self.wholesale[index]
            number = spec.external_id.rsplit("-", 1)[1]
            amounts = {WHOLESALE: base, DEALER_A: scaled(base, 1 - rng.uniform(0.06, 0.10))}
            self.dealer_a.append(amounts[DEALER_A])
            if not self.plan.retail_skip or (index + 1) % self.plan.retail_skip:
                amounts[RETAIL] = scaled(base, rng.uniform(1.32, 1.45))
            if index < usd_count:
                amounts[WHOLESALE_USD] = scaled(base, USD_RATE)
            rows.extend(
                (pk, types[code], amount, None, None, *self._row_stamp(f"PR-{code}-{number}"))
                for code, amount in amounts.items()
            )
        insert_rows(Price, fields, rows)

    def _contracts(self) -> None:
        rng = random.Random(f"{self.seed}:contracts")
        rows: list[tuple[str, Contract]] = []
        named = {dealer.external_id for dealer in NAMED_DEALERS}
        for company in self.companies:
            external_id = f"DEMO-CP-{company.number:05d}"
            specs = NAMED_CONTRACTS.get(external_id) or other_contracts(
                company.tier, rng, one_only=external_id not in named
            )
            for number, spec in enumerate(specs, start=1):
                contract = Contract(
                    company_id=company.pk,
                    name=spec.name,
                    payment_terms_days=spec.terms,
                    prepayment_percent=Decimal(spec.prepayment),
                    currency=spec.currency,
                    price_type=self.price_types[spec.price_type] if spec.price_type else None,
                    markup_percent=Decimal(spec.markup),
                    is_default=spec.default,
                    external_id=f"DEMO-K-{company.number:05d}-{number}",
                    **self.clock.stamp(),
                )
                rows.append((external_id, contract))
        Contract.objects.bulk_create([contract for _, contract in rows], batch_size=BATCH)
        self.contracts = {
            (external_id, contract.name): contract
            for external_id, contract in rows
            if external_id in named
        }

    def _price_lists(self) -> None:
        """A group list (priority 10) and a tier list (priority 5) that overlap a little.

        Both lie below Wholesale; the tier list is the cheaper one (below Dealer A too, the
        price type of gold dealers' contracts), so where they overlap Dealer One sees that
        the higher priority wins, not the lower price.
        """
        rng = random.Random(f"{self.seed}:price-lists")
        elec = self._visible(next(g for g in GROUPS if g.code == "ELEC").categories)
        group_items = sorted(rng.sample(elec, min(40, len(elec))))
        taken = set(group_items)
        rest = [i for i, spec in enumerate(self.specs) if spec.is_active and i not in taken]
        tier_items = sorted(group_items[:10] + rng.sample(rest, min(30, len(rest))))
        lists = PriceList.objects.bulk_create(
            [
                PriceList(
                    name="Electrical installers net prices",
                    priority=10,
                    customer_group=self.groups["ELEC"],
                    external_id="DEMO-PL-ELEC",
                    **self.clock.stamp(),
                ),
                PriceList(
                    name="Gold partner prices",
                    priority=5,
                    tier=self.tiers["GOLD"],
                    external_id="DEMO-PL-GOLD",
                    **self.clock.stamp(),
                ),
            ]
        )
        rows: list[PriceListItem] = []
        for price_list, key, items, (low, high) in (
            (lists[0], "group:ELEC", group_items, (0.91, 0.95)),
            (lists[1], "tier:GOLD", tier_items, (0.85, 0.89)),
        ):
            amounts = self.list_amounts[key]
            for index in items:
                amounts[index] = scaled(self.wholesale[index], rng.uniform(low, high))
                rows.append(
                    PriceListItem(
                        price_list=price_list, product_id=self.pks[index], amount=amounts[index]
                    )
                )
        PriceListItem.objects.bulk_create(rows)

    def _best_price(self, index: int, company: Audience, dealer_a: bool) -> Decimal:
        """The lowest price the dealer has for a product without a negotiated one."""
        own = self.dealer_a[index] if dealer_a else self.wholesale[index]
        listed = (
            self.list_amounts.get(key, {}).get(index)
            for key in (f"group:{company.group}", f"tier:{company.tier}")
        )
        return min([own, *(amount for amount in listed if amount is not None)])

    def _customer_prices(self) -> None:
        rng = random.Random(f"{self.seed}:customer-prices")
        one, two = self.named[DEALER_ONE.external_id], self.named[DEALER_TWO.external_id]
        one_sees = self._dealer_visible(DEALER_ONE)
        two_sees = set(self._dealer_visible(DEALER_TWO))
        shared = [i for i in one_sees if i in two_sees]
        own = [i for i in one_sees if i not in two_sees]
        # Dealer One: 6 products Dealer Two sees too, 24 of its own; general prices.
        one_picks = sorted(rng.sample(shared, min(6, len(shared))))
        one_picks += sorted(rng.sample(own, min(24, len(own))))
        rows: list[CustomerPrice] = []
        one_amounts: dict[int, Decimal] = {}
        # A negotiated price is always below what the dealer would pay without it.
        for index in one_picks:
            best = self._best_price(index, one, dealer_a=False)
            one_amounts[index] = scaled(best, rng.uniform(0.90, 0.96))
            rows.append(self._customer_price(one, index, one_amounts[index]))
        # Six of them cost a little more under the longest deferment (contract-specific).
        deferment = self.contracts[(DEALER_ONE.external_id, "Deferment 45 days")]
        for index in one_picks[-6:]:
            amount = scaled(one_amounts[index], 1.025)
            rows.append(self._customer_price(one, index, amount, deferment))
        # Two negotiated USD prices for the currency contract.
        usd = self.contracts[(DEALER_ONE.external_id, "USD contract")]
        usd_limit = self.plan.usd_products or len(self.specs)
        for index in [i for i in one_picks if i < usd_limit][:2]:
            amount = scaled(one_amounts[index], USD_RATE)
            rows.append(self._customer_price(one, index, amount, usd))
        # Dealer Two: three of Dealer One's shared products at its own price, seven others.
        two_picks = one_picks[:3]
        others = sorted(two_sees - set(one_picks))
        two_picks += sorted(rng.sample(others, min(7, len(others))))
        for index in two_picks:
            amount = scaled(self._best_price(index, two, dealer_a=True), rng.uniform(0.93, 0.97))
            if amount == one_amounts.get(index):
                amount += CENT
            rows.append(self._customer_price(two, index, amount))
        rows.extend(self._generated_customer_prices(rng))
        CustomerPrice.objects.bulk_create(rows, batch_size=BATCH)

    def _generated_customer_prices(self, rng: random.Random) -> Iterator[CustomerPrice]:
        named = {dealer.external_id for dealer in NAMED_DEALERS}
        generated = [c for c in self.companies if f"DEMO-CP-{c.number:05d}" not in named]
        visible = {group.code: self._visible(group.categories) for group in GROUPS}
        for company in generated[: self.plan.customer_priced]:
            candidates = visible.get(company.group) or []
            for index in sorted(rng.sample(candidates, min(rng.randint(1, 3), len(candidates)))):
                best = self._best_price(index, company, company.tier in DEALER_A_TIERS)
                amount = scaled(best, rng.uniform(0.90, 0.96))
                yield self._customer_price(company, index, amount)

    def _customer_price(
        self, company: Audience, index: int, amount: Decimal, contract: Contract | None = None
    ) -> CustomerPrice:
        stamp = self.clock.stamp()
        return CustomerPrice(
            company_id=company.pk,
            product_id=self.pks[index],
            contract=contract,
            currency=contract.currency if contract else "EUR",
            amount=amount,
            external_id=f"DEMO-CPR-{stamp['erp_version']}",
            **stamp,
        )

    def _quantity_breaks(self) -> None:
        """About 15 % of products: 5 % off from the first threshold, 10 % from the second.

        Dealer One has its own, steeper breaks on three products; builders' merchants a group
        break on three boards.
        """
        rng = random.Random(f"{self.seed}:breaks")
        one = self.named[DEALER_ONE.external_id].pk
        merchants = self.groups["BLDM"].pk
        # (product index, threshold, percent off, company id, customer group id)
        breaks: list[tuple[int, Decimal, int, int | None, int | None]] = []
        for index, spec in enumerate(self.specs):
            if rng.random() >= 0.15:
                continue
            first, second = (250, 1000) if spec.unit == Unit.METRE else (50, 200)
            low = self._threshold(spec, first)
            high = max(self._threshold(spec, second), low * 4)
            breaks += [(index, low, 5, None, None), (index, high, 10, None, None)]
        for index in sorted(rng.sample(self._dealer_visible(DEALER_ONE), 3)):
            spec = self.specs[index]
            breaks += [
                (index, self._threshold(spec, 20), 7, one, None),
                (index, self._threshold(spec, 100), 12, one, None),
            ]
        boards = self._visible(("DC-BOARDS",))
        for index in sorted(rng.sample(boards, min(3, len(boards)))):
            breaks.append((index, self._threshold(self.specs[index], 100), 6, None, merchants))
        now = db_datetime(self.now)
        insert_rows(
            QuantityBreak,
            (
                "product", "min_quantity", "discount_percent", "company", "customer_group",
                "created_at", "updated_at",
            ),
            (
                (self.pks[index], quantity, Decimal(percent), company, group, now, now)
                for index, quantity, percent, company, group in breaks
            ),
        )  # fmt: skip

    @staticmethod
    def _threshold(spec: ProductSpec, quantity: int) -> Decimal:
        """``quantity`` rounded up to the pack multiple, never below the minimum order."""
        pack = spec.pack_multiple
        packs = -(-Decimal(quantity) // pack)
        return max(packs * pack, spec.min_quantity)

    def _promotions(self) -> None:
        """Four running (brand, category, fixed price, a group's category), one to come."""
        now = timezone.now().replace(microsecond=0)
        running = {"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=30)}
        later = {"starts_at": now + timedelta(days=14), "ends_at": now + timedelta(days=44)}
        one_sees = self._dealer_visible(DEALER_ONE)
        two_sees = set(self._dealer_visible(DEALER_TWO))
        brands = Counter(self.specs[i].brand for i in one_sees)
        brand = min(brands, key=lambda name: (-brands[name], name))
        priced = set(CustomerPrice.objects.values_list("product_id", flat=True))
        deal = next(
            (i for i in one_sees if i in two_sees and self.pks[i] not in priced), one_sees[0]
        )
        cat = self.categories
        Promotion.objects.bulk_create(
            [
                Promotion(
                    name=f"{brand} brand weeks",
                    kind=PromotionKind.PERCENT_OFF,
                    value=Decimal(12),
                    brand_id=self.brand_ids[brand],
                    **running,
                ),
                Promotion(
                    name="LED lamps: switch now",
                    kind=PromotionKind.PERCENT_OFF,
                    value=Decimal(15),
                    category=cat["LI-LED-LAMPS"],
                    **running,
                ),
                Promotion(
                    name=f"Deal of the month: {self.specs[deal].name}"[:150],
                    kind=PromotionKind.FIXED_PRICE,
                    value=scaled(self.wholesale[deal], 0.8),
                    product_id=self.pks[deal],
                    **running,
                ),
                Promotion(
                    name="Merchants' board offer",
                    kind=PromotionKind.PERCENT_OFF,
                    value=Decimal(8),
                    category=cat["DC"],
                    customer_group=self.groups["BLDM"],
                    **running,
                ),
                Promotion(
                    name="Spring tools event",
                    kind=PromotionKind.PERCENT_OFF,
                    value=Decimal(10),
                    category=cat["TO"],
                    **later,
                ),
            ]
        )

    # --- warehouses and stock -----------------------------------------------------------------

    def load_warehouses_and_stock(self) -> None:
        if not self.companies:
            self._load_companies()
        warehouses = Warehouse.objects.bulk_create(
            [
                Warehouse(
                    code=spec.code,
                    name=spec.name,
                    region=self.regions[spec.region] if spec.region else None,
                    address=spec.address,
                    lead_time_days=spec.lead_time_days,
                    open_to_all=spec.open_to_all,
                    sort_order=number * 10,
                    external_id=f"DEMO-W-{spec.code}",
                    **self.clock.stamp(),
                )
                for number, spec in enumerate(WAREHOUSES, start=1)
            ]
        )
        self.warehouses = {w.code: w for w in warehouses}
        WarehouseAccess.objects.bulk_create(
            [
                WarehouseAccess(warehouse=self.warehouses[spec.code], region=self.regions[code])
                for spec in WAREHOUSES
                for code in spec.for_regions
            ]
            + [
                WarehouseAccess(
                    warehouse=self.warehouses[spec.code], customer_group=self.groups[code]
                )
                for spec in WAREHOUSES
                for code in spec.for_groups
            ]
        )
        DefaultWarehouse.objects.bulk_create(
            [
                DefaultWarehouse(
                    company_id=self.named[external_id].pk, warehouse=self.warehouses[code]
                )
                for external_id, code in DEFAULT_WAREHOUSES.items()
            ]
        )
        self._stock()

    def _stock(self) -> None:
        rng = random.Random(f"{self.seed}:stock")
        today = timezone.localdate()
        now = db_datetime(self.now)
        levels: list[tuple[Any, ...]] = []
        incoming: list[tuple[Any, ...]] = []
        for index, spec in enumerate(self.specs):
            pk = self.pks[index]
            number = spec.external_id.rsplit("-", 1)[1]
            for warehouse_spec in WAREHOUSES:
                carried = rng.random() < warehouse_spec.coverage
                if self.plan.partial_stock and not carried:
                    continue
                warehouse = self.warehouses[warehouse_spec.code].pk
                on_hand = self._on_hand(rng, spec, warehouse_spec.size)
                reserved = safety = ZERO
                if on_hand and rng.random() < 0.2:
                    reserved = self._packs(spec, float(on_hand) * rng.uniform(0.05, 0.4))
                if on_hand and rng.random() < 0.05:
                    safety = spec.pack_multiple * rng.randint(1, 5)
                # A stock row has no ERP id of its own (the ERP names it by product and
                # warehouse): the stamp without one.
                stamp = self._row_stamp(f"SL-{warehouse_spec.code}-{number}")[1:]
                levels.append((pk, warehouse, on_hand, reserved, safety, *stamp))
                if rng.random() < 0.10:
                    for _ in range(rng.choice((1, 1, 1, 2))):
                        due = None if rng.random() < 0.05 else rng.randint(3, 42)
                        expected = today + timedelta(days=due) if due else None
                        quantity = self._incoming(rng, spec)
                        incoming.append((pk, warehouse, quantity, expected, now, now))
        insert_rows(
            StockLevel,
            ("product", "warehouse", "on_hand", "reserved", "safety_stock", *ROW_STAMP_FIELDS[1:]),
            levels,
        )
        insert_rows(
            IncomingStock,
            ("product", "warehouse", "quantity", "expected_date", "created_at", "updated_at"),
            incoming,
        )

    def _on_hand(self, rng: random.Random, spec: ProductSpec, size: float) -> Decimal:
        """Many at nought, many a handful, some hundreds, a few thousands."""
        roll = rng.random()
        if roll < 0.22:
            return ZERO
        if roll < 0.55:
            units = rng.randint(1, 20)
        elif roll < 0.85:
            units = rng.randint(21, 300)
        elif roll < 0.97:
            units = rng.randint(301, 3000)
        else:
            units = rng.randint(3001, 20000)
        per_metre = 10 if spec.unit == Unit.METRE else 1
        return self._packs(spec, units * size * per_metre) or spec.pack_multiple

    def _incoming(self, rng: random.Random, spec: ProductSpec) -> Decimal:
        per_metre = 10 if spec.unit == Unit.METRE else 1
        quantity = self._packs(spec, rng.choice((20, 50, 100, 200, 500, 1000)) * per_metre)
        return quantity or spec.pack_multiple

    @staticmethod
    def _packs(spec: ProductSpec, quantity: float) -> Decimal:
        """``quantity`` rounded down to whole packs."""
        pack = spec.pack_multiple
        return (Decimal(int(quantity)) // pack) * pack


# --- shopping lists ---------------------------------------------------------------------------

# Dealer One's lists: name, which of its people made it, and (SKU leaf, packs) per line.
SHOPPING_LISTS = (
    ("Weekly restock", 1, (("NYM", 3), ("MCB", 6), ("SOCK", 10), ("JBOX", 5), ("LEDA", 10))),
    ("Workshop consumables", 0, (("TIES", 3), ("SHRK", 2), ("DISC", 5), ("BITS", 2), ("PLUG", 4))),
)


def load_shopping_lists() -> None:
    """Dealer One's two shopping lists: the first product of each leaf above that its
    catalog holds, in whole packs. Written directly, like the rest of the load."""
    company = Company.objects.get(external_id=DEALER_ONE.external_id)
    scope = scope_for_company(company, cached=False)
    for name, person, wanted in SHOPPING_LISTS:
        user = User.objects.get(email=DEALER_ONE.people[person].email)
        shopping_list = ShoppingList.objects.create(company=company, name=name, created_by=user)
        firsts = [
            (scope.products().filter(sku__startswith=f"{leaf}-").order_by("sku").first(), packs)
            for leaf, packs in wanted
        ]
        ShoppingListLine.objects.bulk_create(
            ShoppingListLine(
                shopping_list=shopping_list,
                product=product,
                quantity=round_up(product, product.pack_multiple * packs),
            )
            for product, packs in firsts
            if product is not None
        )
