"""Reading ahead: the next item of a slow iterator is produced on a thread while the caller
works on the current one.

An import reads and validates a chunk of rows (Python, holding the interpreter) and then
waits for the database to apply it (the driver releases the interpreter while it waits).
Reading the next chunk ahead on a thread fills that wait, so the two take the time of the
longer rather than of both. The producing thread must not use the database: a Django
connection belongs to the thread that opened it, and the caller's transaction is the
caller's.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
# How often a producer blocked on a full queue looks whether it was told to stop.
_POLL_SECONDS = 0.1


class ahead(Generic[T]):
    """Iterate ``items`` with up to ``depth`` items produced ahead on a thread.

    The items come out in order; an exception the producer raises comes out where its item
    would have. ``close()`` (or a ``with closing(...)``) stops the producer and closes
    ``items`` on its thread, so a file it reads is closed when the caller stops early.
    """

    def __init__(self, items: Iterator[T], depth: int = 1) -> None:
        self._queue: queue.Queue[tuple[bool, T | BaseException | None]] = queue.Queue(depth)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(
            target=self._produce, args=(items,), name="dealerdesk-read-ahead", daemon=True
        )
        self._thread.start()

    def __iter__(self) -> ahead[T]:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        produced, value = self._queue.get()
        if produced:
            return value  # type: ignore[return-value]
        self._finished = True
        self._thread.join()
        if value is None:
            raise StopIteration
        raise value  # type: ignore[misc]

    def close(self) -> None:
        """Stop the producer (it finishes the item in hand) and wait for it."""
        self._finished = True
        self._stop.set()
        self._thread.join()

    def _produce(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put((True, item)):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._put((False, error))
        else:
            self._put((False, None))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def _put(self, entry: tuple[bool, T | BaseException | None]) -> bool:
        """Queue ``entry``; False when told to stop while waiting for room."""
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=_POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False
