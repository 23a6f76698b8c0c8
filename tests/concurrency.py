"""Races that real users produce, run with real threads and connections (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, connections


def race(actions: Sequence[Callable[[], Any]], timeout: float = 120) -> list[Any]:
    """Run each action in its own thread, all released at the same moment; the result or
    the error of each, in order."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = actions[index]()
        except Exception as error:  # the test inspects what each thread got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def race_same(action: Callable[[], Any], times: int = 8) -> list[Any]:
    """The same action ``times`` times at once (a double click, a link opened twice)."""
    return race([action] * times)


def another_waits_for_a_lock(timeout: float = 10) -> bool:
    """Whether another connection to this database comes to wait for a lock (a row's, an
    advisory one) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # The view is read once per transaction unless its snapshot is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def in_thread(action: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Start ``action`` on a thread of its own (its own database connection, closed after);
    the thread, and a list that receives what it returned or raised."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(action())
        except Exception as error:  # the test inspects it
            outcome.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome
