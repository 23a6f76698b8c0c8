"""Reading ahead on a thread (``core.pipeline.ahead``): items in order, the producer's error
where its item would have been, an early stop that closes the source, and a bounded lead."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pytest

from dealerdesk.core import pipeline
from dealerdesk.core.pipeline import Lanes, TurnMissed, Turns, ahead

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


# Lanes (``core.pipeline.Lanes``): calls on a few lasting threads, results in order.

# How long a test waits for a thread before it counts as stuck.
JOIN_SECONDS = 5.0


def lane_of(thread: threading.Thread) -> str:
    return thread.name


def returning(value: int, log: list[tuple[int, threading.Thread]]) -> Callable[[], int]:
    """A call that notes the thread it ran on and returns ``value``."""

    def call() -> int:
        log.append((value, threading.current_thread()))
        return value

    return call


def held(value: int, release: threading.Event, started: threading.Event | None = None):  # type: ignore[no-untyped-def]
    """A call that returns ``value`` once ``release`` is set (noting its start first)."""

    def call() -> int:
        if started is not None:
            started.set()
        assert release.wait(JOIN_SECONDS)
        return value

    return call


def raising(error: BaseException) -> Callable[[], int]:
    def call() -> int:
        raise error

    return call


def submit_on_a_thread(
    lanes: Lanes[int], call: Callable[[], int]
) -> tuple[threading.Thread, list[Any]]:
    """``lanes.submit(call)`` on a thread of its own; None (or what it raised) lands in the
    list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(lanes.submit(call))
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def drain_on_a_thread(lanes: Lanes[int]) -> tuple[threading.Thread, list[Any]]:
    """``lanes.drain()`` on a thread of its own; None (or what it raised) lands in the
    list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(lanes.drain())
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_lanes_need_at_least_one_lane() -> None:
    with pytest.raises(ValueError, match="at least one lane"):
        Lanes(0, print)
    with pytest.raises(ValueError, match="at least one lane"):
        Lanes(-1, print)


def test_with_one_lane_each_call_runs_at_once_on_the_callers_thread() -> None:
    log: list[tuple[int, threading.Thread]] = []
    results: list[int] = []
    lanes: Lanes[int] = Lanes(1, results.append)

    lanes.submit(returning(10, log))
    assert results == [10]
    lanes.submit(returning(11, log))
    assert results == [10, 11]
    lanes.drain()
    lanes.close()
    assert results == [10, 11]

    assert [value for value, _ in log] == [10, 11]
    assert all(thread is threading.current_thread() for _, thread in log)


def test_with_one_lane_a_call_that_raised_raises_from_its_submit_and_no_call_runs_after() -> None:
    results: list[int] = []
    ran: list[int] = []
    lanes: Lanes[int] = Lanes(1, results.append)

    lanes.submit(lambda: 1)
    with pytest.raises(KeyError, match="chunk 2"):
        lanes.submit(raising(KeyError("chunk 2")))
    with pytest.raises(RuntimeError, match="not run: an earlier call failed"):
        lanes.submit(lambda: ran.append(3) or 3)  # type: ignore[func-returns-value]
    lanes.drain()  # the failed calls are no longer in hand

    assert results == [1]
    assert ran == []


def test_with_two_lanes_call_k_runs_on_lane_k_mod_2_and_each_lane_keeps_its_thread() -> None:
    log: list[tuple[int, threading.Thread]] = []
    results: list[int] = []
    lanes: Lanes[int] = Lanes(2, results.append)
    try:
        for value in range(6):
            lanes.submit(returning(value, log))
        lanes.drain()
    finally:
        lanes.close()

    assert results == list(range(6))
    threads = dict(log)
    assert [lane_of(threads[value]) for value in range(6)] == [
        "dealerdesk-lane-0",
        "dealerdesk-lane-1",
    ] * 3
    assert threads[0] is threads[2] is threads[4]
    assert threads[1] is threads[3] is threads[5]
    assert threads[0] is not threads[1]
    assert threading.current_thread() not in threads.values()


def test_results_come_back_in_submission_order_when_a_later_call_finishes_first() -> None:
    release_first = threading.Event()
    second_done = threading.Event()
    results: list[int] = []
    lanes: Lanes[int] = Lanes(2, results.append)

    def second() -> int:
        second_done.set()
        return 1

    try:
        lanes.submit(held(0, release_first))
        # The second call finishes while the first is held: it is kept back behind it.
        lanes.submit(second)
        assert second_done.wait(JOIN_SECONDS)
        wait_for(lambda: lanes._pending[1].done())
        # Nothing is handed over while call 0 runs.
        lanes._hand_over()
        assert results == []
        release_first.set()
        lanes.drain()
        assert results == [0, 1]
    finally:
        release_first.set()
        lanes.close()


def test_submit_hands_back_the_results_finished_since_the_last_look() -> None:
    results: list[int] = []
    lanes: Lanes[int] = Lanes(2, results.append)
    first_done = threading.Event()
    try:

        def first() -> int:
            first_done.set()
            return 0

        lanes.submit(first)
        assert first_done.wait(JOIN_SECONDS)
        # The future is set just after the call returns: wait until it is done.
        wait_for(lambda: lanes._pending[0].done())
        lanes.submit(lambda: 1)
        assert results[:1] == [0]
        lanes.drain()
        assert results == [0, 1]
        lanes.drain()
        assert results == [0, 1]
    finally:
        lanes.close()


def test_submit_waits_while_the_lane_the_call_goes_to_is_busy() -> None:
    release = threading.Event()
    started = threading.Event()
    results: list[int] = []
    lanes: Lanes[int] = Lanes(2, results.append)
    try:
        lanes.submit(held(0, release, started))  # lane 0, held
        assert started.wait(JOIN_SECONDS)
        lanes.submit(lambda: 1)  # lane 1: free, so submit returns at once
        third_ran = threading.Event()

        def third() -> int:
            third_ran.set()
            return 2

        submitter, outcome = submit_on_a_thread(lanes, third)  # lane 0 again: busy
        submitter.join(SETTLE_SECONDS)
        assert submitter.is_alive()  # at most ``count`` calls in hand
        assert not third_ran.is_set()

        release.set()
        submitter.join(JOIN_SECONDS)
        assert not submitter.is_alive()
        assert outcome == [None]
        lanes.drain()
        assert results == [0, 1, 2]
        assert third_ran.is_set()
    finally:
        release.set()
        lanes.close()


def test_a_call_that_raised_raises_again_in_its_place_and_later_calls_are_not_run() -> None:
    release, started, failed = threading.Event(), threading.Event(), threading.Event()
    ran: list[int] = []

    def failing() -> int:
        try:
            raise OSError("disk full")
        finally:
            failed.set()

    def later() -> int:
        ran.append(2)
        return 2

    results: list[int] = []
    lanes: Lanes[int] = Lanes(2, results.append)
    try:
        lanes.submit(held(0, release, started))  # lane 0, running and held
        assert started.wait(JOIN_SECONDS)
        lanes.submit(failing)  # lane 1 fails, but call 0 comes first
        assert failed.wait(JOIN_SECONDS)
        wait_for(lambda: lanes._first_failed is not None)
        release.set()

        # Call 2 goes to lane 0 once call 0 is done; call 0's result is handed over, then
        # call 1's error is raised, in its place.
        with pytest.raises(OSError, match="disk full"):
            lanes.submit(later)
        assert results == [0]
        # Call 2 came after the failure: it fails as not run.
        with pytest.raises(RuntimeError, match="not run: an earlier call failed"):
            lanes.drain()
        lanes.drain()
    finally:
        release.set()
        lanes.close()

    assert ran == []
    assert results == [0]


def test_the_failure_is_raised_from_drain_once_the_call_before_it_has_finished() -> None:
    release, started, failed = threading.Event(), threading.Event(), threading.Event()
    results: list[int] = []
    lanes: Lanes[int] = Lanes(2, results.append)

    def failing() -> int:
        failed.set()
        raise LookupError("row 7")

    try:
        lanes.submit(held(0, release, started))
        assert started.wait(JOIN_SECONDS)
        lanes.submit(failing)
        assert failed.wait(JOIN_SECONDS)

        drainer, outcome = drain_on_a_thread(lanes)
        drainer.join(SETTLE_SECONDS / 4)
        assert drainer.is_alive()  # drain waits for call 0, still held
        release.set()
        drainer.join(JOIN_SECONDS)

        assert not drainer.is_alive()
        assert len(outcome) == 1
        assert isinstance(outcome[0], LookupError)
        assert results == [0]  # handed over before the failure was raised
    finally:
        release.set()
        lanes.close()


def test_a_call_submitted_before_the_failing_one_still_runs() -> None:
    """The docstring: a call that raised raises again *in its place in the order*. Call 2
    goes to lane 0 before call 3 fails on lane 1, but lane 0's thread takes it from its
    inbox only after the failure (held here in a callback of call 0's future, which runs on
    lane 0's thread once ``submit`` has seen call 0 done)."""
    hold_lane_0 = threading.Event()
    failed = threading.Event()
    ran: list[int] = []
    results: list[int] = []
    lanes: Lanes[int] = Lanes(2, results.append)

    def failing() -> int:
        failed.set()
        raise OSError("the real error")

    try:
        lanes.submit(lambda: 0)
        lanes._pending[0].add_done_callback(lambda _future: hold_lane_0.wait(JOIN_SECONDS))
        wait_for(lambda: lanes._pending[0].done())
        lanes.submit(lambda: 1)
        lanes.submit(lambda: ran.append(2) or 2)  # type: ignore[func-returns-value]
        lanes.submit(failing)
        assert failed.wait(JOIN_SECONDS)
        wait_for(lambda: lanes._first_failed is not None)
        hold_lane_0.set()

        with pytest.raises(OSError, match="the real error"):
            lanes.drain()
        assert ran == [2]
        assert results == [0, 1, 2]
    finally:
        hold_lane_0.set()
        lanes.close()


def test_calls_queued_on_a_lane_after_a_failure_fail_as_not_run() -> None:
    results: list[int] = []
    lanes: Lanes[int] = Lanes(2, results.append)
    ran: list[int] = []
    not_run: list[RuntimeError] = []

    def later(value: int) -> Callable[[], int]:
        def call() -> int:
            ran.append(value)
            return value

        return call

    try:
        release = threading.Event()

        def failing() -> int:
            assert release.wait(JOIN_SECONDS)
            raise ValueError("first")

        lanes.submit(failing)  # held: nothing is done yet
        release.set()
        with pytest.raises(ValueError, match="first"):
            lanes.drain()
        wait_for(lambda: lanes._first_failed is not None)
        for value in (1, 2, 3):
            try:
                lanes.submit(later(value))
            except RuntimeError as error:
                not_run.append(error)
        # Each failure is raised once, in order; drain until none is in hand.
        for _ in range(4):
            try:
                lanes.drain()
                break
            except RuntimeError as error:
                not_run.append(error)
    finally:
        lanes.close()

    assert ran == []
    assert results == []
    assert len(not_run) == 3
    assert all("not run: an earlier call failed" in str(error) for error in not_run)


def test_on_exit_runs_once_on_each_lane_thread_at_close() -> None:
    exits: list[threading.Thread] = []
    log: list[tuple[int, threading.Thread]] = []
    lanes: Lanes[int] = Lanes(
        2, lambda _result: None, on_exit=lambda: exits.append(threading.current_thread())
    )
    for value in range(4):
        lanes.submit(returning(value, log))
    lanes.drain()
    assert exits == []  # not before close()

    lanes.close()

    assert sorted(lane_of(thread) for thread in exits) == ["dealerdesk-lane-0", "dealerdesk-lane-1"]
    assert set(exits) == {thread for _, thread in log}
    assert not any(thread.is_alive() for thread in exits)
    lanes.close()  # again: harmless, on_exit does not run twice
    assert len(exits) == 2


def test_close_waits_for_the_calls_in_hand_to_finish() -> None:
    release = threading.Event()
    finished: list[int] = []
    lanes: Lanes[int] = Lanes(2, lambda _result: None)

    def slow() -> int:
        assert release.wait(JOIN_SECONDS)
        finished.append(0)
        return 0

    lanes.submit(slow)
    closer = threading.Thread(target=lanes.close)
    closer.start()
    closer.join(SETTLE_SECONDS)
    assert closer.is_alive()
    release.set()
    closer.join(JOIN_SECONDS)

    assert not closer.is_alive()
    assert finished == [0]


# Turns (``core.pipeline.Turns``): steps on several threads, each taken after the earlier
# steps it shares a key with.


def wait_on_a_thread(
    turns: Turns, step: int
) -> tuple[threading.Thread, list[BaseException | None]]:
    """``turns.wait(step)`` on a thread; None (returned) or the error lands in the list."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            turns.wait(step)
        except BaseException as error:
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def still_waiting(waiter: threading.Thread, outcome: list[BaseException | None]) -> bool:
    waiter.join(SETTLE_SECONDS / 4)
    return waiter.is_alive() and outcome == []


def returned(waiter: threading.Thread, outcome: list[BaseException | None]) -> bool:
    waiter.join(JOIN_SECONDS)
    return not waiter.is_alive() and outcome == [None]


def test_the_first_step_waits_for_nothing() -> None:
    turns = Turns()
    turns.add(0, None)

    assert returned(*wait_on_a_thread(turns, 0))


def test_a_step_waits_for_the_open_earlier_steps_it_shares_a_key_with() -> None:
    turns = Turns()
    turns.add(0, frozenset({"a", "b"}))
    turns.add(1, frozenset({"c"}))
    turns.add(2, frozenset({"b", "c"}))  # shares b with step 0, c with step 1

    waiter = wait_on_a_thread(turns, 2)
    assert still_waiting(*waiter)
    turns.done(0)
    assert still_waiting(*waiter)  # step 1 is still open
    turns.done(1)

    assert returned(*waiter)


def test_steps_that_share_no_key_are_taken_at_once_in_any_order() -> None:
    turns = Turns()
    turns.add(0, frozenset({"a"}))
    turns.add(1, frozenset({"b"}))
    turns.add(2, frozenset({"a"}))

    assert returned(*wait_on_a_thread(turns, 1))  # step 0 not done: no matter
    turns.done(1)
    waiter = wait_on_a_thread(turns, 2)
    assert still_waiting(*waiter)  # a: step 0
    turns.done(0)
    assert returned(*waiter)


def test_a_step_whose_keys_cannot_be_told_waits_for_every_step_and_every_step_for_it() -> None:
    turns = Turns()
    turns.add(0, frozenset({"a"}))
    turns.add(1, None)
    turns.add(2, frozenset({"z"}))

    blind = wait_on_a_thread(turns, 1)
    later = wait_on_a_thread(turns, 2)
    assert still_waiting(*blind)
    assert still_waiting(*later)
    turns.done(0)
    assert returned(*blind)
    assert still_waiting(*later)  # step 1 may have touched z
    turns.done(1)

    assert returned(*later)


def test_a_step_done_before_a_later_step_is_added_is_not_waited_for() -> None:
    turns = Turns()
    turns.add(0, frozenset({"a"}))
    turns.done(0)
    turns.add(1, frozenset({"a"}))

    turns.wait(1)  # returns at once; a hang here fails the run


def test_a_failure_makes_the_later_steps_raise_turn_missed_and_the_earlier_go_on() -> None:
    turns = Turns()
    for step in range(4):
        turns.add(step, frozenset({"a"}))
    turns.add(4, frozenset({"b"}))
    earlier = wait_on_a_thread(turns, 1)  # waits for step 0
    later, outcome = wait_on_a_thread(turns, 3)  # waits for steps 0 to 2
    assert still_waiting(*earlier)
    assert still_waiting(later, outcome)

    turns.failed(2)

    later.join(JOIN_SECONDS)
    assert not later.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], TurnMissed)
    assert "step 3 not taken" in str(outcome[0])
    with pytest.raises(TurnMissed, match="step 4"):
        turns.wait(4)  # shares no key with the failed step: no step after it starts
    assert still_waiting(*earlier)  # step 1 comes before the failure: it keeps waiting
    turns.done(0)
    assert returned(*earlier)


def test_on_start_runs_on_each_lane_thread_before_a_call_and_what_it_raises_is_left() -> None:
    starts: list[threading.Thread] = []
    ran_on: list[threading.Thread] = []

    def start() -> None:
        starts.append(threading.current_thread())
        raise ConnectionError("the database is away")  # the calls meet it themselves

    lanes: Lanes[int] = Lanes(2, lambda _result: None, on_start=start)
    for number in range(4):
        lanes.submit(lambda number=number: ran_on.append(threading.current_thread()) or number)
    lanes.drain()
    lanes.close()

    assert len(starts) == 2
    assert set(starts) == set(ran_on)
    assert threading.current_thread() not in starts


def test_lanes_shorten_the_switch_interval_while_any_of_them_runs() -> None:
    before = sys.getswitchinterval()
    one: Lanes[int] = Lanes(1, lambda _result: None)
    assert sys.getswitchinterval() == before  # one lane: the caller's thread only

    first: Lanes[int] = Lanes(2, lambda _result: None)
    assert sys.getswitchinterval() == pipeline.LANES_SWITCH_INTERVAL < before
    second: Lanes[int] = Lanes(2, lambda _result: None)
    first.close()
    assert sys.getswitchinterval() == pipeline.LANES_SWITCH_INTERVAL  # the second still runs
    first.close()  # again: counted once
    second.close()
    one.close()

    assert sys.getswitchinterval() == before
