"""Dealerdesk benchmarks: load the demo data set into fresh databases and time what matters.

    python bench/run.py                      # large scale, SQLite and PostgreSQL
    python bench/run.py --scale small        # a quick run
    python bench/run.py --databases sqlite   # one database only

For each database: ``migrate`` wall time, ``seed-demo`` wall time and peak RSS (each run as a
child process with its own ``DATABASE_URL`` and ``DEALERDESK_DATA_DIR``), the row counts, and
the in-database benchmarks listed in ``BENCHMARKS`` (run in a child process that has Django
set up against that database). Results go to ``bench/results/latest.json``.

PostgreSQL is reached at ``--pg-url`` (default ``postgres://postgres@127.0.0.1:5432``); the
script creates and drops the database ``dealerdesk_bench``. If PostgreSQL is unreachable it is
skipped with a note, unless ``CI=true``, where that is an error.

To add a benchmark, write a function ``(scale) -> dict`` that runs with Django configured and
append it to ``BENCHMARKS``; its result appears under its name in the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_DATABASE = "dealerdesk_bench"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"
LATENCY_RUNS = 20


def say(message: str, stream: Any = None) -> None:
    (stream or sys.stdout).write(message + "\n")
    (stream or sys.stdout).flush()


# --- benchmarks that run inside a child process with Django set up ---------------------------


def bench_row_counts(scale: str) -> dict[str, Any]:
    from dealerdesk.demo.seed import row_counts

    return row_counts()


def _timed(call: Callable[[], object], runs: int = LATENCY_RUNS) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()  # warm caches (connection, query plans) before measuring
    with CaptureQueriesContext(connection) as queries:
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "runs": runs,
        "median_ms": round(statistics.median(samples), 2),
        "p90_ms": round(samples[int(len(samples) * 0.9) - 1], 2),
        "min_ms": round(samples[0], 2),
        "queries": len(queries),
    }


def bench_catalog_page(scale: str) -> dict[str, Any]:
    """What one dealer's catalog requests cost, scope resolution included: the first page,
    a word search, a category, a barcode scan (resolved to one product) and a product page."""
    from dealerdesk.accounts.models import Company
    from dealerdesk.catalog.models import Barcode, Category
    from dealerdesk.catalog.queries import (
        CatalogFilters,
        catalog_page,
        find_by_code,
        product_detail,
        scope_for_company,
    )

    company = Company.objects.get(name="Dealer One")
    scope = scope_for_company(company)
    category = Category.objects.get(name="Power cables NYM")
    barcode, product_id = (
        Barcode.objects.filter(product__in=scope.products())
        .values_list("code", "product_id")
        .order_by("code")
        .first()
    ) or ("", 0)

    def page(filters: CatalogFilters) -> Callable[[], Any]:
        return lambda: catalog_page(scope_for_company(company), filters)

    cases: dict[str, Callable[[], Any]] = {
        "first_page": page(CatalogFilters()),
        "search_words": page(CatalogFilters(q="cable 3x1.5")),
        "category": page(CatalogFilters(category_id=category.pk)),
        "barcode_scan": lambda: find_by_code(scope_for_company(company), barcode),
        "product_page": lambda: product_detail(scope_for_company(company), product_id),
    }
    result: dict[str, Any] = {
        "dealer": company.name,
        "products_in_scope": scope.products().count(),
    }
    for name, action in cases.items():
        result[name] = _timed(action)
    return result


BENCHMARKS: list[Callable[[str], dict[str, Any]]] = [bench_row_counts, bench_catalog_page]


def worker(scale: str) -> None:
    """Child-process entry: run BENCHMARKS against the configured database, print JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerdesk.settings")
    import django

    django.setup()
    results: dict[str, Any] = {}
    for benchmark in BENCHMARKS:
        name = benchmark.__name__.removeprefix("bench_")
        started = time.perf_counter()
        try:
            results[name] = benchmark(scale)
        except Exception as error:  # one broken benchmark must not hide the others
            results[name] = {"error": f"{type(error).__name__}: {error}"}
        results[name + "_seconds"] = round(time.perf_counter() - started, 2)
    sys.stdout.write(json.dumps(results) + "\n")


# --- the driver ------------------------------------------------------------------------------


def run_child(args: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run a child to completion; wall time, exit code and its own peak RSS (via wait4)."""
    started = time.perf_counter()
    with log.open("w") as out:
        # Our own interpreter and fixed arguments: nothing untrusted reaches the command line.
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return {
        "seconds": round(seconds, 2),
        "exit_code": process.returncode,
        "peak_rss_mb": round(usage.ru_maxrss / divisor, 1),
    }


def phases(log: Path) -> dict[str, float]:
    """The per-phase times the seed command prints ("  products: 45.9 s")."""
    found: dict[str, float] = {}
    for line in log.read_text().splitlines():
        if match := re.fullmatch(r"\s+([a-z ]+): ([\d.]+) s", line):
            found[match.group(1)] = float(match.group(2))
    return found


def bench_database(kind: str, url: str, scale: str, seed: int | None, work: Path) -> dict[str, Any]:
    data_dir = work / kind
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "DEALERDESK_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    python = [sys.executable, "-m", "dealerdesk"]
    figures: dict[str, Any] = {"database_url": url}

    migrate_log = data_dir / "migrate.log"
    figures["migrate"] = run_child([*python, "migrate", "--noinput", "-v0"], env, migrate_log)
    if figures["migrate"]["exit_code"]:
        figures["error"] = migrate_log.read_text()[-2000:]
        return figures

    seed_args = [*python, "seed-demo", "--scale", scale]
    if seed is not None:
        seed_args += ["--seed", str(seed)]
    seed_log = data_dir / "seed.log"
    say(f"[{kind}] seed-demo --scale {scale} …")
    figures["seed"] = run_child(seed_args, env, seed_log)
    figures["seed"]["phases"] = phases(seed_log)
    if figures["seed"]["exit_code"]:
        figures["error"] = seed_log.read_text()[-2000:]
        return figures
    say(f"[{kind}] seed took {figures['seed']['seconds']} s")

    if kind == "sqlite":
        figures["database_file_mb"] = round(
            Path(url.removeprefix("sqlite:///")).stat().st_size / 2**20, 1
        )
    worker_run = subprocess.run(  # noqa: S603 - this script, in worker mode
        [sys.executable, str(Path(__file__).resolve()), "--worker", "--scale", scale],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if worker_run.returncode:
        figures["benchmarks_error"] = worker_run.stderr[-2000:]
    else:
        figures.update(json.loads(worker_run.stdout.strip().splitlines()[-1]))
    return figures


def postgres_admin(pg_url: str) -> Any:
    import psycopg

    return psycopg.connect(f"{pg_url.rstrip('/')}/postgres", autocommit=True, connect_timeout=5)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
    }
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split("\n")[0].split()[1])
        info["memory_gb"] = round(total_kb / 2**20, 1)
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("small", "large"), default="large")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--keep", action="store_true", help="keep the databases and data dirs")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.scale)
        return 0

    ci = os.environ.get("CI", "").lower() == "true"
    work = Path(tempfile.mkdtemp(prefix="dealerdesk-bench-"))
    report: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "seed": args.seed,
        "machine": machine(),
        "databases": {},
        "notes": [],
    }
    failed = False
    try:
        for kind in [name.strip() for name in args.databases.split(",") if name.strip()]:
            if kind == "sqlite":
                url = f"sqlite:///{work / 'bench.sqlite3'}"
                report["databases"]["sqlite"] = bench_database(
                    kind, url, args.scale, args.seed, work
                )
            elif kind == "postgres":
                try:
                    admin = postgres_admin(args.pg_url)
                except Exception as error:
                    note = f"PostgreSQL skipped: cannot connect to {args.pg_url} ({error})"
                    report["notes"].append(note)
                    say(note, sys.stderr)
                    failed = failed or ci
                    continue
                with admin:
                    report["machine"]["postgres"] = admin.execute("SHOW server_version").fetchone()[
                        0
                    ]
                    admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
                    admin.execute(f"CREATE DATABASE {PG_DATABASE}")
                url = f"{args.pg_url.rstrip('/')}/{PG_DATABASE}"
                try:
                    report["databases"]["postgres"] = bench_database(
                        kind, url, args.scale, args.seed, work
                    )
                finally:
                    if not args.keep:
                        with postgres_admin(args.pg_url) as admin:
                            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            else:
                parser.error(f"unknown database {kind!r} (sqlite, postgres)")
            figures = report["databases"][kind]
            failed = failed or "error" in figures
    finally:
        if args.keep:
            report["notes"].append(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    # The driver's own children, for the record (includes every child, not one run).
    report["children_max_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    say(json.dumps(report["databases"], indent=2))
    say(f"written to {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
