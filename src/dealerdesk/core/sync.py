"""The result of applying one row the ERP sent, shared by every domain's sync services.

A domain's batch service (``pricing.sync.upsert_prices``, ``inventory.sync.set_stock_levels``,
``ordering.erp.apply_order_statuses`` …) takes rows that have passed their schema and returns
one ``RowResult`` per row, in the order given: what it did, or why it did nothing. It never
raises for a bad row; it raises only when the whole batch cannot go on (the caller's
transaction then rolls back).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DEACTIVATED = "deactivated"
    UNCHANGED = "unchanged"  # the row already says this
    STALE = "stale"  # older than the change the row holds: ignored
    REJECTED = "rejected"

    @property
    def applied(self) -> bool:
        return self in {Outcome.CREATED, Outcome.UPDATED, Outcome.DEACTIVATED}


@dataclass(frozen=True)
class ErpStamp:
    """The ERP's sequence number and/or change time of one row's change."""

    version: int | None = None
    changed_at: dt.datetime | None = None

    def is_newer_than(self, version: int | None, changed_at: dt.datetime | None) -> bool:
        """True when this change is newer than the stored one (sequence first, else time);
        a row that holds neither takes any change. ``ErpRecord.is_newer_erp_change`` is the
        same rule for one model instance."""
        if self.version is not None and version is not None:
            return self.version > version
        if self.changed_at is not None and changed_at is not None:
            return self.changed_at > changed_at
        return True


@dataclass(frozen=True)
class RowResult:
    """What became of row ``index`` (0-based, in the batch as sent)."""

    index: int
    outcome: Outcome
    key: str = ""  # the row's identity as the ERP names it, e.g. "P-100/WHOLESALE"
    field: str = ""  # the field at fault when rejected
    code: str = ""  # a stable code: unknown_product, negative_stock, stale, …
    message: str = ""  # for a person

    @classmethod
    def rejected(cls, index: int, key: str, field: str, code: str, message: str) -> RowResult:
        return cls(index, Outcome.REJECTED, key, field, code, message)

    @classmethod
    def stale_against(
        cls, index: int, key: str, stamp: ErpStamp, held: Any | None
    ) -> RowResult | None:
        """The row's result when its ``stamp`` is not newer than the one ``held`` (a stored
        record with ``erp_version`` and ``erp_changed_at``; None: nothing is stored): stale,
        naming the held stamp. None when the change applies."""
        if held is None or stamp.is_newer_than(held.erp_version, held.erp_changed_at):
            return None
        return cls.stale(index, key, held_stamp(held.erp_version, held.erp_changed_at))

    @classmethod
    def stale(cls, index: int, key: str, held: int | dt.datetime | None) -> RowResult:
        return cls(
            index,
            Outcome.STALE,
            key,
            code="stale",
            message=f"Older than the change already applied ({held}); ignored.",
        )


@dataclass
class Written:
    """What a set-based writer made of a chunk without a Python object per row: how many
    rows had each outcome, the rows worth listing (every row when asked, else those not
    applied), and the ERP time of the latest change applied."""

    counts: Counter[Outcome] = dataclasses.field(default_factory=Counter)
    listed: list[RowResult] = dataclasses.field(default_factory=list)
    latest_change_at: dt.datetime | None = None


def newer_sql(new: str, old: str) -> str:
    """``ErpStamp.is_newer_than`` in SQL, for the set-based writers: the sequence first, else
    the change time; a row that holds neither takes any change. ``new``/``old`` are column
    name prefixes (``"s."``, ``"held_"``)."""
    return (
        f"CASE WHEN {new}erp_version IS NOT NULL AND {old}erp_version IS NOT NULL "
        f"THEN {new}erp_version > {old}erp_version "
        f"WHEN {new}erp_changed_at IS NOT NULL AND {old}erp_changed_at IS NOT NULL "
        f"THEN {new}erp_changed_at > {old}erp_changed_at ELSE TRUE END"
    )


def held_stamp(version: int | None, changed_at: dt.datetime | None) -> int | dt.datetime | None:
    """The stamp a stale row is told it lost to: the held sequence (0 included), else the
    held change time."""
    return version if version is not None else changed_at
