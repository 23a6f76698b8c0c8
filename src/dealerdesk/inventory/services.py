"""State changes of stock: ERP/staff updates, reservations for orders and their release.

Each service owns its transaction. Rows are locked with ``select_for_update()`` in
primary-key order (so two orders touching the same products cannot deadlock), figures move
with ``F()`` expressions, and every move writes a ``StockMovement`` ledger row.
Staff and ERP changes of a stock level are audited too; reservations are recorded by the
ledger alone (with actor and reference), which is their audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Case, F, Q, Sum, Value, When

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Product
from dealerdesk.core import audit
from dealerdesk.core.models import AuditAction
from dealerdesk.inventory.availability import ZERO, format_quantity
from dealerdesk.inventory.choices import StockMovementKind, StockUpdateOutcome
from dealerdesk.inventory.errors import InventoryError, InventoryErrorCode, Shortage
from dealerdesk.inventory.models import (
    DIGITS,
    PLACES,
    DefaultWarehouse,
    IncomingStock,
    StockLevel,
    StockMovement,
    Warehouse,
)
from dealerdesk.inventory.queries import accessible_warehouses, accessible_warehouses_condition

STEP = Decimal("0.001")
MAX_QUANTITY = Decimal(10) ** (DIGITS - PLACES)
# The figures whose change is a stock change; the ERP version alone is not one.
FIGURES = ("on_hand", "reserved", "safety_stock")

# --- stock levels from the ERP or staff ---------------------------------------------------


class IncomingEntry(NamedTuple):
    """One receipt on its way: quantity and expected date (None when the ERP has none)."""

    quantity: Decimal
    expected_date: dt.date | None = None


@dataclass(frozen=True)
class StockUpdateResult:
    """What ``set_stock_level`` did; an import batch reports these per row."""

    outcome: StockUpdateOutcome
    stock_level: StockLevel
    movement: StockMovement | None = None

    @property
    def applied(self) -> bool:
        return self.outcome in {StockUpdateOutcome.CREATED, StockUpdateOutcome.UPDATED}


def _non_negative(value: Decimal | None, field: str) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(value)
    if not number.is_finite() or number < 0 or number >= MAX_QUANTITY:
        raise InventoryError(
            InventoryErrorCode.INVALID_QUANTITY,
            f"{field} must be zero or more and below {MAX_QUANTITY}, not {value}.",
        )
    # Stored with three places; rounding here keeps "40" and "40.000" the same change.
    return number.quantize(STEP)


def _positive(value: Decimal) -> Decimal:
    """A reserved or released quantity: more than zero once rounded to three places."""
    number = Decimal(value)
    if number.is_finite() and 0 < number < MAX_QUANTITY and number.quantize(STEP) > 0:
        return number.quantize(STEP)
    raise InventoryError(
        InventoryErrorCode.INVALID_QUANTITY, f"Quantity must be more than zero, not {value}."
    )


def set_stock_level(
    product: Product,
    warehouse: Warehouse,
    *,
    on_hand: Decimal,
    reserved: Decimal | None = None,
    safety_stock: Decimal | None = None,
    incoming: Sequence[IncomingEntry] | None = None,
    erp_version: int | None = None,
    erp_changed_at: dt.datetime | None = None,
    actor: Any = None,
    source: str = "",
    reference: str = "",
) -> StockUpdateResult:
    """Set the stock of a product in a warehouse, as the ERP or staff says it is now.

    Idempotent: the same message applied twice changes nothing the second time. A change
    older than the one the row holds (by ERP sequence, else time) is ignored and reported as
    stale. ``reserved``, ``safety_stock`` and ``incoming`` left as None keep their values;
    ``incoming`` given replaces the whole schedule of receipts. Raises ``InventoryError`` for
    a negative figure and changes nothing then. ``reference`` (e.g. the ERP message id) goes
    on the ledger row.
    """
    on_hand_value = _non_negative(on_hand, "On hand")
    reserved_value = _non_negative(reserved, "Reserved")
    safety_value = _non_negative(safety_stock, "Safety stock")
    schedule = _clean_incoming(incoming)
    if on_hand_value is None:
        raise InventoryError(InventoryErrorCode.INVALID_QUANTITY, "On hand is required.")
    from_erp = erp_version is not None or erp_changed_at is not None
    kind = StockMovementKind.ERP_SYNC if from_erp else StockMovementKind.ADJUSTMENT

    with transaction.atomic():
        level, created = StockLevel.objects.get_or_create(product=product, warehouse=warehouse)
        level = StockLevel.objects.select_for_update().get(pk=level.pk)
        if not level.is_newer_erp_change(erp_version, erp_changed_at):
            return StockUpdateResult(StockUpdateOutcome.STALE, level)

        before = audit.snapshot(level, FIGURES)
        previous_version = level.erp_version
        on_hand_delta = on_hand_value - level.on_hand
        reserved_delta = ZERO if reserved_value is None else reserved_value - level.reserved
        level.on_hand = on_hand_value
        if reserved_value is not None:
            level.reserved = reserved_value
        if safety_value is not None:
            level.safety_stock = safety_value
        if erp_version is not None:
            # An absolute level counts every delta up to its sequence (inventory.sync).
            level.erp_version = level.erp_level_version = erp_version
        if erp_changed_at is not None:
            level.erp_changed_at = level.erp_level_changed_at = erp_changed_at
        after = audit.snapshot(level, FIGURES)
        if schedule is not None:
            old_schedule, new_schedule = _replace_incoming(level, schedule)
            before["incoming"], after["incoming"] = old_schedule, new_schedule
        # A newer message with the same figures only moves the version: no ledger, no audit.
        level.save()
        if before == after and not created:
            return StockUpdateResult(StockUpdateOutcome.UNCHANGED, level)

        movement = None
        if on_hand_delta or reserved_delta:
            movement = _ledger_row(
                level, kind, reference, actor, source, on_hand_delta, reserved_delta
            )
        audit.record(
            actor=actor,
            instance=level,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            verb="stock set",
            before=None if created else {**before, "erp_version": previous_version},
            after={**after, "erp_version": level.erp_version},
            source=source,
        )
    outcome = StockUpdateOutcome.CREATED if created else StockUpdateOutcome.UPDATED
    return StockUpdateResult(outcome, level, movement)


def _clean_incoming(incoming: Sequence[IncomingEntry] | None) -> list[IncomingEntry] | None:
    """Receipts with a positive quantity, merged by date; a negative one is refused."""
    if incoming is None:
        return None
    merged: dict[dt.date | None, Decimal] = {}
    for raw in incoming:
        entry = IncomingEntry(*raw)
        quantity = _non_negative(entry.quantity, "Incoming quantity")
        if quantity:
            merged[entry.expected_date] = merged.get(entry.expected_date, ZERO) + quantity
    return [IncomingEntry(quantity, date) for date, quantity in merged.items()]


def _schedule(entries: Iterable[tuple[dt.date | None, Decimal]]) -> list[list[str | None]]:
    """Receipts as sorted JSON-safe pairs, for comparison and the audit log."""
    rows = sorted(entries, key=lambda pair: (pair[0] is None, pair[0] or dt.date.min))
    return [
        [date.isoformat() if date else None, format_quantity(quantity)] for date, quantity in rows
    ]


def _replace_incoming(
    level: StockLevel, schedule: list[IncomingEntry]
) -> tuple[list[list[str | None]], list[list[str | None]]]:
    """Replace the receipts of the level's product and warehouse; returns (before, after)."""
    rows = IncomingStock.objects.filter(
        product_id=level.product_id, warehouse_id=level.warehouse_id
    )
    current = _schedule((row.expected_date, row.quantity) for row in rows)
    wanted = _schedule((entry.expected_date, entry.quantity) for entry in schedule)
    if current != wanted:
        rows.delete()
        IncomingStock.objects.bulk_create(
            IncomingStock(
                product_id=level.product_id,
                warehouse_id=level.warehouse_id,
                quantity=entry.quantity,
                expected_date=entry.expected_date,
            )
            for entry in schedule
        )
    return current, wanted


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- reservations -------------------------------------------------------------------------


class ReservationLine(NamedTuple):
    """Reserve ``quantity`` of a product in a warehouse; a backorder may exceed what is there."""

    product_id: int
    warehouse_id: int
    quantity: Decimal
    allow_backorder: bool = False


class ReleaseLine(NamedTuple):
    product_id: int
    warehouse_id: int
    quantity: Decimal


Key = tuple[int, int]


def _merge(lines: Iterable[ReservationLine]) -> dict[Key, ReservationLine]:
    """One line per product and warehouse; a merged line is a backorder only if all were."""
    merged: dict[Key, ReservationLine] = {}
    for line in lines:
        quantity = _positive(line.quantity)
        key = (line.product_id, line.warehouse_id)
        if key in merged:
            earlier = merged[key]
            merged[key] = ReservationLine(
                *key, earlier.quantity + quantity, earlier.allow_backorder and line.allow_backorder
            )
        else:
            merged[key] = ReservationLine(*key, quantity, line.allow_backorder)
    return merged


def _lock_levels(keys: Iterable[Key]) -> dict[Key, StockLevel]:
    """The stock rows of these product/warehouse pairs, locked in primary-key order."""
    condition = reduce(
        lambda acc, key: acc | Q(product_id=key[0], warehouse_id=key[1]), keys, Q(pk__in=[])
    )
    rows = StockLevel.objects.select_for_update().filter(condition).order_by("pk")
    return {(row.product_id, row.warehouse_id): row for row in rows}


def reserve_stock(
    lines: Sequence[ReservationLine | tuple[int, int, Decimal, bool]],
    *,
    reference: str,
    actor: Any = None,
    company: Company | None = None,
    source: str = "",
    checked: bool = False,
) -> list[StockMovement]:
    """Reserve every line or none: all lines succeed together, or nothing is reserved.

    Available = on hand - reserved - safety stock, read under row locks, so under any
    concurrency ``reserved`` never exceeds what was there unless the line is a backorder.
    Raises ``InventoryError`` (INSUFFICIENT_STOCK) listing every short line. With a
    ``company``, every warehouse must be open to it. ``checked``: the caller has read the
    products and the company's warehouses in this transaction already (placing an order
    does), so they are not read again. Returns the ledger rows written.
    """
    merged = _merge(ReservationLine(*line) for line in lines)
    if not merged:
        return []
    with transaction.atomic():
        if not checked:
            _check_known_and_allowed(merged, company)
        backorders = [line for line in merged.values() if line.allow_backorder]
        if backorders:
            # A backorder may hit a product the warehouse has never stocked: give it a row.
            StockLevel.objects.bulk_create(
                [
                    StockLevel(product_id=b.product_id, warehouse_id=b.warehouse_id)
                    for b in backorders
                ],
                ignore_conflicts=True,
            )
        levels = _lock_levels(merged)
        shortages = []
        for key, line in merged.items():
            level = levels.get(key)
            available = level.available if level is not None else ZERO
            if not line.allow_backorder and line.quantity > available:
                shortages.append((key, line.quantity, available))
        if shortages:
            raise InventoryError(
                InventoryErrorCode.INSUFFICIENT_STOCK, shortages=_describe(shortages)
            )
        return _moves(
            [
                (levels[key], StockMovementKind.RESERVATION, line.quantity)
                for key, line in sorted(merged.items(), key=lambda item: levels[item[0]].pk)
            ],
            reference,
            actor,
            source,
        )


def release_reservation(
    *,
    reference: str,
    lines: Sequence[ReleaseLine | tuple[int, int, Decimal]] | None = None,
    actor: Any = None,
    source: str = "",
) -> list[StockMovement]:
    """Give back stock held under ``reference`` (an order cancelled, shipped or changed).

    Without ``lines`` everything still held under the reference is released. A line never
    releases more than the reference still holds nor takes ``reserved`` below zero, so a
    release that is retried does nothing the second time.
    """
    asked: dict[Key, Decimal] = {}
    for raw in lines or ():
        line = ReleaseLine(*raw)
        quantity = _positive(line.quantity)
        key = (line.product_id, line.warehouse_id)
        asked[key] = asked.get(key, ZERO) + quantity
    with transaction.atomic():
        keys = list(asked) if lines is not None else list(_held_under(reference))
        levels = _lock_levels(keys)
        # Read what is held only under the locks: a concurrent release has committed by now.
        held = _held_under(reference)
        changes: list[Change] = []
        for level in sorted(levels.values(), key=lambda row: row.pk):
            key = (level.product_id, level.warehouse_id)
            still_held = held.get(key, ZERO)
            quantity = min(asked.get(key, still_held), still_held, level.reserved)
            if quantity > 0:
                changes.append((level, StockMovementKind.RELEASE, -quantity))
        return _moves(changes, reference, actor, source)


class ReservationChange(NamedTuple):
    """Hold ``delta`` more (positive) or less (negative) of a product in a warehouse; a
    raise that is a backorder may exceed what is there."""

    product_id: int
    warehouse_id: int
    delta: Decimal
    allow_backorder: bool = False


def change_reservation(
    changes: Sequence[ReservationChange | tuple[int, int, Decimal, bool]],
    *,
    reference: str,
    actor: Any = None,
    source: str = "",
) -> list[StockMovement]:
    """Move what ``reference`` holds up or down per product and warehouse, all or nothing
    (an order whose quantities staff changed).

    Every row is locked at once in primary-key order, so a change that raises one line and
    lowers another cannot deadlock with an order placed at the same time. A raise must fit
    what is available unless it is a backorder (else ``InventoryError`` INSUFFICIENT_STOCK
    listing every short line, and nothing moves); a cut releases at most what the reference
    still holds. Deltas of one product and warehouse are netted first.
    """
    wanted: dict[Key, ReservationChange] = {}
    for raw in changes:
        change = ReservationChange(*raw)
        delta = Decimal(change.delta)
        if not delta.is_finite() or abs(delta) >= MAX_QUANTITY:
            raise InventoryError(
                InventoryErrorCode.INVALID_QUANTITY, f"Cannot change a reservation by {delta}."
            )
        key = (change.product_id, change.warehouse_id)
        earlier = wanted.get(key)
        if earlier is None:
            wanted[key] = ReservationChange(*key, delta.quantize(STEP), change.allow_backorder)
        else:
            wanted[key] = ReservationChange(
                *key,
                earlier.delta + delta.quantize(STEP),
                earlier.allow_backorder and change.allow_backorder,
            )
    wanted = {key: change for key, change in wanted.items() if change.delta}
    if not wanted:
        return []
    with transaction.atomic():
        _check_known_and_allowed(wanted, None)
        backorders = [c for c in wanted.values() if c.delta > 0 and c.allow_backorder]
        if backorders:
            StockLevel.objects.bulk_create(
                [
                    StockLevel(product_id=b.product_id, warehouse_id=b.warehouse_id)
                    for b in backorders
                ],
                ignore_conflicts=True,
            )
        levels = _lock_levels(wanted)
        shortages = []
        for key, change in wanted.items():
            if change.delta <= 0 or change.allow_backorder:
                continue
            level = levels.get(key)
            available = level.available if level is not None else ZERO
            if change.delta > available:
                shortages.append((key, change.delta, available))
        if shortages:
            raise InventoryError(
                InventoryErrorCode.INSUFFICIENT_STOCK, shortages=_describe(shortages)
            )
        held = _held_under(reference)
        moves: list[Change] = []
        for level in sorted(levels.values(), key=lambda row: row.pk):
            key = (level.product_id, level.warehouse_id)
            delta = wanted[key].delta
            if delta > 0:
                moves.append((level, StockMovementKind.RESERVATION, delta))
                continue
            quantity = min(-delta, held.get(key, ZERO), level.reserved)
            if quantity > 0:
                moves.append((level, StockMovementKind.RELEASE, -quantity))
        return _moves(moves, reference, actor, source)


def _held_under(reference: str) -> dict[Key, Decimal]:
    """Net quantity still reserved under a reference, per product and warehouse (a fresh
    query each time: it must see releases committed while this one waited for its locks)."""
    rows = (
        StockMovement.objects.filter(
            reference=reference,
            kind__in=[StockMovementKind.RESERVATION, StockMovementKind.RELEASE],
        )
        .order_by()
        .values_list("product_id", "warehouse_id")
        .annotate(held=Sum("reserved_delta"))
    )
    return {(product, warehouse): held for product, warehouse, held in rows if held > 0}


# A change of the reserved figure of one locked stock row.
Change = tuple[StockLevel, StockMovementKind, Decimal]


def _moves(
    changes: Sequence[Change], reference: str, actor: Any, source: str
) -> list[StockMovement]:
    """Apply ``changes`` to stock rows this transaction has locked: one UPDATE for all of
    them and one INSERT of their ledger rows. Under the locks the rows' figures are the
    current ones, so the ledger's "after" figures are worked out here, not read back."""
    if not changes:
        return []
    reserved = StockLevel._meta.get_field("reserved")
    StockLevel.objects.filter(pk__in=[level.pk for level, _, _ in changes]).update(
        reserved=F("reserved")
        + Case(
            *(When(pk=level.pk, then=Value(delta)) for level, _, delta in changes),
            default=Value(ZERO),
            output_field=reserved,
        )
    )
    user = _user(actor)
    rows = []
    for level, kind, delta in changes:
        level.reserved += delta
        rows.append(_ledger(level, kind, reference, user, source, ZERO, delta))
    return StockMovement.objects.bulk_create(rows)


def _ledger_row(
    level: StockLevel,
    kind: StockMovementKind,
    reference: str,
    actor: Any,
    source: str,
    on_hand_delta: Decimal,
    reserved_delta: Decimal,
) -> StockMovement:
    """One movement with the figures the row holds after it."""
    row = _ledger(level, kind, reference, _user(actor), source, on_hand_delta, reserved_delta)
    row.save(force_insert=True)
    return row


def _ledger(
    level: StockLevel,
    kind: StockMovementKind,
    reference: str,
    user: Any,
    source: str,
    on_hand_delta: Decimal,
    reserved_delta: Decimal,
) -> StockMovement:
    return StockMovement(
        product_id=level.product_id,
        warehouse_id=level.warehouse_id,
        kind=kind,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        on_hand_after=level.on_hand,
        reserved_after=level.reserved,
        reference=reference,
        actor=user,
        source=source,
    )


def _check_known_and_allowed(merged: Collection[Key], company: Company | None) -> None:
    product_ids = {key[0] for key in merged}
    warehouse_ids = {key[1] for key in merged}
    known_products = set(Product.objects.filter(pk__in=product_ids).values_list("pk", flat=True))
    warehouses = Warehouse.objects.filter(pk__in=warehouse_ids)
    if company is not None:
        warehouses = warehouses.filter(accessible_warehouses_condition(company))
    allowed = set(warehouses.values_list("pk", flat=True))
    if known_products != product_ids:
        raise InventoryError(InventoryErrorCode.UNKNOWN_STOCK)
    if allowed != warehouse_ids:
        code = (
            InventoryErrorCode.WAREHOUSE_NOT_ALLOWED
            if company is not None
            else InventoryErrorCode.UNKNOWN_STOCK
        )
        raise InventoryError(code)


def _describe(shortages: list[tuple[Key, Decimal, Decimal]]) -> tuple[Shortage, ...]:
    """Name each short line by SKU and warehouse code (two small queries, error path only)."""
    skus = dict(
        Product.objects.filter(pk__in={key[0] for key, _a, _b in shortages}).values_list(
            "pk", "sku"
        )
    )
    codes = dict(
        Warehouse.objects.filter(pk__in={key[1] for key, _a, _b in shortages}).values_list(
            "pk", "code"
        )
    )
    return tuple(
        Shortage(
            product_id=product_id,
            sku=skus.get(product_id, ""),
            warehouse_id=warehouse_id,
            warehouse_code=codes.get(warehouse_id, ""),
            asked=asked,
            available=available,
        )
        for (product_id, warehouse_id), asked, available in shortages
    )


# --- the default warehouse ----------------------------------------------------------------


def set_default_warehouse(
    company: Company, warehouse: Warehouse | None, *, actor: Any = None, source: str = ""
) -> DefaultWarehouse | None:
    """Choose the warehouse a company's lists and orders use first; None goes back to the
    automatic choice. The warehouse must be open to the company."""
    with transaction.atomic():
        current = DefaultWarehouse.objects.select_for_update().filter(company=company).first()
        before = {"warehouse_id": current.warehouse_id if current else None}
        if warehouse is None:
            if current is not None:
                audit.record(
                    actor=actor,
                    instance=current,
                    action=AuditAction.DELETE,
                    verb="default warehouse cleared",
                    before=before,
                    company_id=company.pk,
                    source=source,
                )
                current.delete()
            return None
        if not accessible_warehouses(company).filter(pk=warehouse.pk).exists():
            raise InventoryError(InventoryErrorCode.WAREHOUSE_NOT_ALLOWED)
        chosen, created = DefaultWarehouse.objects.update_or_create(
            company=company, defaults={"warehouse": warehouse}
        )
        audit.record(
            actor=actor,
            instance=chosen,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            verb="default warehouse set",
            before=None if created else before,
            after={"warehouse_id": warehouse.pk},
            company_id=company.pk,
            source=source,
        )
        return chosen
