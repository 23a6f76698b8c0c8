"""Benchmarks of the ERP connection, run by ``bench/workload.py`` on a loaded database.

- ``import_prices_rows_per_s`` / ``import_stock_rows_per_s``: a 100,000-row batch sent to
  ``POST /api/v1/sync/prices`` (``/stock``) through the whole Django stack (middleware,
  machine authentication, the body streamed to storage, the import job applying it in
  chunks), from the first byte sent to every row applied. Each runs in a fresh process, so
  ``import_peak_rss_mb`` is that import's own peak resident memory.
- ``postgres_copy_rows_per_s``: PostgreSQL's COPY of the same 100,000 price rows into a
  table of the same shape and indexes, committed, in the same run; ``import_vs_copy`` is the
  ratio of the slower import to it. The table is an ordinary one, written to the WAL as the
  imports' tables are; the details also give COPY into a temporary table (no WAL) and the
  ratio to that.
- ``webhook_delivery_p95_ms``: from an order's commit to the ERP's receiving its signed
  ``order.placed`` webhook, with a ``dealerdesk worker`` process delivering and a receiver
  on 127.0.0.1 standing in for the ERP.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path
from typing import Any

ROWS = {"large": 100_000, "small": 5_000}
DELIVERIES = 60


def _metric(value: float, unit: str, target: float | None) -> dict[str, Any]:
    return {"value": round(value, 2), "unit": unit, "target": target}


# --- imports --------------------------------------------------------------------------------


def _first_version() -> int:
    """ERP sequences above any an earlier run sent: every run changes every row."""
    return time.time_ns() // 1000


def _rows(
    count: int, codes: list[str], field: str, figure: Callable[[int], dict[str, str]]
) -> Iterator[dict[str, Any]]:
    """``count`` rows over the products the ERP knows, for each of ``codes`` in turn (price
    types, warehouses) under ``field``, with the figures ``figure`` gives a product's number."""
    from dealerdesk.catalog.models import Product

    per_code = -(-count // len(codes))
    products = list(
        Product.objects.exclude(external_id=None)
        .order_by("pk")
        .values_list("external_id", flat=True)[:per_code]
    )
    version = _first_version()
    rows = (
        {"product": product, field: code, **figure(number)}
        for code in codes
        for number, product in enumerate(products)
    )
    for produced, row in enumerate(islice(rows, count), start=1):
        yield {**row, "erp_version": version + produced}


def _price_rows(count: int) -> Iterator[dict[str, Any]]:
    from dealerdesk.pricing.models import PriceType

    types = list(PriceType.objects.order_by("pk").values_list("code", flat=True))[:4]
    return _rows(
        count,
        types,
        "price_type",
        lambda number: {"amount": str(Decimal(10 + number % 9000) + Decimal("0.37"))},
    )


def _stock_rows(count: int) -> Iterator[dict[str, Any]]:
    from dealerdesk.inventory.models import Warehouse

    warehouses = list(Warehouse.objects.order_by("pk").values_list("code", flat=True))
    return _rows(count, warehouses, "warehouse", lambda n: {"on_hand": str(n % 500 + 7)})


def _write_ndjson(rows: Iterator[dict[str, Any]], path: Path) -> int:
    written = 0
    with path.open("w") as out:
        for row in rows:
            out.write(json.dumps(row, separators=(",", ":")) + "\n")
            written += 1
    return written


def _import_in_fresh_process(feed: str, body: str, key: str, queue: Any) -> None:
    """Child process: Django set up as a web process with in-process tasks, one POST."""
    os.environ["DEALERDESK_TASKS_BACKEND"] = "immediate"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerdesk.settings")
    import django

    django.setup()
    from django.test import Client

    from dealerdesk.core.runtime import freeze_startup_objects

    freeze_startup_objects()
    from dealerdesk.integration.models import InboundMessage

    payload = Path(body).read_bytes()
    client = Client(HTTP_HOST="127.0.0.1")
    # A server answers its first request after loading its URLs and API modules; the import
    # is measured as a running server takes it.
    client.get("/api/v1/sync/client", HTTP_AUTHORIZATION=f"Bearer {key}")
    message_id = f"bench-{feed}-{secrets.token_hex(6)}"
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/sync/{feed}",
        payload,
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_IDEMPOTENCY_KEY=message_id,
    )
    # With in-process tasks the import job has run once the request's work committed; the
    # message row says how it went.
    message = InboundMessage.objects.get(message_id=message_id)
    deadline = time.perf_counter() + 1800
    while message.status in {"queued", "processing"} and time.perf_counter() < deadline:
        time.sleep(0.05)
        message.refresh_from_db()
    seconds = time.perf_counter() - started
    queue.put(
        {
            "status_code": response.status_code,
            "seconds": seconds,
            "message_status": message.status,
            "applied": message.applied,
            "unchanged": message.unchanged,
            "rejected": message.rejected,
            "error": message.error,
            "body_mb": round(len(payload) / 2**20, 1),
            "rss_before_mb": round(baseline, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    )


def _import(feed: str, rows: Iterator[dict[str, Any]], key: str, work: Path) -> dict[str, Any]:
    body = work / f"{feed}.ndjson"
    count = _write_ndjson(rows, body)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_import_in_fresh_process, args=(feed, str(body), key, queue))
    child.start()
    result: dict[str, Any] = queue.get(timeout=1800)
    child.join()
    result["rows"] = count
    result["rows_per_s"] = round(count / result["seconds"], 1)
    return result


def _copy_rows_per_s(count: int, *, temporary: bool) -> dict[str, Any] | None:
    """COPY of ``count`` price rows (the shape the import writes) into a scratch table with
    the prices table's columns and indexes, committed: an ordinary table, written to the
    WAL like the prices table (``temporary``: a temporary table, which skips the WAL)."""
    from django.db import connection, transaction

    from dealerdesk.catalog.models import Product
    from dealerdesk.pricing.models import Price, PriceType

    if connection.vendor != "postgresql":
        return None
    table = Price._meta.db_table
    types = list(PriceType.objects.order_by("pk").values_list("pk", flat=True))[:4]
    per_type = -(-count // len(types))
    products = list(Product.objects.order_by("pk").values_list("pk", flat=True)[:per_type])
    rows = [
        (product, price_type, Decimal(10 + number % 9000) + Decimal("0.37"), 10**12 + number)
        for price_type in types
        for number, product in enumerate(products)
    ][:count]
    kind = "TEMPORARY" if temporary else ""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE {kind} TABLE bench_copy (LIKE {table} INCLUDING ALL)")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        copy_sql = (
            "COPY bench_copy (product_id, price_type_id, amount, erp_version, created_at, "
            "updated_at) FROM STDIN"
        )
        with cursor.cursor.copy(copy_sql) as copy:
            for product, price_type, amount, version in rows:
                copy.write_row((product, price_type, amount, version, "now", "now"))
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return {"rows": len(rows), "seconds": round(seconds, 3), "rows_per_s": len(rows) / seconds}


def bench_imports(scale: str) -> dict[str, Any]:
    from dealerdesk.integration.credentials import create_client, issue_api_key

    count = ROWS.get(scale, ROWS["small"])
    client = create_client(
        f"Bench ERP {secrets.token_hex(3)}", ["prices:write", "stock:write"],
        rate_limit="100000/m",
    )  # fmt: skip
    _row, key = issue_api_key(client)
    details: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        prices = _import("prices", _price_rows(count), key, work)
        stock = _import("stock", _stock_rows(count), key, work)
    details["import_prices"] = prices
    details["import_stock"] = stock
    metrics["import_prices_rows_per_s"] = _metric(prices["rows_per_s"], "rows/s", None)
    metrics["import_stock_rows_per_s"] = _metric(stock["rows_per_s"], "rows/s", None)
    metrics["import_peak_rss_mb"] = _metric(
        max(prices["peak_rss_mb"], stock["peak_rss_mb"]), "MB", 300
    )
    copy = _copy_rows_per_s(count, temporary=False)
    unlogged = _copy_rows_per_s(count, temporary=True)
    if copy is not None and unlogged is not None:
        slower = min(prices["rows_per_s"], stock["rows_per_s"])
        details["postgres_copy"] = copy
        details["postgres_copy_temporary"] = unlogged
        details["import_vs_copy_temporary"] = round(slower / unlogged["rows_per_s"], 3)
        metrics["postgres_copy_rows_per_s"] = _metric(copy["rows_per_s"], "rows/s", None)
        metrics["import_vs_copy"] = _metric(slower / copy["rows_per_s"], "ratio", 0.25)
    return {"metrics": metrics, "details": details}


# --- webhook delivery -----------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    """The ERP's end: notes when each order.placed arrived; answers with an ERP number."""

    arrivals: dict[str, float] = {}

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        event = json.loads(body or b"{}")
        number = (event.get("data") or {}).get("number")
        if event.get("type") == "order.placed" and number:
            self.arrivals.setdefault(number, time.time())
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"erp_number": f"SO-{number}"}).encode())

    def log_message(self, *args: Any) -> None:
        return


def _priced_product(company: Any, contract: Any) -> Any:
    """A product of the company's catalog that has a price under the contract."""
    from dealerdesk.catalog.queries import scope_for_company
    from dealerdesk.pricing.queries import price_lines

    if contract is None:
        return None
    candidates = list(scope_for_company(company).products().order_by("pk")[:200])
    priced = price_lines(company, contract, [(p.pk, p.min_quantity) for p in candidates])
    return next((p for p, line in zip(candidates, priced, strict=True) if line.priced), None)


def bench_webhook_delivery(scale: str) -> dict[str, Any]:
    """Orders placed one by one, each timed from its commit to its arrival at the ERP."""
    from django.db import transaction

    from dealerdesk.accounts.models import Company, Membership
    from dealerdesk.integration.models import WebhookEndpoint
    from dealerdesk.integration.outbound.signing import new_secret
    from dealerdesk.ordering.choices import OrderStatus
    from dealerdesk.ordering.services import OrderLineRequest, place_order
    from dealerdesk.pricing.queries import contract_for

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = WebhookEndpoint.objects.create(
        name="Bench ERP",
        url=f"http://127.0.0.1:{server.server_port}/webhooks",
        secret=new_secret(),
        topics=["order.placed"],
    )
    company = Company.objects.get(name="Dealer One")
    buyer = Membership.objects.filter(company=company, role="buyer").select_related("user").first()
    contract = contract_for(company, None, cached=False)
    product = _priced_product(company, contract)
    env = {**os.environ, "DEALERDESK_TASKS_BACKEND": "database"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "dealerdesk", "worker", "--interval", "0.05"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    committed: dict[str, float] = {}
    try:
        time.sleep(3)  # the worker starts and takes its first look
        for attempt in range(DELIVERIES):
            if product is None or buyer is None or contract is None:
                break
            with transaction.atomic():
                # A backorder: the measurement is of delivery, not of who gets the last units.
                placed = place_order(
                    company, buyer.user,
                    [OrderLineRequest(product.pk, product.min_quantity, backorder=True)],
                    submission_key=f"bench-webhook-{secrets.token_hex(4)}-{attempt}",
                    notify=False,
                )  # fmt: skip
                number = placed.order.number or ""
                # An order held over the credit limit reaches the ERP only once approved.
                if placed.order.status == OrderStatus.PLACED:
                    transaction.on_commit(lambda n=number: committed.setdefault(n, time.time()))
            time.sleep(0.2)
        deadline = time.time() + 60
        while time.time() < deadline and set(committed) - set(_Receiver.arrivals):
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        server.shutdown()
        endpoint.delete()
    latencies = sorted(
        (_Receiver.arrivals[number] - at) * 1000
        for number, at in committed.items()
        if number in _Receiver.arrivals
    )
    if not latencies:
        return {"metrics": {}, "details": {"webhook_delivery": {"error": "nothing arrived"}}}
    p95 = latencies[max(0, -(-len(latencies) * 95 // 100) - 1)]
    return {
        "metrics": {"webhook_delivery_p95_ms": _metric(p95, "ms", None)},
        "details": {
            "webhook_delivery": {
                "orders": len(committed),
                "delivered": len(latencies),
                "median_ms": round(latencies[len(latencies) // 2], 1),
                "p95_ms": round(p95, 1),
                "max_ms": round(latencies[-1], 1),
            }
        },
    }
