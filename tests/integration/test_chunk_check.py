"""Validating a chunk of rows in slices (``process._check``): the valid rows with exactly
their positions in the batch and the invalid ones with theirs, wherever in the chunk an
invalid row falls, and the validation context handed on to every row."""

from __future__ import annotations

from typing import Any

import pytest

from dealerdesk.integration.inbound import feeds, process

# The chunk's first row is this row of the batch.
OFFSET = 40
SLICE = 3


@pytest.fixture(autouse=True)
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process, "VALIDATE_ROWS", SLICE)


def row(number: int, **extra: Any) -> dict[str, Any]:
    return {
        "sku": f"SKU-{number}",
        "price_type": "W",
        "amount": f"{number}.50",
        "erp_version": number,
    } | extra


def bad(number: int) -> dict[str, Any]:
    return row(number, amount="abc")


def check(chunk: list[dict[str, Any]], context: dict[str, Any] | None = None) -> Any:
    return process._check(process.FEEDS["prices"], tuple(chunk), OFFSET, context)


def skus(checked: Any) -> list[str]:
    return [valid.sku for valid in checked.valid]


def invalid_positions(checked: Any) -> list[int]:
    return [position for position, _raw, _error in checked.invalid]


@pytest.mark.parametrize("size", [1, 3, 6, 7])
def test_a_chunk_of_valid_rows_is_valid_whole_with_a_range_of_positions(size: int) -> None:
    checked = check([row(n) for n in range(size)])

    assert skus(checked) == [f"SKU-{n}" for n in range(size)]
    assert all(isinstance(valid, feeds.PriceRow) for valid in checked.valid)
    assert checked.positions == range(OFFSET, OFFSET + size)
    assert checked.invalid == []


def test_an_empty_chunk_gives_nothing() -> None:
    checked = check([])

    assert checked.valid == []
    assert list(checked.positions) == []
    assert checked.invalid == []


@pytest.mark.parametrize(
    ("bad_at", "missing"),
    [
        ([4], None),  # the second slice
        ([0], None),  # the first
        ([6], None),  # the last, a slice of one
        ([2], None),  # the first slice's end
        ([3], None),  # the second slice's start
        ([1, 5], None),  # two slices
        ([0, 3, 6], None),  # the start of each slice
        ([4], "price_type"),
        ([4], "amount"),
    ],
)
def test_invalid_rows_are_set_apart_and_the_valid_ones_keep_their_positions(
    bad_at: list[int], missing: str | None
) -> None:
    chunk = []
    for n in range(7):
        if n not in bad_at:
            chunk.append(row(n))
        elif missing:
            chunk.append({key: value for key, value in row(n).items() if key != missing})
        else:
            chunk.append(bad(n))

    checked = check(chunk)

    good = [n for n in range(7) if n not in bad_at]
    assert skus(checked) == [f"SKU-{n}" for n in good]
    assert list(checked.positions) == [OFFSET + n for n in good]
    assert len(checked.positions) == len(checked.valid)
    assert invalid_positions(checked) == [OFFSET + n for n in bad_at]
    for position, raw, error in checked.invalid:
        assert raw is chunk[position - OFFSET]
        fields = {part for item in error.errors() for part in item["loc"]}
        assert fields == {missing or "amount"}


def test_a_chunk_with_every_row_invalid_has_no_valid_rows() -> None:
    chunk = [bad(n) for n in range(7)]

    checked = check(chunk)

    assert checked.valid == []
    assert list(checked.positions) == []
    assert invalid_positions(checked) == [OFFSET + n for n in range(7)]


def test_rows_that_are_not_objects_are_invalid_in_their_place() -> None:
    chunk: list[Any] = [row(0), row(1), row(2), "not a row", row(4), None, row(6)]

    checked = check(chunk)

    assert list(checked.positions) == [OFFSET + n for n in (0, 1, 2, 4, 6)]
    assert invalid_positions(checked) == [OFFSET + 3, OFFSET + 5]


def test_text_checked_at_the_source_is_not_checked_again_per_row() -> None:
    chunk = [row(0), row(1), row(2), row(3, price_type="W\x00"), row(4)]

    checked = check(chunk, {feeds.TEXT_STORABLE: True})

    assert checked.invalid == []
    assert checked.positions == range(OFFSET, OFFSET + 5)
    assert checked.valid[3].price_type == "W\x00"


@pytest.mark.parametrize("context", [None, {}, {feeds.TEXT_STORABLE: False}])
def test_without_the_source_check_a_row_with_nul_is_invalid_naming_its_field(
    context: dict[str, Any] | None,
) -> None:
    chunk = [row(0), row(1), row(2), row(3, price_type="W\x00"), row(4)]

    checked = check(chunk, context)

    assert list(checked.positions) == [OFFSET + n for n in (0, 1, 2, 4)]
    assert invalid_positions(checked) == [OFFSET + 3]
    [error] = checked.invalid[0][2].errors()
    assert error["type"] == "unstorable_text"
    assert error["ctx"] == {"field": "price_type"}


def test_the_slice_size_does_not_change_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    chunk = [bad(n) if n in (2, 9, 10) else row(n) for n in range(12)]
    answers = []
    for size in (1, 2, 3, 5, 12, 1000):
        monkeypatch.setattr(process, "VALIDATE_ROWS", size)
        checked = check(chunk)
        answers.append((skus(checked), list(checked.positions), invalid_positions(checked)))

    assert all(answer == answers[0] for answer in answers)
    assert answers[0][2] == [OFFSET + 2, OFFSET + 9, OFFSET + 10]
