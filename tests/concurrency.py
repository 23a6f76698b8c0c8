"""Races that real users produce, run with real threads and connections (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections


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
