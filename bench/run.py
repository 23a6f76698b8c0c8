"""Dealerdesk benchmarks: load the demo data set into a fresh database and time what matters.

    python bench/run.py                           # large scale, the configured database
    python bench/run.py --scale small             # a quick run
    python bench/run.py --databases sqlite,postgres

The configured database is PostgreSQL when ``DATABASE_URL`` is a ``postgres://`` URL (the
benchmark uses its own database ``dealerdesk_bench`` on that server, created and dropped
here), else SQLite in a temporary file. For each database: ``migrate`` and ``seed-demo``
wall time and peak RSS (each a child process with its own ``DATABASE_URL`` and
``DEALERDESK_DATA_DIR``), ``load-customer-prices`` (1,000,000 at the large scale), then the
benchmarks of ``bench/workload.py`` in a child process with Django set up.

Results: ``bench/results/latest.json`` holds one key per metric of the last database run,
each ``{"value", "unit", "target"}``; ``bench/results/<database>.json`` holds the same
metrics with every detail (machine, phases, row counts, medians and percentiles).

If PostgreSQL is asked for and unreachable it is skipped with a note, unless ``CI=true``,
where that is an error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_DATABASE = "dealerdesk_bench"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"
CUSTOMER_PRICES = {"large": 1_000_000, "small": 20_000}


def say(message: str, stream: Any = None) -> None:
    (stream or sys.stdout).write(message + "\n")
    (stream or sys.stdout).flush()


def worker(scale: str) -> None:
    """Child-process entry: run the workload against the configured database, print JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerdesk.settings")
    import django

    django.setup()
    from dealerdesk.core.runtime import freeze_startup_objects

    freeze_startup_objects()  # as dealerdesk.asgi does once the application is loaded
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from workload import BENCHMARKS  # the sibling module, importable once Django is set up

    metrics: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for benchmark in BENCHMARKS:
        name = benchmark.__name__.removeprefix("bench_")
        started = time.perf_counter()
        try:
            result = benchmark(scale)
        except Exception as error:  # one broken benchmark must not hide the others
            details[name] = {"error": f"{type(error).__name__}: {error}"}
        else:
            metrics.update(result["metrics"])
            details.update(result["details"])
        details[name + "_seconds"] = round(time.perf_counter() - started, 2)
    sys.stdout.write(json.dumps({"metrics": metrics, "details": details}) + "\n")


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


def bench_database(
    kind: str, url: str, scale: str, seed: int | None, customer_prices: int, work: Path
) -> dict[str, Any]:
    data_dir = work / kind
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEALERDESK_DATA_DIR": str(data_dir),
        # Order confirmations are rendered and handed over, not printed on the console.
        "DEALERDESK_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # 100 order clients share one process's 20 pooled connections: they queue for one
        # the way requests queue at a busy server, rather than give up after 10 s.
        "DEALERDESK_DB_POOL_TIMEOUT": "120",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    python = [sys.executable, "-m", "dealerdesk"]
    figures: dict[str, Any] = {"database": kind}
    metrics: dict[str, Any] = {}

    migrate_log = data_dir / "migrate.log"
    figures["migrate"] = run_child([*python, "migrate", "--noinput", "-v0"], env, migrate_log)
    if figures["migrate"]["exit_code"]:
        figures["error"] = migrate_log.read_text()[-2000:]
        return {"metrics": metrics, "details": figures}

    seed_args = [*python, "seed-demo", "--scale", scale, "--no-images"]
    if seed is not None:
        seed_args += ["--seed", str(seed)]
    seed_log = data_dir / "seed.log"
    say(f"[{kind}] seed-demo --scale {scale} …")
    figures["seed"] = run_child(seed_args, env, seed_log)
    figures["seed"]["phases"] = phases(seed_log)
    if figures["seed"]["exit_code"]:
        figures["error"] = seed_log.read_text()[-2000:]
        return {"metrics": metrics, "details": figures}
    say(f"[{kind}] seed took {figures['seed']['seconds']} s")
    metrics[f"seed_{scale}_s"] = {"value": figures["seed"]["seconds"], "unit": "s", "target": None}
    metrics["seed_peak_rss_mb"] = {
        "value": figures["seed"]["peak_rss_mb"],
        "unit": "MB",
        "target": None,
    }

    if customer_prices:
        say(f"[{kind}] load-customer-prices --count {customer_prices:,} …")
        prices_log = data_dir / "customer-prices.log"
        figures["customer_prices"] = run_child(
            [*python, "load-customer-prices", "--count", str(customer_prices)], env, prices_log
        )
        figures["customer_prices"]["output"] = prices_log.read_text().strip()[-500:]
        if figures["customer_prices"]["exit_code"]:
            figures["error"] = figures["customer_prices"]["output"]
            return {"metrics": metrics, "details": figures}
        say(f"[{kind}] {figures['customer_prices']['output']}")

    if kind == "sqlite":
        figures["database_file_mb"] = round(
            Path(url.removeprefix("sqlite:///")).stat().st_size / 2**20, 1
        )
    say(f"[{kind}] running the workload …")
    worker_run = subprocess.run(  # noqa: S603 - this script, in worker mode
        [sys.executable, str(Path(__file__).resolve()), "--worker", "--scale", scale],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if worker_run.returncode:
        figures["error"] = worker_run.stderr[-2000:]
        return {"metrics": metrics, "details": figures}
    result = json.loads(worker_run.stdout.strip().splitlines()[-1])
    metrics.update(result["metrics"])
    figures.update(result["details"])
    return {"metrics": metrics, "details": figures}


# Metrics whose target is a floor (at least); every other target is a ceiling (at most).
FLOOR_TARGETS = {"import_vs_copy"}


def _missed(name: str, figure: dict[str, Any]) -> bool:
    """Whether a metric misses its target (none set: never)."""
    target = figure["target"]
    if target is None:
        return False
    return bool(figure["value"] < target if name in FLOOR_TARGETS else figure["value"] > target)


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


def configured_databases() -> str:
    """The database ``DATABASE_URL`` names (PostgreSQL or SQLite); SQLite when unset."""
    url = os.environ.get("DATABASE_URL", "")
    return "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def server_url(url: str) -> str:
    """``postgres://user@host:port`` of a ``postgres://user@host:port/db`` URL."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("small", "large"), default="large")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--databases",
        default=configured_databases(),
        help="sqlite, postgres or both, comma-separated (default: the configured database)",
    )
    parser.add_argument(
        "--customer-prices",
        type=int,
        default=None,
        help="extra customer prices to load (default: 1,000,000 large, 20,000 small)",
    )
    default_pg = os.environ.get("DATABASE_URL", "") if configured_databases() == "postgres" else ""
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL")
        or (server_url(default_pg) if default_pg else DEFAULT_PG_URL),
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--keep", action="store_true", help="keep the databases and data dirs")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.scale)
        return 0

    customer_prices = (
        CUSTOMER_PRICES[args.scale] if args.customer_prices is None else args.customer_prices
    )
    ci = os.environ.get("CI", "").lower() == "true"
    work = Path(tempfile.mkdtemp(prefix="dealerdesk-bench-"))
    failed = False
    latest: dict[str, Any] | None = None
    try:
        for kind in [name.strip() for name in args.databases.split(",") if name.strip()]:
            record: dict[str, Any] = {
                "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
                "scale": args.scale,
                "seed": args.seed,
                "customer_prices": customer_prices,
                "machine": machine(),
            }
            if kind == "sqlite":
                url = f"sqlite:///{work / 'bench.sqlite3'}"
                result = bench_database(kind, url, args.scale, args.seed, customer_prices, work)
            elif kind == "postgres":
                try:
                    admin = postgres_admin(args.pg_url)
                except Exception as error:
                    note = f"PostgreSQL skipped: cannot connect to {args.pg_url} ({error})"
                    say(note, sys.stderr)
                    failed = failed or ci
                    continue
                with admin:
                    version = admin.execute("SHOW server_version").fetchone()
                    record["machine"]["postgres"] = version[0] if version else None
                    admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
                    admin.execute(f"CREATE DATABASE {PG_DATABASE}")
                url = f"{args.pg_url.rstrip('/')}/{PG_DATABASE}"
                try:
                    result = bench_database(kind, url, args.scale, args.seed, customer_prices, work)
                finally:
                    if not args.keep:
                        with postgres_admin(args.pg_url) as admin:
                            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            else:
                parser.error(f"unknown database {kind!r} (sqlite, postgres)")
            record["metrics"] = result["metrics"]
            record["details"] = result["details"]
            failed = failed or "error" in result["details"]
            missed = [name for name, figure in result["metrics"].items() if _missed(name, figure)]
            record["over_target"] = missed
            args.output.parent.mkdir(parents=True, exist_ok=True)
            (args.output.parent / f"{kind}.json").write_text(json.dumps(record, indent=2) + "\n")
            latest = result["metrics"]
            say(f"[{kind}] " + json.dumps(result["metrics"], indent=2))
            if "error" in result["details"]:
                say(f"[{kind}] error: {result['details']['error']}", sys.stderr)
            if missed:
                say(f"[{kind}] over target: {', '.join(missed)}", sys.stderr)
    finally:
        if args.keep:
            say(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    if latest is not None:
        args.output.write_text(json.dumps(latest, indent=2) + "\n")
        say(f"written to {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
