"""Quick order: rows of "SKU or barcode + quantity" (typed, pasted, uploaded or scanned)
checked one by one; the good ones go to the cart together, the others come back with
their reason. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db.models.functions import Upper

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Barcode, Product
from dealerdesk.catalog.queries import CatalogScope, scope_for_company
from dealerdesk.core.barcodes import looks_like_gtin, normalize_gtin
from dealerdesk.inventory.availability import StockDisplay
from dealerdesk.inventory.models import Warehouse
from dealerdesk.inventory.queries import availability_for, default_warehouse_for
from dealerdesk.ordering.cart import add_many
from dealerdesk.ordering.errors import LINE_MESSAGES, LineProblem
from dealerdesk.ordering.parsing import ROW_ERRORS, ParsedRow
from dealerdesk.ordering.rules import quantity_problem, round_up

# One answer for a code nobody has and for one another dealer's catalog has: the closed
# catalog does not confirm that a product exists.
UNKNOWN_CODE = "No product of your catalog has this SKU or barcode."


@dataclass(frozen=True)
class QuickRow:
    number: int
    code: str
    text: str
    product: Product | None
    quantity: Decimal | None
    problem: str = ""  # why it did not go to the cart
    note: str = ""  # something to know about a row that did (short stock, default quantity)

    @property
    def added(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class QuickOrderResult:
    rows: list[QuickRow]

    @property
    def added(self) -> list[QuickRow]:
        return [row for row in self.rows if row.added]

    @property
    def refused(self) -> list[QuickRow]:
        return [row for row in self.rows if not row.added]


def _key(code: str) -> str:
    return code.strip().upper()


def resolve_codes(scope: CatalogScope, codes: Sequence[str]) -> dict[str, Product]:
    """Products of the scope by the code typed (an SKU, case-insensitive, or a barcode),
    in three queries however many codes there are."""
    wanted = {_key(code) for code in codes if code.strip()}
    if not wanted:
        return {}
    gtins = {key: normalize_gtin(key) for key in wanted if looks_like_gtin(key)}
    found: dict[str, Product] = {}
    if gtins:
        by_barcode = dict(
            Barcode.objects.filter(code__in=set(gtins.values())).values_list("code", "product_id")
        )
        products = {p.pk: p for p in scope.products().filter(pk__in=set(by_barcode.values()))}
        for key, gtin in gtins.items():
            product = products.get(by_barcode.get(gtin, 0))
            if product is not None:
                found[key] = product
    skus = wanted - set(found)
    if skus:
        for product in scope.products().annotate(sku_key=Upper("sku")).filter(sku_key__in=skus):
            found[product.sku.upper()] = product
    return found


def _unseen(scope: CatalogScope, keys: set[str]) -> dict[str, str]:
    """Of codes that matched nothing in the scope, those of products the dealer's catalog
    holds but that are no longer sold (the others get ``UNKNOWN_CODE``)."""
    if not keys:
        return {}
    gtins = {normalize_gtin(key): key for key in keys if looks_like_gtin(key)}
    matches: list[tuple[str, int, bool, int]] = [
        (sku_key, pk, active, category_id)
        for sku_key, pk, active, category_id in Product.objects.annotate(sku_key=Upper("sku"))
        .filter(sku_key__in=keys)
        .values_list("sku_key", "pk", "is_active", "category_id")
    ]
    matches += [
        (gtins[code], pk, active, category_id)
        for code, pk, active, category_id in Barcode.objects.filter(
            code__in=list(gtins)
        ).values_list("code", "product_id", "product__is_active", "product__category_id")
    ]
    reasons: dict[str, str] = {}
    for key, pk, active, category_id in matches:
        visible = category_id in scope.category_ids or pk in scope.product_ids
        if visible and not active:
            reasons[key] = LINE_MESSAGES[LineProblem.INACTIVE]
    return reasons


def check_rows(company: Company, parsed: Sequence[ParsedRow]) -> list[QuickRow]:
    """Every row checked on its own: code, catalog, quantity rules; availability noted."""
    scope = scope_for_company(company)
    products = resolve_codes(scope, [row.code for row in parsed if not row.error])
    missing = {_key(row.code) for row in parsed if not row.error and row.code} - set(products)
    reasons = _unseen(scope, missing)
    rows: list[QuickRow] = []
    for row in parsed:
        if row.error:
            rows.append(QuickRow(row.number, row.code, row.text, None, None, ROW_ERRORS[row.error]))
            continue
        product = products.get(_key(row.code))
        if product is None:
            why = reasons.get(_key(row.code), UNKNOWN_CODE)
            rows.append(QuickRow(row.number, row.code, row.text, None, row.quantity, why))
            continue
        note = ""
        quantity = row.quantity
        if quantity is None:
            quantity = round_up(product, product.min_quantity)
            note = "no quantity given: the minimum"
        found = quantity_problem(product, quantity)
        rows.append(
            QuickRow(
                row.number, row.code, row.text, product, quantity, found[1] if found else "", note
            )
        )
    return _note_stock(company, rows)


def _note_stock(company: Company, rows: list[QuickRow]) -> list[QuickRow]:
    """Say where a good row asks for more than the default warehouse can promise (the
    cart shows the other warehouses; checkout refuses what nobody has)."""
    good = [row for row in rows if row.added and row.product is not None]
    if not good:
        return rows
    stock = availability_for(company, {row.product.pk for row in good if row.product})
    noted = []
    for row in rows:
        found = stock.get(row.product.pk) if row.added and row.product else None
        here = found.default if found else None
        if here is not None and row.quantity is not None and _short(here.stock, row.quantity):
            text = f"more than {here.warehouse.name} has ({here.stock.label.lower()})"
            row = replace(row, note=f"{row.note}; {text}" if row.note else text)
        noted.append(row)
    return noted


def _short(shown: StockDisplay, quantity: Decimal) -> bool:
    """Whether the dealer may be told ``quantity`` is more than there is: out of stock, or
    (exact policy only) above the figure; hidden stock says nothing."""
    if shown.in_stock is None:
        return False
    if not shown.in_stock:
        return True
    return shown.exact is not None and quantity > shown.exact


def quick_order(company: Company, user: Any, parsed: Sequence[ParsedRow]) -> QuickOrderResult:
    """Check the rows and put the good ones in the cart in one transaction (a product twice
    is one cart line with the quantities added)."""
    rows = check_rows(company, parsed)
    addable = [row for row in rows if row.added and row.product and row.quantity is not None]
    if not addable:
        return QuickOrderResult(rows)
    default = default_warehouse_for(company)
    if default is None:
        problems = [LINE_MESSAGES[LineProblem.WAREHOUSE_NOT_ALLOWED]] * len(addable)
    else:
        wanted: list[tuple[Product, Warehouse, Decimal]] = [
            (row.product, default, row.quantity)
            for row in addable
            if row.product is not None and row.quantity is not None
        ]
        problems = add_many(company, user, wanted)
    refused = {id(row): problem for row, problem in zip(addable, problems, strict=True) if problem}
    return QuickOrderResult(
        [replace(row, problem=refused[id(row)]) if id(row) in refused else row for row in rows]
    )
