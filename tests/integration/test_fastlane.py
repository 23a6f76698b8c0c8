"""The fast lane of the price feed (``integration.inbound.fastlane``): a batch is answered,
stored and audited exactly as when the lane is switched off, sent as NDJSON or as a JSON
body. On PostgreSQL a chunk the writer can apply as sent takes the lane; a chunk it declines
goes the ordinary way, whole, with nothing of the attempt left behind. On SQLite the lane is
never taken, and the same answers are checked there."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections, transaction

from dealerdesk.catalog.models import Product
from dealerdesk.core.batch import serialise
from dealerdesk.core.models import AuditEntry
from dealerdesk.integration.inbound import fastlane, process
from dealerdesk.integration.inbound.feeds import FEEDS
from dealerdesk.integration.models import InboundMessage
from dealerdesk.inventory.models import StockLevel, StockMovement
from dealerdesk.pricing.models import Price, PriceType
from tests.concurrency import another_waits_for_a_lock, in_thread, race

pytestmark = pytest.mark.django_db

NDJSON = "application/x-ndjson"
JSON = "application/json"
# What a batch's answer says about its rows (times of receipt and processing left out).
ANSWERED = (
    "status",
    "atomic",
    "total",
    "rows_done",
    "applied",
    "unchanged",
    "rejected",
    "rows",
    "rows_left_out",
    "latest_change_at",
    "error",
)
HELD_AT = dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC)


@pytest.fixture
def catalog(shop, world):  # type: ignore[no-untyped-def]
    """Product A is P-A to the ERP. Wholesale W (EUR) holds 120 for CAB-001 and 80 for
    CAB-002 (no stamp), 50 for TOOL-001 at ERP version 5; retail R (EUR) holds 60 for
    TOOL-001 changed at ``HELD_AT``; U is a price type in USD."""
    world.product_a.external_id = "P-A"
    world.product_a.save()
    retail = PriceType.objects.create(code="R", name="Retail", currency="EUR")
    PriceType.objects.create(code="U", name="Wholesale USD", currency="USD")
    Price.objects.create(
        product=world.product_b, price_type=shop.base, amount=Decimal(50), erp_version=5
    )
    Price.objects.create(
        product=world.product_b, price_type=retail, amount=Decimal(60), erp_changed_at=HELD_AT
    )
    return shop


@pytest.fixture
def lane(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per chunk of lines that tried the fast lane: True when it took it."""
    taken: list[bool] = []
    real = fastlane.apply

    def spy(*args: Any, **kwargs: Any) -> Any:
        written = real(*args, **kwargs)
        taken.append(written is not None)
        return written

    monkeypatch.setattr(fastlane, "apply", spy)
    return taken


def per_run(taken: list[bool]) -> list[bool]:
    """The chunks of one run, the NDJSON and the JSON run having taken the lane alike."""
    half = len(taken) // 2
    assert taken[:half] == taken[half:]
    return taken[:half]


def assert_lane(taken: list[bool], expected: list[bool]) -> None:
    """On PostgreSQL each chunk of the batch (sent as NDJSON, then as JSON) took the lane
    or not as ``expected``; elsewhere no chunk takes it."""
    if connection.vendor == "postgresql":
        assert taken == expected * 2
    else:
        assert not any(taken)


@contextmanager
def lane_off() -> Iterator[None]:
    """The price feed without its fast lane: every chunk goes the ordinary way."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(FEEDS, "prices", replace(FEEDS["prices"], lane=None))
        yield


def price(amount: str, version: Any = 1, **extra: Any) -> dict[str, Any]:
    return {"product": "P-A", "price_type": "W", "amount": amount, "erp_version": version} | extra


def line(row: dict[str, Any], *, ascii_only: bool = True) -> str:
    return json.dumps(row, ensure_ascii=ascii_only)


def post(machine: Any, lines: list[str], content_type: str, *, atomic: bool = False) -> Any:
    if content_type == NDJSON:
        body = "\n".join(lines) + "\n"
    else:
        body = '{"rows": [' + ", ".join(lines) + "]}"
    path = "/api/v1/sync/prices" + ("?atomic=true" if atomic else "")
    return machine.post(path, body.encode(), content_type=content_type, HTTP_IDEMPOTENCY_KEY="m-1")


def stored_prices() -> list[tuple[Any, ...]]:
    return list(
        Price.objects.order_by("product__sku", "price_type__code", "valid_from", "id").values_list(
            "product__sku",
            "price_type__code",
            "valid_from",
            "amount",
            "valid_to",
            "erp_version",
            "erp_changed_at",
        )
    )


def summaries() -> list[tuple[Any, ...]]:
    return list(
        AuditEntry.objects.filter(object_type="pricing.price")
        .order_by("id")
        .values_list("action", "verb", "object_id", "object_repr", "after", "source")
    )


@dataclass
class Sent:
    """What a batch was answered and left behind: its prices and audit entries."""

    answer: dict[str, Any]
    prices: list[tuple[Any, ...]]
    audit: list[tuple[Any, ...]]

    def rows(self) -> list[tuple[Any, ...]]:
        return [
            (row["row"], row["status"], row["outcome"], row["field"], row["code"])
            for row in self.answer["rows"]
        ]

    def counts(self) -> tuple[int, int, int, int]:
        answer = self.answer
        return (answer["total"], answer["applied"], answer["unchanged"], answer["rejected"])

    def latest_change_at(self) -> dt.datetime | None:
        latest = self.answer["latest_change_at"]
        return None if latest is None else dt.datetime.fromisoformat(latest)

    def price(self, sku: str, kind: str, valid_from: dt.date | None) -> list[tuple[Any, ...]]:
        return [held for held in self.prices if held[:3] == (sku, kind, valid_from)]


def sent(machine: Any, lines: list[str], content_type: str, *, atomic: bool = False) -> Sent:
    """Send ``lines`` and note the answer and what was stored, then roll it all back, so
    the same rows can be sent again another way from the same start."""
    with transaction.atomic():
        response = post(machine, lines, content_type, atomic=atomic)
        assert response.status_code == 200, response.content
        body = response.json()
        result = Sent({name: body[name] for name in ANSWERED}, stored_prices(), summaries())
        transaction.set_rollback(True)
    return result


def either_way(machine: Any, lines: list[str], *, atomic: bool = False) -> Sent:
    """The rows give the same answer, prices and audit entries with the lane as without it
    (the ordinary way), as NDJSON and as a JSON body; that result."""
    with lane_off():
        ordinary = sent(machine, lines, JSON, atomic=atomic)
    for content_type in (NDJSON, JSON):
        assert sent(machine, lines, content_type, atomic=atomic) == ordinary, content_type
    return ordinary


# Every kind of outcome a plain batch can have: the answers, stored prices and latest change
# time must not depend on the way the rows took.
PLAIN = [
    line(price("99.5", 1)),  # updated
    line({"sku": "CAB-002", "price_type": "W", "amount": "80.00", "erp_version": 1}),  # unchanged
    line(price("10", 1, valid_from="2027-01-01", valid_to="2027-01-31", currency="EUR")),
    line({"sku": "TOOL-001", "price_type": "W", "amount": "51", "erp_version": 4}),  # stale
    # 09:00 UTC, before the 10:00 held: stale by change time.
    line(
        {
            "sku": "TOOL-001",
            "price_type": "R",
            "amount": "61",
            "erp_changed_at": "2026-06-01T11:00:00+02:00",
        }
    ),
    line(
        {
            "sku": "TOOL-001",
            "price_type": "R",
            "amount": "62.125",
            "valid_from": "2027-02-01",
            "erp_changed_at": "2026-07-01T12:30:00+02:00",  # 10:30 UTC, the latest applied
        }
    ),
    line(price("11", 2, valid_from="2027-03-01", erp_changed_at="2026-07-01T08:00:00Z")),
]
PLAIN_ROWS = [
    (0, "applied", "updated", None, None),
    (1, "unchanged", "unchanged", None, None),
    (2, "applied", "created", None, None),
    (3, "unchanged", "stale", None, "stale"),
    (4, "unchanged", "stale", None, "stale"),
    (5, "applied", "created", None, None),
    (6, "applied", "created", None, None),
]


def test_a_plain_batch_answers_and_stores_the_same_either_way(erp, catalog, lane) -> None:  # type: ignore[no-untyped-def]
    result = either_way(erp, PLAIN)

    assert_lane(lane, [True])
    assert result.rows() == PLAIN_ROWS
    assert [row["key"] for row in result.answer["rows"]][:3] == [
        "P-A/W",
        "CAB-002/W",
        "P-A/W@2027-01-01",
    ]
    assert result.counts() == (7, 4, 3, 0)
    assert result.latest_change_at() == dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC)
    day = dt.date
    assert result.price("CAB-001", "W", None) == [
        ("CAB-001", "W", None, Decimal("99.5"), None, 1, None)
    ]
    # Unchanged, but the newer stamp is recorded.
    assert result.price("CAB-002", "W", None) == [
        ("CAB-002", "W", None, Decimal("80"), None, 1, None)
    ]
    assert result.price("CAB-001", "W", day(2027, 1, 1)) == [
        ("CAB-001", "W", day(2027, 1, 1), Decimal("10"), day(2027, 1, 31), 1, None)
    ]
    assert result.price("TOOL-001", "W", None) == [
        ("TOOL-001", "W", None, Decimal("50"), None, 5, None)
    ]
    assert result.price("TOOL-001", "R", None) == [
        ("TOOL-001", "R", None, Decimal("60"), None, None, HELD_AT)
    ]
    assert result.price("TOOL-001", "R", day(2027, 2, 1)) == [
        (
            "TOOL-001",
            "R",
            day(2027, 2, 1),
            Decimal("62.125"),
            None,
            None,
            dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC),
        )
    ]
    assert result.price("CAB-001", "W", day(2027, 3, 1)) == [
        (
            "CAB-001",
            "W",
            day(2027, 3, 1),
            Decimal("11"),
            None,
            2,
            dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC),
        )
    ]
    assert result.audit == [
        (
            "update",
            "synced from the ERP",
            "",
            "4 prices",
            {"created": 3, "updated": 1},
            "ERP message m-1",
        )
    ]


def test_a_large_batch_lists_the_same_rows_not_applied_either_way(  # type: ignore[no-untyped-def]
    erp, catalog, lane, monkeypatch
) -> None:
    monkeypatch.setattr(process, "FULL_RESULT_ROWS", 3)

    result = either_way(erp, PLAIN)

    assert_lane(lane, [True])
    assert result.rows() == [row for row in PLAIN_ROWS if row[1] != "applied"]
    assert result.counts() == (7, 4, 3, 0)
    assert result.latest_change_at() == dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC)


@pytest.mark.postgres
def test_a_plain_batch_takes_the_lane_without_the_ordinary_service(  # type: ignore[no-untyped-def]
    erp, catalog, lane, monkeypatch, postgres_only
) -> None:
    def not_expected(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a plain chunk went the ordinary way")

    monkeypatch.setitem(FEEDS, "prices", replace(FEEDS["prices"], apply=not_expected))

    response = post(erp, PLAIN, NDJSON)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    assert lane == [True]
    assert [(row["row"], row["outcome"]) for row in response.json()["rows"]] == [
        (row[0], row[2]) for row in PLAIN_ROWS
    ]


@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        ("12.50", Decimal("12.5")),
        ("1e2", Decimal("100")),  # PostgreSQL and the row schema both read 100
        ("0", Decimal("0")),
        ("9999999999.9999", Decimal("9999999999.9999")),
    ],
)
def test_an_amount_as_a_json_number_takes_the_lane_and_is_stored_exactly(  # type: ignore[no-untyped-def]
    erp, catalog, lane, amount, stored
) -> None:
    number = f'{{"product": "P-A", "price_type": "W", "amount": {amount}, "erp_version": 1}}'

    result = either_way(erp, [number, *PLAIN[1:3]])

    assert_lane(lane, [True])
    assert result.rows() == PLAIN_ROWS[:3]
    assert result.price("CAB-001", "W", None) == [("CAB-001", "W", None, stored, None, 1, None)]


# Three good rows around the odd one (row 1), each a different price.
AROUND = [PLAIN[0], PLAIN[1], PLAIN[2]]
LATER = "2027-05-01"


@dataclass(frozen=True)
class Odd:
    """A row the writer cannot take as sent, and how the ordinary way answers it."""

    row: str
    status: str
    outcome: str
    field: str | None = None
    code: str | None = None
    stored: Decimal | None = None  # the price P-A/W from LATER, when the row applies
    # Whether the chunk still takes the lane: the row schema rejects or corrects some rows
    # before the lane, and the others go on; what the writer cannot apply sends the chunk
    # the ordinary way.
    lane: bool = False


ODD_ROWS = {
    # Valid rows the writer declines: the chunk goes the ordinary way.
    "unknown product": Odd(
        line(price("1", 3, product="P-NONE")), "rejected", "rejected", "product", "unknown_product"
    ),
    "unknown price type": Odd(
        line(price("1", 3, price_type="NOPE", valid_from=LATER)),
        "rejected",
        "rejected",
        "price_type",
        "unknown_price_type",
    ),
    "currency mismatch": Odd(
        line(price("1", 3, currency="USD", valid_from=LATER)),
        "rejected",
        "rejected",
        "currency",
        "currency_mismatch",
    ),
    "valid_to before valid_from": Odd(
        line(price("1", 3, valid_from=LATER, valid_to="2027-04-30")),
        "rejected",
        "rejected",
        "valid_to",
        "invalid_validity",
    ),
    # The price of row 0 again: both apply, one after the other.
    "the same price twice": Odd(line(price("98", 2)), "applied", "updated"),
    "negative amount": Odd(
        line(price("-1", 3, valid_from=LATER)), "rejected", "rejected", "amount", "negative_amount"
    ),
    "five decimal places": Odd(
        line(price("1.00001", 3, valid_from=LATER)),
        "rejected",
        "rejected",
        "amount",
        "amount_too_precise",
    ),
    "an amount far too large": Odd(
        line(price("12345678901", 3, valid_from=LATER)),
        "rejected",
        "rejected",
        "amount",
        "amount_too_large",
    ),
    # Rows the row schema corrects (the amount's exponent, surrounding space, a number in
    # a string): the chunk takes the lane with them as corrected.
    "an amount string with an exponent": Odd(
        line(price("1e2", 3, valid_from=LATER)),
        "applied",
        "created",
        stored=Decimal(100),
        lane=True,
    ),
    "a trailing space": Odd(
        line(price("7", 3, product="P-A ", valid_from=LATER)),
        "applied",
        "created",
        stored=Decimal(7),
        lane=True,
    ),
    "a trailing no-break space, escaped": Odd(
        line(price("7", 3, product="P-A\u00a0", valid_from=LATER)),
        "applied",
        "created",
        stored=Decimal(7),
        lane=True,
    ),
    "a trailing no-break space, as UTF-8": Odd(
        line(price("7", 3, price_type="W\u00a0", valid_from=LATER), ascii_only=False),
        "applied",
        "created",
        stored=Decimal(7),
        lane=True,
    ),
    # Rows the row schema rejects: the rest of the chunk takes the lane.
    "an unknown key": Odd(
        line(price("1", 3, valid_from=LATER, colour="red")),
        "rejected",
        "rejected",
        "colour",
        "extra_forbidden",
        lane=True,
    ),
    "erp_version as a string": Odd(
        line(price("7", "5", valid_from=LATER)),
        "applied",
        "created",
        stored=Decimal(7),
        lane=True,
    ),
    "30 February": Odd(
        line(price("1", 3, valid_from="2026-02-30")),
        "rejected",
        "rejected",
        "valid_from",
        "date_from_datetime_parsing",
        lane=True,
    ),
    "no stamp": Odd(
        line({"product": "P-A", "price_type": "W", "amount": "1", "valid_from": LATER}),
        "rejected",
        "rejected",
        "erp_version",
        "missing_stamp",
        lane=True,
    ),
    "a NUL escape": Odd(
        line(price("1", 3, product="P-A\u0000", valid_from=LATER)),
        "rejected",
        "rejected",
        "product",
        "unstorable_text",
        lane=True,
    ),
}


@pytest.mark.parametrize("odd", ODD_ROWS.values(), ids=ODD_ROWS.keys())
def test_a_chunk_with_an_odd_row_is_answered_as_the_ordinary_way_answers(  # type: ignore[no-untyped-def]
    erp, catalog, lane, odd
) -> None:
    result = either_way(erp, [AROUND[0], odd.row, *AROUND[1:]])

    assert_lane(lane, [odd.lane])
    assert result.rows() == [
        (0, "applied", "updated", None, None),
        (1, odd.status, odd.outcome, odd.field, odd.code),
        (2, "unchanged", "unchanged", None, None),
        (3, "applied", "created", None, None),
    ]
    # Nothing of the declined attempt is left: each good row applied once, one entry.
    counts = {"created": 1, "updated": 1}
    if odd.status == "applied":
        counts[odd.outcome] += 1
    assert result.audit == [
        (
            "update",
            "synced from the ERP",
            "",
            f"{sum(counts.values())} prices",
            counts,
            "ERP message m-1",
        )
    ]
    assert len(result.price("CAB-001", "W", dt.date(2027, 1, 1))) == 1
    later = result.price("CAB-001", "W", dt.date(2027, 5, 1))
    assert [held[3] for held in later] == ([] if odd.stored is None else [odd.stored])
    if odd.outcome == "updated":  # the same price twice: the later change holds
        assert result.price("CAB-001", "W", None)[0][3:6] == (Decimal(98), None, 2)


def test_an_amount_beyond_any_number_is_rejected_not_a_failed_message(  # type: ignore[no-untyped-def]
    erp, catalog, lane
) -> None:
    # PostgreSQL refuses the figure in the COPY itself: the fast lane steps aside and the
    # ordinary way rejects the row.
    result = either_way(erp, [AROUND[0], line(price("1e200000", 3, valid_from=LATER)), *AROUND[1:]])

    assert result.rows()[1] == (1, "rejected", "rejected", "amount", "amount_too_large")
    assert result.counts() == (4, 2, 1, 1)
    assert_lane(lane, [False])


def test_an_atomic_batch_with_one_row_the_writer_declines_applies_nothing(  # type: ignore[no-untyped-def]
    erp, catalog, lane
) -> None:
    before = stored_prices()

    result = either_way(erp, [*AROUND, line(price("1", 3, product="P-NONE"))], atomic=True)

    assert_lane(lane, [False])
    assert result.answer["atomic"] is True
    assert result.counts() == (4, 0, 0, 4)
    assert [(row[0], row[4]) for row in result.rows()] == [
        (0, "atomic_batch_rejected"),
        (1, "atomic_batch_rejected"),
        (2, "atomic_batch_rejected"),
        (3, "unknown_product"),
    ]
    assert result.latest_change_at() is None
    assert result.prices == before
    assert result.audit == []


def small_chunks(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """Chunks of ``rows`` rows, the lane's (where it has a size of its own) as the feed's."""
    feed = FEEDS["prices"]
    lane = feed.lane
    assert lane is not None
    if "chunk_rows" in {field.name for field in fields(lane)}:
        lane = replace(lane, chunk_rows=rows)  # type: ignore[call-arg]
    monkeypatch.setitem(FEEDS, "prices", replace(feed, chunk_rows=rows, lane=lane))


def test_an_atomic_batch_undoes_the_chunks_the_lane_applied_before_a_bad_row(  # type: ignore[no-untyped-def]
    erp, catalog, lane, monkeypatch
) -> None:
    small_chunks(monkeypatch, 2)
    before = stored_prices()
    rows = [*AROUND, line(price("1", 3, product="P-NONE"))]

    result = either_way(erp, rows, atomic=True)

    if connection.vendor == "postgresql":
        # The chunks before the bad row's (the last) took the lane, and were undone.
        chunks = per_run(lane)
        assert len(chunks) >= 2
        assert chunks == [True] * (len(chunks) - 1) + [False]
    else:
        assert not any(lane)
    assert result.counts() == (4, 0, 0, 4)
    assert result.prices == before
    assert result.audit == []


def test_an_atomic_batch_of_plain_rows_takes_the_lane_and_applies_all(  # type: ignore[no-untyped-def]
    erp, catalog, lane
) -> None:
    result = either_way(erp, PLAIN, atomic=True)

    assert_lane(lane, [True])
    assert result.rows() == PLAIN_ROWS
    assert result.counts() == (7, 4, 3, 0)


def test_a_batch_over_several_chunks_falls_back_only_where_it_must(  # type: ignore[no-untyped-def]
    erp, catalog, lane, monkeypatch
) -> None:
    small_chunks(monkeypatch, 4)
    progress: list[tuple[int, int, int, int]] = []
    spy = fastlane.apply

    def noting_progress(*args: Any, **kwargs: Any) -> Any:
        message = InboundMessage.objects.get()
        progress.append((message.rows_done, message.applied, message.unchanged, message.rejected))
        return spy(*args, **kwargs)

    monkeypatch.setattr(fastlane, "apply", noting_progress)
    start = dt.datetime(2026, 8, 1, 2, tzinfo=dt.UTC)
    rows = [
        line(
            price(
                str(day),
                1,
                valid_from=f"2027-03-{day:02d}",
                erp_changed_at=(start + dt.timedelta(hours=day)).isoformat(),
            )
        )
        for day in range(1, 11)
    ]
    # Row 6 names an unknown product, with the latest change time: it is not applied.
    rows[6] = line(price("1", 1, product="P-NONE", erp_changed_at="2027-01-01T00:00:00Z"))

    result = either_way(erp, rows)

    if connection.vendor == "postgresql":
        # Progress is saved after each chunk, so what a chunk finds saved is where it
        # starts: the chunk of row 6 goes the ordinary way, the others take the lane.
        half = len(progress) // 2
        assert progress[:half] == progress[half:]  # NDJSON, then JSON
        starts = [done for done, *_ in progress[:half]]
        bad = max(n for n, start in enumerate(starts) if start <= 6)
        assert 0 < bad < len(starts) - 1  # lane chunks before and after it
        assert per_run(lane) == [n != bad for n in range(len(starts))]
        assert progress[:half] == [
            (start, start - (start > 6), 0, int(start > 6)) for start in starts
        ]
        sizes = [end - start for start, end in zip(starts, [*starts[1:], 10], strict=True)]
        applied = [size - (n == bad) for n, size in enumerate(sizes)]
        assert [entry[4] for entry in result.audit] == [{"created": n} for n in applied]
    else:
        assert not any(lane)
    assert result.answer["rows_done"] == 10
    assert result.counts() == (10, 9, 0, 1)
    assert result.rows() == [
        (n, "rejected", "rejected", "product", "unknown_product")
        if n == 6
        else (n, "applied", "created", None, None)
        for n in range(10)
    ]
    assert result.latest_change_at() == start + dt.timedelta(hours=10)
    made = [held for held in result.prices if held[2] and held[2].month == 3]
    assert [(held[2].day, held[3]) for held in made] == [
        (day, Decimal(day)) for day in range(1, 11) if day != 7
    ]
    # One entry a chunk, each with what it created: nine in all.
    assert sum(entry[4]["created"] for entry in result.audit) == 9
    assert all(list(entry[4]) == ["created"] for entry in result.audit)


# The stock feed's lane keeps the audit policy of stock: a change of on hand only (a new
# stock row's first figure too) is in the ledger alone; a change of safety stock is audited.
STOCK = [
    line({"sku": "CAB-001", "warehouse": "C", "on_hand": "25", "erp_version": 1}),
    line(
        {"sku": "CAB-002", "warehouse": "C", "on_hand": "10", "safety_stock": "2", "erp_version": 1}
    ),
    line({"sku": "TOOL-001", "warehouse": "C", "on_hand": "5.5", "erp_version": 1}),
]


def sent_stock(machine: Any, lines: list[str], content_type: str) -> dict[str, Any]:
    """The answer, figures, ledger and audit entries of a stock batch, then rolled back."""
    body = (
        "\n".join(lines) + "\n"
        if content_type == NDJSON
        else '{"rows": [' + ", ".join(lines) + "]}"
    )
    with transaction.atomic():
        response = machine.post(
            "/api/v1/sync/stock",
            body.encode(),
            content_type=content_type,
            HTTP_IDEMPOTENCY_KEY="s-1",
        )
        assert response.status_code == 200, response.content
        answer = response.json()
        result = {
            "answer": {name: answer[name] for name in ANSWERED},
            "levels": list(
                StockLevel.objects.order_by("product__sku").values_list(
                    "product__sku", "on_hand", "reserved", "safety_stock", "erp_version"
                )
            ),
            "ledger": list(
                StockMovement.objects.order_by("product__sku").values_list(
                    "product__sku", "kind", "on_hand_delta", "on_hand_after", "reference"
                )
            ),
            "audit": list(
                AuditEntry.objects.filter(object_type="inventory.stocklevel")
                .order_by("-action")  # the update, then the new row
                .values_list("action", "verb", "object_repr", "before", "after", "source")
            ),
        }
        transaction.set_rollback(True)
    return result


def test_stock_levels_take_the_lane_and_keep_the_audit_policy(  # type: ignore[no-untyped-def]
    erp, catalog, world, lane
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(FEEDS, "stock", replace(FEEDS["stock"], lane=None))
        ordinary = sent_stock(erp, STOCK, JSON)
    for content_type in (NDJSON, JSON):
        assert sent_stock(erp, STOCK, content_type) == ordinary, content_type

    assert_lane(lane, [True])
    assert [(row["row"], row["outcome"]) for row in ordinary["answer"]["rows"]] == [
        (0, "updated"),
        (1, "updated"),
        (2, "created"),
    ]
    assert ordinary["ledger"] == [
        ("CAB-001", "erp_sync", Decimal(15), Decimal(25), "s-1"),
        ("TOOL-001", "erp_sync", Decimal("5.5"), Decimal("5.5"), "s-1"),
    ]
    depot, cabinet = catalog.depot.pk, world.product_a_child.pk
    # No entry for CAB-001 (on hand only) nor for TOOL-001's new row (its first figure is in
    # the ledger); one for CAB-002's safety stock.
    assert [(entry[0], entry[4]) for entry in ordinary["audit"]] == [
        ("update", {"safety_stock": "2.000", "erp_version": 1}),
    ]
    assert ordinary["audit"][0][2] == f"product #{cabinet} @ warehouse #{depot}: 10.000"
    assert {entry[5] for entry in ordinary["audit"]} == {"ERP message s-1"}


# The feed's lock: taken by a chunk that creates a price, not by one that only updates.


@contextmanager
def feed_locked_elsewhere() -> Iterator[None]:
    """The price feed's lock, held by another connection's transaction until the block ends
    (as another import of prices creating one would hold it)."""
    taken, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                serialise("prices")
                taken.set()
                release.wait(30)
        finally:
            connections.close_all()
            done.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join(30)
        assert done.is_set()


def _post_on_a_thread(erp: Any, lines: list[str], key: str) -> tuple[threading.Thread, list[Any]]:
    body = ("\n".join(lines) + "\n").encode()
    return in_thread(
        lambda: erp.post("/api/v1/sync/prices", body, content_type=NDJSON, HTTP_IDEMPOTENCY_KEY=key)
    )


@pytest.mark.django_db(transaction=True)
def test_a_chunk_that_only_updates_prices_does_not_wait_for_the_feed_lock(  # type: ignore[no-untyped-def]
    erp, catalog, lane, postgres_only
) -> None:
    updates = [line(price("121", 7)), line(price("51", 7, product=None, sku="TOOL-001"))]

    with feed_locked_elsewhere():
        thread, answer = _post_on_a_thread(erp, updates, "only-updates")
        thread.join(20)
        assert not thread.is_alive()  # done while the lock is still held elsewhere

    assert answer[0].status_code == 200, answer[0].content
    assert [row["outcome"] for row in answer[0].json()["rows"]] == ["updated", "updated"]
    assert lane == [True]
    assert Price.objects.get(product__sku="CAB-001", price_type__code="W").amount == 121


@pytest.mark.django_db(transaction=True)
def test_a_chunk_that_creates_a_price_waits_for_the_feed_lock_then_finds_what_was_created(  # type: ignore[no-untyped-def]
    erp, catalog, lane, postgres_only
) -> None:
    """A chunk creating a price waits while another import holds the feed's lock; the
    price that import created meanwhile is then found and updated, not created twice."""
    new = line(price("9", 7, product=None, sku="CAB-002", price_type="R"))
    retail = PriceType.objects.get(code="R")

    with feed_locked_elsewhere():
        thread, answer = _post_on_a_thread(erp, [new], "creates")
        assert another_waits_for_a_lock()
        assert thread.is_alive()
        # What another import creates meanwhile.
        Price.objects.create(
            product=Product.objects.get(sku="CAB-002"),
            price_type=retail,
            amount=Decimal(8),
            erp_version=3,
        )
    thread.join(20)

    assert not thread.is_alive()
    assert answer[0].status_code == 200, answer[0].content
    assert [row["outcome"] for row in answer[0].json()["rows"]] == ["updated"]
    assert list(
        Price.objects.filter(product__sku="CAB-002", price_type=retail).values_list(
            "amount", "erp_version"
        )
    ) == [(Decimal(9), 7)]


@pytest.mark.django_db(transaction=True)
def test_imports_creating_the_same_prices_at_once_create_each_once_and_keep_the_newest(  # type: ignore[no-untyped-def]
    erp, catalog, lane, postgres_only
) -> None:
    """Four messages at once, each creating the same prices (retail for the three
    products, none held yet) at its own version: each price is created once, and what is
    held in the end is the newest version's, whichever message committed last."""
    retail = PriceType.objects.get(code="R")
    skus = ["CAB-001", "CAB-002"]

    def send(version: int) -> Any:
        body = "".join(
            line(price(str(version), version, product=None, sku=sku, price_type="R")) + "\n"
            for sku in skus
        )
        return erp.post(
            "/api/v1/sync/prices",
            body.encode(),
            content_type=NDJSON,
            HTTP_IDEMPOTENCY_KEY=f"at-once-{version}",
        )

    answers = race([lambda version=version: send(version) for version in (1, 2, 3, 4)])

    assert [answer.status_code for answer in answers] == [200] * 4, answers
    assert lane == [True] * 4
    held = Price.objects.filter(price_type=retail, product__sku__in=skus)
    assert sorted(held.values_list("product__sku", "amount", "erp_version")) == [
        ("CAB-001", Decimal(4), 4),
        ("CAB-002", Decimal(4), 4),
    ]
    # Every row was created, updated or found stale once: none failed.
    outcomes = sorted(row["outcome"] for answer in answers for row in answer.json()["rows"])
    assert outcomes.count("created") == 2
    assert len(outcomes) == 8
