"""Demo vocabulary for the accounts side: regions, groups, tiers, staff, dealers, prospects.

The named logins (``DEMO_LOGINS``) are a promise to whoever runs ``make demo``; the rest is
generated deterministically from a seed. Every address is under ``example.com`` or an
``.example`` domain, which are reserved for documentation and can never reach a real inbox.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.text import slugify

from dealerdesk.accounts.choices import MembershipRole, StaffRole, StockDisplayPolicy

PASSWORD = "demo12345"  # noqa: S105 - the published demo password


@dataclass(frozen=True, slots=True)
class RegionSpec:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class GroupSpec:
    code: str
    name: str
    categories: tuple[str, ...]  # category codes opened to the whole group
    trades: tuple[str, ...]  # words generated dealer names of this group use


@dataclass(frozen=True, slots=True)
class TierSpec:
    code: str
    name: str
    rank: int


@dataclass(frozen=True, slots=True)
class StaffSpec:
    email: str
    full_name: str
    role: StaffRole
    title: str
    phone: str
    regions: tuple[str, ...]
    categories: tuple[str, ...]  # category codes this person serves
    photo: bool = False
    superuser: bool = False


@dataclass(frozen=True, slots=True)
class PersonSpec:
    email: str
    full_name: str
    role: MembershipRole


@dataclass(frozen=True, slots=True)
class DealerSpec:
    """A dealer company, its people, and what of the catalog it sees beyond its group."""

    external_id: str
    name: str
    legal_name: str
    group: str
    tier: str
    region: str
    policy: StockDisplayPolicy
    manager: str  # staff e-mail
    people: tuple[PersonSpec, ...]
    email: str = ""
    phone: str = ""
    tax_id: str = ""
    blocked_reason: str = ""
    extra_categories: tuple[str, ...] = ()
    extra_products_from: tuple[str, ...] = ()  # leaf codes: a few of their products each
    extra_product_count: int = 0


@dataclass(frozen=True, slots=True)
class ProspectSpec:
    company_name: str
    contact_name: str
    contact: str
    times_requested: int = 1
    rejected_reason: str = ""


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    role: str
    company: str


REGIONS = (
    RegionSpec("NORTH", "North"),
    RegionSpec("SOUTH", "South"),
    RegionSpec("EAST", "East"),
    RegionSpec("WEST", "West"),
    RegionSpec("CENTRAL", "Central"),
    RegionSpec("COAST", "Coast"),
    RegionSpec("METRO", "Metro area"),
    RegionSpec("MOUNTAIN", "Mountain districts"),
)

GROUPS = (
    GroupSpec(
        "ELEC",
        "Electrical installers",
        ("EL", "LI", "TO"),
        ("Electrical", "Electrics", "Electrical Services", "Power & Light", "Installations"),
    ),
    GroupSpec(
        "BLDM",
        "Builders' merchants",
        ("DC", "FA", "TO", "CH"),
        ("Builders' Merchants", "Building Supplies", "Timber & Building", "Trade Centre"),
    ),
    GroupSpec(
        "PLMB",
        "Plumbing & heating contractors",
        ("PL", "FA", "TO", "CH"),
        ("Plumbing & Heating", "Heating Services", "Sanitary Installations"),
    ),
    GroupSpec(
        "GENC",
        "General contractors",
        ("DC", "FA", "CH", "PA", "TO"),
        ("Construction", "Contractors", "Building Services", "Developments"),
    ),
    GroupSpec(
        "DIY",
        "DIY retailers",
        ("PA", "TO", "FA", "LI-LED-LAMPS"),
        ("DIY", "Home & Garden", "Hardware"),
    ),
    GroupSpec(
        "FM",
        "Facility management",
        ("LI", "EL-SWITCHES-SOCKETS", "PA", "TO"),
        ("Facility Services", "Property Maintenance", "Maintenance"),
    ),
)

TIERS = (
    TierSpec("BRONZE", "Bronze", 1),
    TierSpec("SILVER", "Silver", 2),
    TierSpec("GOLD", "Gold", 3),
    TierSpec("PLATINUM", "Platinum", 4),
)

ADMIN_EMAIL = "admin@example.com"
MANAGER_EMAIL = "manager@example.com"
SECOND_MANAGER_EMAIL = "tom.berger@example.com"

STAFF = (
    StaffSpec(
        ADMIN_EMAIL,
        "Ada Lindqvist",
        StaffRole.ADMIN,
        "Portal administrator",
        "+49 30 5550 1000",
        (),
        (),
        superuser=True,
    ),
    StaffSpec(
        MANAGER_EMAIL,
        "Maria Novak",
        StaffRole.SALES_MANAGER,
        "Key account manager, electrical",
        "+49 30 5550 1234",
        ("NORTH", "CENTRAL", "METRO"),
        ("EL", "LI", "TO"),
        photo=True,
    ),
    StaffSpec(
        SECOND_MANAGER_EMAIL,
        "Tom Berger",
        StaffRole.SALES_MANAGER,
        "Sales manager, building materials",
        "+49 30 5550 1260",
        ("SOUTH", "WEST", "EAST"),
        ("DC", "FA", "PL", "PA", "CH"),
        photo=True,
    ),
)

DEALER_ONE = DealerSpec(
    external_id="DEMO-CP-00001",
    name="Dealer One",
    legal_name="Dealer One Electrical Installations Ltd",
    group="ELEC",
    tier="GOLD",
    region="NORTH",
    policy=StockDisplayPolicy.EXACT,
    manager=MANAGER_EMAIL,
    people=(
        PersonSpec("owner@dealer-one.example", "Olivia Hart", MembershipRole.OWNER),
        PersonSpec("buyer@dealer-one.example", "Ben Carter", MembershipRole.BUYER),
    ),
    email="orders@dealer-one.example",
    phone="+49 40 5550 2100",
    tax_id="DE100000001",
    # Electricians fix their boxes and trunking too: one fastener branch on top of the group.
    extra_categories=("FA-ANCHORS-PLUGS",),
)
DEALER_TWO = DealerSpec(
    external_id="DEMO-CP-00002",
    name="Dealer Two",
    legal_name="Dealer Two Builders' Merchants Ltd",
    group="BLDM",
    tier="SILVER",
    region="SOUTH",
    policy=StockDisplayPolicy.BANDED,
    manager=SECOND_MANAGER_EMAIL,
    people=(PersonSpec("buyer@dealer-two.example", "Clara Weber", MembershipRole.BUYER),),
    email="purchasing@dealer-two.example",
    phone="+49 89 5550 3100",
    tax_id="DE100000002",
    # A merchant that stocks a handful of electrical basics, opened product by product.
    extra_products_from=("NYM", "FBOX", "SOCK"),
    extra_product_count=3,
)
MARKER_EXTERNAL_ID = DEALER_ONE.external_id


def _dealer(
    number: int,
    name: str,
    group: str,
    tier: str,
    region: str,
    policy: StockDisplayPolicy,
    manager: str,
    people: tuple[tuple[str, str, MembershipRole], ...],
    blocked_reason: str = "",
) -> DealerSpec:
    domain = f"{slugify(name)}.example"
    return DealerSpec(
        external_id=f"DEMO-CP-{number:05d}",
        name=name,
        legal_name=f"{name} Ltd",
        group=group,
        tier=tier,
        region=region,
        policy=policy,
        manager=manager,
        people=tuple(PersonSpec(f"{local}@{domain}", full, role) for local, full, role in people),
        email=f"orders@{domain}",
        phone=f"+49 30 5550 {4000 + number}",
        tax_id=f"DE1000{number:05d}",
        blocked_reason=blocked_reason,
    )


OWNER, BUYER, ACCOUNTANT = MembershipRole.OWNER, MembershipRole.BUYER, MembershipRole.ACCOUNTANT
NAMED_DEALERS: tuple[DealerSpec, ...] = (
    DEALER_ONE,
    DEALER_TWO,
    _dealer(
        3,
        "Brightline Electrical",
        "ELEC",
        "SILVER",
        "CENTRAL",
        StockDisplayPolicy.IN_OUT,
        MANAGER_EMAIL,
        (("sam.price", "Sam Price", OWNER),),
    ),
    _dealer(
        4,
        "Stonegate Construction",
        "GENC",
        "BRONZE",
        "METRO",
        StockDisplayPolicy.BANDED,
        MANAGER_EMAIL,
        (("j.moreau", "Julien Moreau", OWNER), ("accounts", "Ines Rossi", ACCOUNTANT)),
    ),
    _dealer(
        5,
        "Oakfield Builders' Merchants",
        "BLDM",
        "GOLD",
        "WEST",
        StockDisplayPolicy.EXACT,
        SECOND_MANAGER_EMAIL,
        (("paul.jensen", "Paul Jensen", OWNER), ("desk", "Lea Horvat", BUYER)),
    ),
    _dealer(
        6,
        "Riverside Plumbing & Heating",
        "PLMB",
        "SILVER",
        "SOUTH",
        StockDisplayPolicy.EXACT,
        SECOND_MANAGER_EMAIL,
        (("omar.silva", "Omar Silva", OWNER),),
    ),
    _dealer(
        7,
        "Hillcrest DIY",
        "DIY",
        "BRONZE",
        "EAST",
        StockDisplayPolicy.HIDDEN,
        SECOND_MANAGER_EMAIL,
        (("nina.costa", "Nina Costa", OWNER),),
    ),
    _dealer(
        8,
        "Quickfix Trade Supplies",
        "GENC",
        "BRONZE",
        "CENTRAL",
        StockDisplayPolicy.EXACT,
        MANAGER_EMAIL,
        (("max.wolf", "Max Wolf", OWNER),),
        blocked_reason="Blocked in the ERP: invoices overdue by more than 60 days.",
    ),
)

DEMO_LOGINS = (
    DemoLogin(ADMIN_EMAIL, "supplier admin", "—"),
    DemoLogin(MANAGER_EMAIL, "sales manager", "—"),
    DemoLogin("owner@dealer-one.example", "owner", DEALER_ONE.name),
    DemoLogin("buyer@dealer-one.example", "buyer", DEALER_ONE.name),
    DemoLogin("buyer@dealer-two.example", "buyer", DEALER_TWO.name),
)
RESERVED_EMAILS = tuple(
    [staff.email for staff in STAFF]
    + [person.email for dealer in NAMED_DEALERS for person in dealer.people]
)

PROSPECTS = (
    ProspectSpec("Sparkwell Electrical", "Hugo Lange", "hugo@sparkwell.example"),
    ProspectSpec("Greenbuild Interiors", "Tara Klein", "+49 30 55501234", times_requested=2),
    ProspectSpec("Hammerhead Renovations", "Victor Braun", "office@hammerhead.example"),
    ProspectSpec(
        "Cheap Deals Online",
        "Rob Steel",
        "rob@cheapdeals.example",
        rejected_reason="Online marketplace reseller; we supply trade customers only.",
    ),
)

# --- generated dealers (the large scale) -----------------------------------------------------

FIRST_NAMES = (
    "Adam", "Alice", "Anna", "Ben", "Carla", "Clara", "David", "Elena", "Emil", "Eva", "Felix",
    "Greta", "Hannah", "Hugo", "Ida", "Ines", "Jonas", "Julia", "Karl", "Klara", "Lea", "Leon",
    "Lukas", "Maja", "Marek", "Mia", "Milan", "Nina", "Noah", "Olivia", "Omar", "Oskar",
    "Paul", "Rosa", "Sara", "Simon", "Sofia", "Tara", "Tomas", "Vera", "Victor", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Andersen", "Becker", "Bernard", "Braun", "Costa", "Dubois", "Fischer", "Hartmann",
    "Hoffmann", "Horvat", "Jensen", "Keller", "Klein", "Koch", "Kowalski", "Krause", "Lange",
    "Larsen", "Lehmann", "Lindqvist", "Martin", "Meyer", "Moreau", "Neumann", "Nielsen",
    "Novak", "Petrov", "Richter", "Rossi", "Schmidt", "Schulz", "Silva", "Varga", "Wagner",
    "Weber", "Werner", "Wolf", "Zimmermann",
)  # fmt: skip
NAME_STEMS = (
    "Oak", "North", "River", "Stone", "Iron", "Silver", "Green", "Bright", "West", "East",
    "High", "Red", "Elm", "Ash", "Birch", "Maple", "Cedar", "Fox", "Hart", "King", "Mill",
    "Bridge", "Lake", "Hill", "Sun", "Star", "Alder", "Rowan", "Copper", "Granite",
)  # fmt: skip
NAME_ENDINGS = (
    "field", "gate", "side", "brook", "ford", "wood", "stone", "worth", "more", "dale",
    "haven", "ley", "ton", "well", "crest",
)  # fmt: skip
TOWNS = (
    "Ashby", "Bramford", "Carlow", "Dunmere", "Eastwick", "Fairholm", "Glenmoor", "Harwick",
    "Ivybridge", "Kelby", "Lindow", "Marsh End", "Newbury Vale", "Orton", "Pellow", "Quarry Hill",
    "Redcliff", "Saltmarsh", "Thornby", "Upton Lee", "Westmere", "Yarrow",
)  # fmt: skip
PHONE_AREAS = ("30", "40", "69", "89", "211", "221", "351", "711")
ROLE_MIX = (MembershipRole.BUYER, MembershipRole.BUYER, MembershipRole.ACCOUNTANT)


@dataclass(frozen=True, slots=True)
class GeneratedStaff:
    email: str
    full_name: str
    phone: str
    regions: tuple[str, ...]
    categories: tuple[str, ...] = field(default=())


def generate_staff(count: int, seed: int) -> list[GeneratedStaff]:
    """More sales managers for the large scale; each covers one or two regions."""
    rng = random.Random(f"{seed}:staff")
    departments = ("EL", "LI", "TO", "FA", "DC", "PL", "PA", "CH")
    people: list[GeneratedStaff] = []
    taken: set[str] = set(RESERVED_EMAILS)
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}@example.com".lower()
        if email in taken:
            email = f"{first}.{last}{number}@example.com".lower()
        taken.add(email)
        regions = tuple(sorted({r.code for r in rng.sample(REGIONS, rng.randint(1, 2))}))
        people.append(
            GeneratedStaff(
                email=email,
                full_name=f"{first} {last}",
                phone=f"+49 30 5551 {1000 + number}",
                regions=regions,
                categories=tuple(sorted(rng.sample(departments, 2))),
            )
        )
    return people


def generate_dealers(
    count: int, seed: int, managers: list[str], first_number: int
) -> Iterator[DealerSpec]:
    """``count`` dealer companies with one to three people each, numbered from ``first_number``.

    Policies, tiers and blocks follow a plausible mix: most dealers see exact stock, a few are
    blocked for overdue debt, a few see a couple of extra categories or products.
    """
    rng = random.Random(f"{seed}:dealers")
    names: set[str] = {dealer.name for dealer in NAMED_DEALERS}
    policies = (
        [StockDisplayPolicy.EXACT] * 6
        + [StockDisplayPolicy.BANDED] * 2
        + [StockDisplayPolicy.IN_OUT, StockDisplayPolicy.HIDDEN]
    )
    tiers = ("BRONZE",) * 5 + ("SILVER",) * 3 + ("GOLD", "PLATINUM")
    branches = ("FA-ANCHORS-PLUGS", "TO-HAND-TOOLS", "CH-SEALANTS-FOAMS", "LI-LED-LAMPS")
    for number in range(first_number, first_number + count):
        group = rng.choice(GROUPS)
        name = f"{rng.choice(NAME_STEMS)}{rng.choice(NAME_ENDINGS)} {rng.choice(group.trades)}"
        if name in names:
            name = f"{name} {rng.choice(TOWNS)}"
        if name in names:
            name = f"{name} {number}"
        names.add(name)
        domain = f"{slugify(name)}-{number}.example"
        people = [
            PersonSpec(f"owner@{domain}", _person(rng), MembershipRole.OWNER),
        ]
        for index in range(rng.choice((0, 1, 1, 2))):
            role = rng.choice(ROLE_MIX)
            people.append(PersonSpec(f"{role}{index + 1}@{domain}", _person(rng), role))
        roll = rng.random()
        yield DealerSpec(
            external_id=f"DEMO-CP-{number:05d}",
            name=name,
            legal_name=f"{name} {rng.choice(('Ltd', 'Ltd', 'LLC', 'GmbH', 'B.V.', 'S.A.'))}",
            group=group.code,
            tier=rng.choice(tiers),
            region=rng.choice(REGIONS).code,
            policy=rng.choice(policies),
            manager=rng.choice(managers),
            people=tuple(people),
            email=f"orders@{domain}",
            phone=f"+49 {rng.choice(PHONE_AREAS)} {rng.randint(1000000, 9999999)}",
            tax_id=f"DE{rng.randint(100000000, 999999999)}",
            blocked_reason=(
                "Blocked in the ERP: invoices overdue by more than 60 days." if roll < 0.01 else ""
            ),
            extra_categories=(rng.choice(branches),) if 0.01 <= roll < 0.06 else (),
            extra_products_from=("NYM", "MCB", "SCRC", "GKB") if 0.06 <= roll < 0.08 else (),
            extra_product_count=rng.randint(1, 3) if 0.06 <= roll < 0.08 else 0,
        )


def generate_prospects(count: int, seed: int) -> list[ProspectSpec]:
    rng = random.Random(f"{seed}:prospects")
    prospects: list[ProspectSpec] = []
    for number in range(1, count + 1):
        group = rng.choice(GROUPS)
        name = f"{rng.choice(NAME_STEMS)}{rng.choice(NAME_ENDINGS)} {rng.choice(group.trades)}"
        prospects.append(
            ProspectSpec(
                company_name=name,
                contact_name=_person(rng),
                contact=f"contact{number}@{slugify(name)}-{number}.example",
                times_requested=rng.choice((1, 1, 1, 2, 3)),
            )
        )
    return prospects


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
