"""A large batch of stock levels or prices on PostgreSQL goes through two lanes, each with a
database connection of its own: one chunk is copied and staged while the chunk before is
written. The writes keep the order of the chunks, so the batch is answered and stored as in
one lane, row for row, whatever the rows (a record changed in several chunks, equal stamps,
a chunk that goes the ordinary way). A chunk that fails stops the batch where it failed, and
the lanes leave no connection behind."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from dealerdesk.integration.inbound import fastlane, process
from dealerdesk.integration.inbound.feeds import FEEDS
from dealerdesk.inventory.models import StockLevel, StockMovement, Warehouse

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only"),
]

NDJSON = "application/x-ndjson"


def level(sku: str, on_hand: int, version: int, **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "on_hand": str(on_hand), "erp_version": version, **extra}


# Chunks of 3 rows after a first chunk of one (see ``small_chunks``).
ROWS = [
    level("CAB-001", 11, 1),
    level("CAB-002", 12, 1),
    level("TOOL-001", 5, 1),  # creates the stock row
    level("CAB-001", 13, 3),
    level("CAB-001", 14, 2),  # stale: version 3 is held
    level("TOOL-001", 6, 2),
    level("CAB-002", 15, 2),
    level("CAB-002", 16, 2),  # stale: the same version, applied one chunk before
    {"product": "P-NONE", "on_hand": "1", "erp_version": 1},  # its chunk goes the ordinary way
    level("CAB-001", 17, 4),
    level("TOOL-001", 7, 3),
    level("CAB-002", 18, 3),
    level("TOOL-001", 8, 4),  # the same record twice in a chunk: the ordinary way
]


@pytest.fixture
def depots(shop, world) -> dict[str, Warehouse]:  # type: ignore[no-untyped-def]
    """Two warehouses holding the same: 10 of CAB-001 and of CAB-002, no row for TOOL-001."""
    made = {}
    for code in ("ONE", "TWO"):
        depot = Warehouse.objects.create(code=code, name=f"Depot {code}")
        for product in (world.product_a, world.product_a_child):
            StockLevel.objects.create(product=product, warehouse=depot, on_hand=Decimal(10))
        made[code] = depot
    return made


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FEEDS, "stock", replace(FEEDS["stock"], chunk_rows=3))


@pytest.fixture
def slow_first_lane(monkeypatch: pytest.MonkeyPatch, small_chunks: None) -> None:
    """The first lane's writer takes its time: were the writes not kept in order, the second
    lane would write the next chunk first."""
    feed = FEEDS["stock"]
    assert feed.lane is not None
    write = feed.lane.write

    def slow(*args: Any) -> Any:
        if threading.current_thread().name == "dealerdesk-lane-0":
            time.sleep(0.2)
        return write(*args)

    monkeypatch.setitem(FEEDS, "stock", replace(feed, lane=replace(feed.lane, write=slow)))


@pytest.fixture
def lanes_seen(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread each chunk tried the fast lane on."""
    seen: list[str] = []
    real = fastlane.apply

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(fastlane, "apply", spy)
    return seen


def send(erp: Any, warehouse: str, key: str, rows: list[dict[str, Any]] = ROWS) -> Any:
    body = "".join(f"{json.dumps(row | {'warehouse': warehouse})}\n" for row in rows)
    return erp.post("/api/v1/sync/stock", body.encode(), NDJSON, HTTP_IDEMPOTENCY_KEY=key)


def answered(response: Any) -> list[tuple[Any, ...]]:
    body = response.json()
    return [
        (row["row"], row["status"], row["outcome"], row.get("code"), row["key"].split("/")[0])
        for row in body["rows"]
    ]


def held(depot: Warehouse) -> dict[str, tuple[Decimal, int | None]]:
    return {
        sku: (on_hand, version)
        for sku, on_hand, version in StockLevel.objects.filter(warehouse=depot).values_list(
            "product__sku", "on_hand", "erp_version"
        )
    }


def ledger(depot: Warehouse) -> list[tuple[str, Decimal, Decimal]]:
    return list(
        StockMovement.objects.filter(warehouse=depot)
        .order_by("id")
        .values_list("product__sku", "on_hand_delta", "on_hand_after")
    )


def test_a_batch_in_two_lanes_is_answered_and_stored_as_in_one(  # type: ignore[no-untyped-def]
    erp, depots, slow_first_lane, lanes_seen, settings
) -> None:
    settings.DEALERDESK_IMPORT_LANES = 1
    one = send(erp, "ONE", "lanes-1")
    in_one_lane = list(lanes_seen)
    lanes_seen.clear()
    settings.DEALERDESK_IMPORT_LANES = 2
    two = send(erp, "TWO", "lanes-2")

    assert one.status_code == two.status_code == 200, (one.content, two.content)
    assert set(in_one_lane) == {threading.current_thread().name}
    assert set(lanes_seen) == {"dealerdesk-lane-0", "dealerdesk-lane-1"}
    assert answered(two) == answered(one)
    assert [(row[0], row[2]) for row in answered(two)] == [
        (0, "updated"),
        (1, "updated"),
        (2, "created"),
        (3, "updated"),
        (4, "stale"),
        (5, "updated"),
        (6, "updated"),
        (7, "stale"),
        (8, "rejected"),
        (9, "updated"),
        (10, "updated"),
        (11, "updated"),
        (12, "updated"),
    ]
    expected = {
        "CAB-001": (Decimal(17), 4),
        "CAB-002": (Decimal(18), 3),
        "TOOL-001": (Decimal(8), 4),
    }
    assert held(depots["ONE"]) == held(depots["TWO"]) == expected
    # Every change of on hand, each record's in the order sent.
    assert ledger(depots["TWO"]) == ledger(depots["ONE"])
    assert per_record(ledger(depots["TWO"])) == {
        "CAB-001": [11, 13, 17],
        "CAB-002": [12, 15, 18],
        "TOOL-001": [5, 6, 7, 8],
    }


def per_record(movements: list[tuple[str, Decimal, Decimal]]) -> dict[str, list[Decimal]]:
    """The figures on hand each stock row went through, in the ledger's order."""
    figures: dict[str, list[Decimal]] = {}
    for sku, _delta, after in movements:
        figures.setdefault(sku, []).append(after)
    return figures


def _connections_in_use() -> int:
    """The other database connections this process holds: with the pool (the default on
    PostgreSQL) those checked out of it, else those open to the database."""
    pool = getattr(connection, "pool", None)
    if pool is not None:
        stats = pool.get_stats()
        return int(stats["pool_size"] - stats["pool_available"]) - 1  # less this thread's
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _in_use_back_to(count: int) -> int:
    """``_connections_in_use`` once those let go have gone (a server process leaves a
    moment after its client hangs up); at most two seconds."""
    deadline = time.monotonic() + 2
    while (now := _connections_in_use()) != count and time.monotonic() < deadline:
        time.sleep(0.05)
    return now


def _idle_in_transaction() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%%'"
        )
        return int(cursor.fetchone()[0])


def test_the_lanes_let_go_of_their_connections(erp, depots, small_chunks, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEALERDESK_IMPORT_LANES = 2
    before = _connections_in_use()

    assert send(erp, "TWO", "lanes-closed").status_code == 200

    assert _in_use_back_to(before) == before
    assert _idle_in_transaction() == 0


@pytest.fixture
def third_chunk_fails(monkeypatch: pytest.MonkeyPatch, small_chunks: None) -> None:
    """The chunk holding row 4 (the third: rows 4 on) fails as it is applied."""
    real = process._apply_rows

    def failing(batch: Any, chunk: Any, *args: Any, **kwargs: Any) -> Any:
        if 4 in chunk.positions:
            raise RuntimeError("disk full")
        return real(batch, chunk, *args, **kwargs)

    monkeypatch.setattr(process, "_apply_rows", failing)


def assert_failed(response: Any) -> None:
    """The message failed, and the answer says so."""
    assert response.status_code == 503
    assert response.json()["code"] == "message_failed"


def test_a_chunk_that_fails_stops_the_batch_there(  # type: ignore[no-untyped-def]
    erp, depots, third_chunk_fails, settings
) -> None:
    settings.DEALERDESK_IMPORT_LANES = 2
    before = _connections_in_use()

    response = send(erp, "TWO", "lanes-failed")

    assert_failed(response)
    # The chunks before the failed one stay applied; none after it was written.
    assert held(depots["TWO"]) == {
        "CAB-001": (Decimal(13), 3),
        "CAB-002": (Decimal(12), 1),
        "TOOL-001": (Decimal(5), 1),
    }
    assert _in_use_back_to(before) == before
    assert _idle_in_transaction() == 0


def test_a_batch_of_one_chunk_takes_no_lane(erp, depots, lanes_seen, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEALERDESK_IMPORT_LANES = 2

    assert send(erp, "TWO", "one-chunk").status_code == 200

    assert set(lanes_seen) == {threading.current_thread().name}


# Chunks that name no record in common are written at the same time; chunks that do, in
# order. Products named by their ERP ids (by SKU, a chunk's records cannot be told before
# they are resolved, and every chunk is written in order, as above).


@pytest.fixture
def erp_ids(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each product's ERP id, by SKU."""
    ids = {}
    for product in (world.product_a, world.product_a_child, world.product_b):
        product.external_id = f"ERP-{product.sku}"
        product.save(update_fields=["external_id"])
        ids[product.sku] = product.external_id
    return ids


@pytest.fixture
def turns_seen(monkeypatch: pytest.MonkeyPatch, small_chunks: None) -> list[tuple[str, str]]:
    """(event, lane) as chunks are let write ("write") and have written ("written", before
    their commit); each lane takes its time once let write."""
    feed = FEEDS["stock"]
    assert feed.lane is not None
    write = feed.lane.write
    seen: list[tuple[str, str]] = []

    def observed(*args: Any) -> Any:
        *rest, ready = args
        lane = threading.current_thread().name

        def let_write() -> None:
            ready()
            seen.append(("write", lane))
            time.sleep(0.25)

        written = write(*rest, let_write)
        seen.append(("written", lane))
        return written

    monkeypatch.setitem(FEEDS, "stock", replace(feed, lane=replace(feed.lane, write=observed)))
    return seen


def send_rows(erp: Any, key: str, rows: list[dict[str, Any]]) -> Any:
    body = "".join(f"{json.dumps(row)}\n" for row in rows)
    return erp.post("/api/v1/sync/stock", body.encode(), NDJSON, HTTP_IDEMPOTENCY_KEY=key)


def by_erp_id(rows: list[dict[str, Any]], erp_ids: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"product": erp_ids.get(row["sku"], row["sku"]), **row} | {"sku": None}
        if "sku" in row
        else row
        for row in rows
    ]


def snapshot(erp_ids: dict[str, str], *, first_on_hand: int) -> list[dict[str, Any]]:
    """Each product's stock in each depot once (six records), on hand counting up from
    ``first_on_hand``, at ERP version 9."""
    pairs = [(code, sku) for code in ("ONE", "TWO") for sku in ("CAB-001", "CAB-002", "TOOL-001")]
    return [
        {
            "product": erp_ids[sku],
            "warehouse": code,
            "on_hand": str(first_on_hand + number),
            "erp_version": 9,
        }
        for number, (code, sku) in enumerate(pairs)
    ]


def overlapped(seen: list[tuple[str, str]]) -> bool:
    """Whether a lane was let write while the other was writing."""
    writing: set[str] = set()
    for event, lane in seen:
        if event == "write":
            if writing - {lane}:
                return True
            writing.add(lane)
        else:
            writing.discard(lane)
    return False


def test_chunks_that_name_no_record_in_common_are_written_at_the_same_time(  # type: ignore[no-untyped-def]
    erp, depots, erp_ids, turns_seen, settings
) -> None:
    settings.DEALERDESK_IMPORT_LANES = 2
    # Six records, each once: chunks of 1, 3 and 2 rows.
    rows = snapshot(erp_ids, first_on_hand=20)

    response = send_rows(erp, "lanes-apart", rows)

    assert response.status_code == 200, response.content
    assert overlapped(turns_seen), turns_seen
    assert [(row["row"], row["outcome"]) for row in response.json()["rows"]] == [
        (0, "updated"),
        (1, "updated"),
        (2, "created"),
        (3, "updated"),
        (4, "updated"),
        (5, "created"),
    ]
    assert held(depots["ONE"]) == {
        "CAB-001": (Decimal(20), 9),
        "CAB-002": (Decimal(21), 9),
        "TOOL-001": (Decimal(22), 9),
    }
    assert held(depots["TWO"]) == {
        "CAB-001": (Decimal(23), 9),
        "CAB-002": (Decimal(24), 9),
        "TOOL-001": (Decimal(25), 9),
    }


def test_chunks_that_name_a_record_in_common_are_written_in_order(  # type: ignore[no-untyped-def]
    erp, depots, erp_ids, turns_seen, settings
) -> None:
    """The batch of the first test, its products named by ERP id: each chunk names a record
    the chunk before names, so no two chunks write at once, and the answer, the figures and
    the ledger are those of one lane."""
    rows = by_erp_id(ROWS, erp_ids)
    settings.DEALERDESK_IMPORT_LANES = 1
    one = send_rows(erp, "ordered-1", [row | {"warehouse": "ONE"} for row in rows])
    turns_seen.clear()
    settings.DEALERDESK_IMPORT_LANES = 2
    two = send_rows(erp, "ordered-2", [row | {"warehouse": "TWO"} for row in rows])

    assert one.status_code == two.status_code == 200, (one.content, two.content)
    assert {lane for _event, lane in turns_seen} == {"dealerdesk-lane-0", "dealerdesk-lane-1"}
    assert not overlapped(turns_seen), turns_seen
    assert answered(two) == answered(one)
    assert [row[2] for row in answered(two)] == [
        "updated",
        "updated",
        "created",
        "updated",
        "stale",
        "updated",
        "updated",
        "stale",
        "rejected",
        "updated",
        "updated",
        "updated",
        "updated",
    ]
    assert held(depots["ONE"]) == held(depots["TWO"])
    assert ledger(depots["TWO"]) == ledger(depots["ONE"])


def test_a_chunk_that_fails_among_chunks_written_at_once_fails_the_batch(  # type: ignore[no-untyped-def]
    erp, depots, erp_ids, third_chunk_fails, settings
) -> None:
    """Chunks that share no record are written at the same time; when one fails, the
    message fails, the chunks before it stay applied (each committed on its own), and the
    lanes leave no connection and no transaction behind."""
    settings.DEALERDESK_IMPORT_LANES = 2
    rows = snapshot(erp_ids, first_on_hand=30)
    before = _connections_in_use()

    response = send_rows(erp, "apart-failed", rows)

    assert_failed(response)
    assert held(depots["ONE"]) == {
        "CAB-001": (Decimal(30), 9),
        "CAB-002": (Decimal(31), 9),
        "TOOL-001": (Decimal(32), 9),
    }
    assert held(depots["TWO"])["CAB-001"] == (Decimal(33), 9)
    assert _in_use_back_to(before) == before
    assert _idle_in_transaction() == 0
