"""The simulator's books: a restarted simulator keeps its sales orders, the webhook-ids it
applied, its numbering and the messages it has not sent yet (with their keys)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dealerdesk.erpsim.config import ConfigError
from dealerdesk.erpsim.simulator import Simulator
from tests.erpsim.conftest import Clock, FakePortal, placed, post_webhook, sim_config

STATUSES = "/api/v1/sync/order-statuses"


def _simulator(portal: FakePortal, clock: Clock, books: Path) -> Simulator:
    config = sim_config(portal.url, books=str(books))
    sim = Simulator(config, clock=clock, backoff=lambda attempts: 1.0)
    sim.start(run_loop=False)
    return sim


def test_a_restarted_simulator_applies_nothing_twice_and_sends_what_it_owed(
    portal: FakePortal, clock: Clock, tmp_path: Path
) -> None:
    books = tmp_path / "books.json"
    portal.script[STATUSES].append(503)
    first = _simulator(portal, clock, books)
    try:
        assert post_webhook(first, placed("DD-0000123"), webhook_id="msg_1").status_code == 200
        clock.advance(1)
        first.step()  # "accepted" is refused: it stays owed
    finally:
        first.stop()
    [owed] = portal.sync(STATUSES)
    assert stat.S_IMODE(books.stat().st_mode) == 0o600

    second = _simulator(portal, clock, books)
    try:
        again = post_webhook(second, placed("DD-0000123"), webhook_id="msg_1")
        other = post_webhook(second, placed("DD-0000124"), webhook_id="msg_2")
        clock.advance(1)
        second.step()
        status = second.state.snapshot()
    finally:
        second.stop()

    assert again.json() == {"erp_number": "SO-000001"}
    assert other.json() == {"erp_number": "SO-000002"}
    assert status["webhooks"]["duplicates"] == 1
    assert status["webhooks"]["applied"] == 2
    tries = portal.sync(STATUSES)
    assert tries[1].headers["idempotency-key"] == owed.headers["idempotency-key"]
    assert [t.json()["rows"][0]["order"] for t in tries] == [
        "DD-0000123",
        "DD-0000123",
        "DD-0000124",
    ]
    assert tries[1].json()["rows"][0]["erp_version"] == owed.json()["rows"][0]["erp_version"]


def test_books_that_cannot_be_read_are_named_with_the_way_out(
    portal: FakePortal, clock: Clock, tmp_path: Path
) -> None:
    books = tmp_path / "books.json"
    books.write_text('{"version": 1, "numbers": {}}')

    with pytest.raises(ConfigError, match="remove it to start afresh"):
        Simulator(sim_config(portal.url, books=str(books)), clock=clock)
