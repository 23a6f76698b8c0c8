"""Reading ahead on a thread (``core.pipeline.ahead``): items in order, the producer's error
where its item would have been, an early stop that closes the source, and a bounded lead."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing

import pytest

from dealerdesk.core.pipeline import ahead

# Longer than the producer's poll for a stop, so a wait of this long shows what it would do.
SETTLE_SECONDS = 0.4


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(0.01)


class Source:
    """A generator that counts what it produced and notes when it was closed."""

    def __init__(self, items: Iterator[int]) -> None:
        self.items = items
        self.produced = 0
        self.closed = False
        self.thread: str | None = None

    def __iter__(self) -> Iterator[int]:
        try:
            for item in self.items:
                self.thread = threading.current_thread().name
                self.produced += 1
                yield item
        finally:
            self.closed = True


def endless() -> Iterator[int]:
    n = 0
    while True:
        yield n
        n += 1


@pytest.mark.parametrize("depth", [1, 3])
def test_items_come_out_in_order_and_the_source_is_closed_at_its_end(depth: int) -> None:
    source = Source(iter(range(500)))

    items = ahead(iter(source), depth=depth)

    assert list(items) == list(range(500))
    assert source.closed
    assert source.thread == "dealerdesk-read-ahead"
    assert next(items, "done") == "done"  # exhausted stays exhausted


def test_an_empty_source_gives_nothing() -> None:
    source = Source(iter(()))

    assert list(ahead(iter(source))) == []
    assert source.closed


def test_the_producers_error_is_raised_where_its_item_would_have_been() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 3 is unreadable")

    items = ahead(failing(), depth=3)

    assert next(items) == 1
    assert next(items) == 2
    with pytest.raises(ValueError, match="row 3 is unreadable"):
        next(items)
    # The error ends the iteration: nothing comes after it.
    with pytest.raises(StopIteration):
        next(items)


def test_an_error_at_the_first_item_is_raised_at_the_first_next() -> None:
    def failing() -> Iterator[int]:
        raise LookupError("no such file")
        yield 0  # pragma: no cover - makes this a generator

    items = ahead(failing())

    with pytest.raises(LookupError, match="no such file"):
        next(items)


@pytest.mark.parametrize("depth", [1, 4])
def test_closing_early_stops_the_producer_and_closes_the_source(depth: int) -> None:
    source = Source(endless())
    items = ahead(iter(source), depth=depth)

    assert [next(items), next(items)] == [0, 1]
    items.close()

    assert source.closed
    stopped_at = source.produced
    # At most ``depth`` queued and one in hand beyond what was taken.
    assert stopped_at <= 2 + depth + 1
    time.sleep(SETTLE_SECONDS)
    assert source.produced == stopped_at  # nothing more is read after close()
    with pytest.raises(StopIteration):
        next(items)


def test_closing_works_with_contextlib_closing_and_twice() -> None:
    source = Source(endless())

    with closing(ahead(iter(source), depth=2)) as items:
        for item in items:
            if item == 5:
                break

    assert source.closed
    items.close()  # again: harmless


def test_closing_after_the_end_is_harmless() -> None:
    source = Source(iter(range(3)))
    items = ahead(iter(source))

    assert list(items) == [0, 1, 2]
    items.close()

    assert source.closed


def test_closing_while_the_producer_is_working_on_an_item_lets_it_finish() -> None:
    started, release = threading.Event(), threading.Event()

    def slow() -> Iterator[int]:
        yield 0
        started.set()
        release.wait(5)
        yield 1
        yield 2  # never read: the producer stops at its next put

    source = Source(slow())
    items = ahead(iter(source), depth=1)
    assert next(items) == 0
    assert started.wait(5)

    closer = threading.Thread(target=items.close)
    closer.start()
    time.sleep(SETTLE_SECONDS)
    assert closer.is_alive()  # close() waits for the item in hand
    release.set()
    closer.join(5)

    assert not closer.is_alive()
    assert source.closed
    assert source.produced <= 3


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_the_producer_runs_at_most_depth_plus_one_items_ahead(depth: int) -> None:
    source = Source(endless())
    items = ahead(iter(source), depth=depth)
    try:
        # ``depth`` items queued and one more in hand, waiting for room; then it stops.
        wait_for(lambda: source.produced == depth + 1)
        time.sleep(SETTLE_SECONDS)
        assert source.produced == depth + 1

        for taken in range(1, 6):
            assert next(items) == taken - 1
            wait_for(lambda taken=taken: source.produced == taken + depth + 1)
            time.sleep(SETTLE_SECONDS / 4)
            assert source.produced == taken + depth + 1
    finally:
        items.close()
    assert source.closed


def test_the_lead_fills_the_consumers_wait() -> None:
    """Producing and consuming overlap: each taking 50 ms an item, ten items take well
    under the second they would one after the other (about 0.55 s)."""

    def slow_source() -> Iterator[int]:
        for n in range(10):
            time.sleep(0.05)
            yield n

    started = time.monotonic()
    got = []
    for item in ahead(slow_source(), depth=1):
        time.sleep(0.05)
        got.append(item)
    elapsed = time.monotonic() - started

    assert got == list(range(10))
    assert elapsed < 0.8
