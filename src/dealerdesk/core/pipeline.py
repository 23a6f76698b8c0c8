"""Reading ahead: the next item of a slow iterator is produced on a thread while the caller
works on the current one; lanes: calls run by turns on a few threads that last, results
handed back in order; and turns: steps on several threads, each taken after the earlier
steps it shares a key with.

An import reads and validates a chunk of rows (Python, holding the interpreter) and then
waits for the database to apply it (the driver releases the interpreter while it waits).
Reading the next chunk ahead on a thread fills that wait, so the two take the time of the
longer rather than of both. The producing thread must not use the database: a Django
connection belongs to the thread that opened it, and the caller's transaction is the
caller's.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, wait
from contextlib import suppress
from typing import Generic, TypeVar

T = TypeVar("T")
# How often a producer blocked on a full queue looks whether it was told to stop.
_POLL_SECONDS = 0.1
# While lanes run, how long a thread holding the interpreter keeps it before it is asked
# to let go (CPython's default: 5 ms). A lane whose statement has just returned waits for
# the interpreter to send the next one, and while it waits its database connection idles;
# the thread that reads ahead holds the interpreter in slices of about a millisecond.
# Measured on a 100,000-row import: 5-7% faster at 1 ms than at 5 ms, no faster below.
LANES_SWITCH_INTERVAL = 0.001
_switching = threading.Lock()
_switching_users = 0
_switching_before = 0.0


def _shorten_switch_interval() -> None:
    """Shorten the interpreter's switch interval for the first of the lanes running at once."""
    global _switching_users, _switching_before
    with _switching:
        if not _switching_users:
            _switching_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switching_before, LANES_SWITCH_INTERVAL))
        _switching_users += 1


def _restore_switch_interval() -> None:
    """Restore the interpreter's switch interval when the last of the lanes ends."""
    global _switching_users
    with _switching:
        _switching_users -= 1
        if not _switching_users:
            sys.setswitchinterval(_switching_before)


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


class Lanes(Generic[T]):
    """Run calls on ``count`` threads by turns (call *k* on lane *k* mod ``count``), each
    lane one call at a time, and hand their results to ``on_result`` on the caller's
    thread in the order the calls came in.

    A lane's thread lives as long as the ``Lanes``, so what it opens (a database
    connection, say) serves each of its calls; ``on_start`` runs on each thread as it
    starts, before a call comes (to open that while the caller prepares the first calls;
    what it raises is left for the calls to meet), and ``on_exit`` as it ends, to close
    that. With one lane, calls run at once on the caller's thread.

    While more than one lane runs, the interpreter's switch interval is shortened
    (``LANES_SWITCH_INTERVAL``), so that a lane gets the interpreter back soon after its
    database answers; ``close`` restores it once no lanes run.

    ``submit`` waits while the lane a call goes to is busy with the call before, so at most
    ``count`` calls are in hand. When a call raises, the calls before it still finish and
    hand over their results, the calls after it are not run, and ``submit`` or ``drain``
    raises what it raised.
    """

    def __init__(
        self,
        count: int,
        on_result: Callable[[T], None],
        on_exit: Callable[[], None] | None = None,
        on_start: Callable[[], None] | None = None,
    ) -> None:
        if count < 1:
            raise ValueError("Lanes needs at least one lane")
        self.count = count
        self._on_result = on_result
        self._submitted = 0
        self._pending: deque[Future[T]] = deque()
        self._busy: list[Future[T] | None] = [None] * count
        self._inboxes: list[queue.Queue[tuple[int, Future[T], Callable[[], T]] | None]] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._first_failed: int | None = None  # the number of the first call that raised
        self._shortened = count > 1
        if not self._shortened:
            return
        _shorten_switch_interval()
        for lane in range(count):
            inbox: queue.Queue[tuple[int, Future[T], Callable[[], T]] | None] = queue.Queue()
            thread = threading.Thread(
                target=self._serve,
                args=(inbox, on_start, on_exit),
                name=f"dealerdesk-lane-{lane}",
                daemon=True,
            )
            thread.start()
            self._inboxes.append(inbox)
            self._threads.append(thread)

    def submit(self, call: Callable[[], T]) -> None:
        """Start ``call`` on its lane; hand over the results of the calls finished so far."""
        number = self._submitted
        self._submitted += 1
        future: Future[T] = Future()
        self._pending.append(future)
        if self.count == 1:
            self._run(number, future, call)
        else:
            lane = number % self.count
            before = self._busy[lane]
            if before is not None:
                wait([before])
            self._busy[lane] = future
            self._inboxes[lane].put((number, future, call))
        self._hand_over()

    def drain(self) -> None:
        """Wait for every call in hand and hand over their results."""
        wait(list(self._pending))
        self._hand_over()

    def close(self) -> None:
        """End the lanes' threads (each runs ``on_exit``) once their calls have finished."""
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join()
        self._inboxes, self._threads = [], []
        if self._shortened:
            self._shortened = False
            _restore_switch_interval()

    def _hand_over(self) -> None:
        while self._pending and self._pending[0].done():
            result = self._pending.popleft().result()  # raises what the call raised
            self._on_result(result)

    def _run(self, number: int, future: Future[T], call: Callable[[], T]) -> None:
        with self._lock:
            skip = self._first_failed is not None and number > self._first_failed
        if skip:
            future.set_exception(RuntimeError("not run: an earlier call failed"))
            return
        try:
            future.set_result(call())
        except BaseException as error:
            with self._lock:
                if self._first_failed is None or number < self._first_failed:
                    self._first_failed = number
            future.set_exception(error)

    def _serve(
        self,
        inbox: queue.Queue[tuple[int, Future[T], Callable[[], T]] | None],
        on_start: Callable[[], None] | None,
        on_exit: Callable[[], None] | None,
    ) -> None:
        try:
            if on_start is not None:
                with suppress(Exception):  # the calls meet it again, and raise it there
                    on_start()
            while (work := inbox.get()) is not None:
                self._run(*work)
        finally:
            if on_exit is not None:
                on_exit()


class Turns:
    """Numbered steps on several threads, each taken once the earlier steps it shares a key
    with are done.

    ``add(step, keys)`` notes what a step touches; steps are added in order, on one thread.
    ``wait(step)`` returns once every step added before it that is still open and shares a
    key with it is ``done``; keys of None (what the step touches cannot be told) share a
    key with every step. Steps that share no key may so be taken at the same time, each
    in any order. Once a step has ``failed``, a ``wait`` for a later step raises
    :class:`TurnMissed` (no step after a failure starts), while the steps before it still
    take their turns.
    """

    def __init__(self) -> None:
        self._open: dict[int, frozenset[Hashable] | None] = {}  # added, not done yet
        self._after: dict[int, set[int]] = {}  # the open steps each step waits for
        self._failed: int | None = None  # the first step that failed
        self._changed = threading.Condition()

    def add(self, step: int, keys: frozenset[Hashable] | None) -> None:
        with self._changed:
            self._after[step] = {
                earlier
                for earlier, touched in self._open.items()
                if keys is None or touched is None or not keys.isdisjoint(touched)
            }
            self._open[step] = keys

    def wait(self, step: int) -> None:
        with self._changed:
            after = self._after[step]
            self._changed.wait_for(lambda: self._missed(step) or after.isdisjoint(self._open))
            if self._missed(step):
                raise TurnMissed(f"step {step} not taken: an earlier step failed")

    def _missed(self, step: int) -> bool:
        return self._failed is not None and step > self._failed

    def done(self, step: int) -> None:
        with self._changed:
            self._open.pop(step, None)
            self._after.pop(step, None)
            self._changed.notify_all()

    def failed(self, step: int) -> None:
        with self._changed:
            if self._failed is None or step < self._failed:
                self._failed = step
            self._changed.notify_all()


class TurnMissed(Exception):
    """A step whose turn never came: a step before it failed."""
