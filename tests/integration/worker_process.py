"""``dealerdesk worker`` as a real process on the test database (PostgreSQL), for the tests
that kill it or stop it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.db import connection

DEALERDESK = Path(sys.executable).parent / "dealerdesk"


def database_url() -> str:
    """The URL of the database this test runs on."""
    s = connection.settings_dict
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{quote(s['USER'])}{password}@{host}:{port}/{s['NAME']}"


@contextlib.contextmanager
def worker_process(log: Path, *args: str, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """A worker on the test database; killed when the block ends, whatever happened."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEALERDESK_TASKS_BACKEND": "database",
        **env,
    }
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            [str(DEALERDESK), "worker", *args],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
