"""factory_boy factories shared by every test module."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from dealerdesk.accounts.choices import MembershipRole, StaffRole
from dealerdesk.accounts.models import (
    AccessRequest,
    Company,
    CustomerGroup,
    Membership,
    Region,
    StaffProfile,
    Tier,
    User,
)
from dealerdesk.catalog.models import (
    Attribute,
    Barcode,
    Brand,
    CatalogAssignment,
    Category,
    Product,
    ProductAttributeValue,
)
from dealerdesk.core.barcodes import ean13_check_digit

PASSWORD = "demo12345"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"Region {n}")


class CustomerGroupFactory(DjangoModelFactory):
    class Meta:
        model = CustomerGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"G{n:03d}")
    name = factory.Sequence(lambda n: f"Group {n}")


class TierFactory(DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"Tier {n}")


class StaffFactory(DjangoModelFactory):
    """A StaffProfile with its staff user."""

    class Meta:
        model = StaffProfile

    user = factory.SubFactory(
        UserFactory,
        is_staff=True,
        email=factory.Sequence(lambda n: f"staff{n}@supplier.test"),
    )
    role = StaffRole.SALES_MANAGER
    title = "Sales manager"
    phone = "+49 30 1234567"


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Dealer {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} GmbH")
    external_id = factory.Sequence(lambda n: f"ERP-CP-{n:05d}")
    customer_group = factory.SubFactory(CustomerGroupFactory)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = MembershipRole.BUYER


class AccessRequestFactory(DjangoModelFactory):
    class Meta:
        model = AccessRequest

    company_name = factory.Sequence(lambda n: f"Prospect {n} Ltd")
    contact_name = factory.Faker("name")
    contact = factory.Sequence(lambda n: f"prospect{n}@example.test")
    contact_email = factory.LazyAttribute(lambda o: o.contact)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    parent = None


class BrandFactory(DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Brand {n}")


def ean13(n: int) -> str:
    body = f"400{n:09d}"
    return body + ean13_check_digit(body)


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    brand = factory.SubFactory(BrandFactory)
    pack_multiple = Decimal("1")
    min_quantity = Decimal("1")
    weight_kg = Decimal("1.250")
    length_mm = Decimal("100")
    width_mm = Decimal("50")
    height_mm = Decimal("20")
    vat_rate = Decimal("20")


class BarcodeFactory(DjangoModelFactory):
    class Meta:
        model = Barcode

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(ean13)
    is_primary = True


class AttributeFactory(DjangoModelFactory):
    class Meta:
        model = Attribute
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"attr-{n}")
    name = factory.Sequence(lambda n: f"Attribute {n}")


class ProductAttributeValueFactory(DjangoModelFactory):
    class Meta:
        model = ProductAttributeValue

    product = factory.SubFactory(ProductFactory)
    attribute = factory.SubFactory(AttributeFactory)
    value = "42"


class CatalogAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = CatalogAssignment


# --- inventory ----------------------------------------------------------------------------


class WarehouseFactory(DjangoModelFactory):
    class Meta:
        model = "inventory.Warehouse"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"WH{n:03d}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    address = "1 Depot Road"
    lead_time_days = 1
    open_to_all = False


class WarehouseAccessFactory(DjangoModelFactory):
    """Give exactly one of company, customer_group or region."""

    class Meta:
        model = "inventory.WarehouseAccess"

    warehouse = factory.SubFactory(WarehouseFactory)


class StockLevelFactory(DjangoModelFactory):
    class Meta:
        model = "inventory.StockLevel"

    product = factory.SubFactory(ProductFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    on_hand = Decimal("0")
    reserved = Decimal("0")
    safety_stock = Decimal("0")


class IncomingStockFactory(DjangoModelFactory):
    class Meta:
        model = "inventory.IncomingStock"

    product = factory.SubFactory(ProductFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    quantity = Decimal("10")
    expected_date = None
