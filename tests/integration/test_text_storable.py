"""The scan of a body for text no database stores (``feeds.json_text_storable``): NUL and
UTF-16 surrogates can only be written in JSON as ``\\u`` escapes, so a body without those
escapes lets every row skip its own check; a body with one leaves the check to each row,
which rejects only the row at fault."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest

from dealerdesk.integration.inbound import feeds
from dealerdesk.integration.inbound.feeds import json_text_storable
from dealerdesk.pricing.models import Price

NDJSON = "application/x-ndjson"
# A read block small enough that an escape can be cut by a block's end at every offset.
SMALL_BLOCK = 8


def storable(text: str | bytes) -> bool:
    data = text.encode() if isinstance(text, str) else text
    return json_text_storable(io.BytesIO(data))


def document(value: str) -> str:
    """A batch of one row whose price_type is ``value`` as written (escapes kept)."""
    return '{"rows": [{"sku": "CAB-001", "price_type": "' + value + '", "amount": "1"}]}'


def test_an_empty_stream_is_storable() -> None:
    assert storable(b"")


def test_plain_ascii_json_is_storable() -> None:
    assert storable(json.dumps({"rows": [{"sku": "CAB-001", "amount": "1.50"}]}))


@pytest.mark.parametrize("text", ["Кабель ВВГ 3x1,5", "Hammer 🔨 drill", "naïve — ½"])
def test_non_ascii_text_written_raw_in_utf8_is_storable(text: str) -> None:
    assert storable(document(text))
    assert storable(json.dumps({"name": text}, ensure_ascii=False))


@pytest.mark.parametrize(
    "escape", [r"\u0041", r"\u0410", r"\u0001", r"\u00e9", r"\uD7FF", r"\uE000", r"\uFFFD"]
)
def test_escapes_of_storable_characters_are_storable(escape: str) -> None:
    assert storable(document(escape))


@pytest.mark.parametrize("escape", [r"\u0000", r"\u00001", r"x\u0000y"])
def test_an_escaped_nul_is_not_storable(escape: str) -> None:
    assert not storable(document(escape))


@pytest.mark.parametrize(
    "escape", [r"\ud800", r"\uD800", r"\udc00", r"\uDC00", r"\uDfFf", r"\udBFF"]
)
def test_a_lone_surrogate_escape_in_either_case_is_not_storable(escape: str) -> None:
    assert not storable(document(escape))


def test_an_escaped_surrogate_pair_is_reported_not_storable_leaving_it_to_each_row() -> None:
    """An emoji written as a pair of escapes is storable text, but the scan does not look
    at pairs: it answers no, and the per-row check decides (and passes the row)."""
    assert not storable(document(r"\ud83d\ude00"))
    # Python's json.dumps writes such pairs by default (ensure_ascii=True).
    assert not storable(json.dumps({"name": "😀"}))


def test_an_escaped_backslash_before_u0000_is_reported_not_storable() -> None:
    """``\\\\u0000`` is a backslash and the text "u0000", not NUL: the scan, which does not
    parse the JSON, answers no all the same (on the safe side)."""
    assert json.loads(document(r"\\u0000"))["rows"][0]["price_type"] == "\\u0000"
    assert not storable(document(r"\\u0000"))


@pytest.mark.parametrize("escape", [rb"\u0000", rb"\uDC00", rb"\ud800"])
@pytest.mark.parametrize("offset", range(2 * SMALL_BLOCK + 1))
def test_an_escape_cut_by_the_end_of_a_read_block_is_still_found(
    monkeypatch: pytest.MonkeyPatch, escape: bytes, offset: int
) -> None:
    monkeypatch.setattr(feeds, "_SCAN_BLOCK", SMALL_BLOCK)
    data = b"a" * offset + escape + b"b" * (3 * SMALL_BLOCK)

    assert not storable(data)


@pytest.mark.parametrize("offset", range(2 * SMALL_BLOCK + 1))
def test_small_read_blocks_find_nothing_where_there_is_nothing(
    monkeypatch: pytest.MonkeyPatch, offset: int
) -> None:
    monkeypatch.setattr(feeds, "_SCAN_BLOCK", SMALL_BLOCK)
    # Parts of an escape, each on its own, across block ends: none is a whole escape.
    data = b"a" * offset + rb"\u000 \u00 \ud7 \uD \u" + b"b" * SMALL_BLOCK

    assert storable(data)


class _Trickle(io.RawIOBase):
    """A stream whose reads return at most two bytes, as a slow storage backend may."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(2, size) if size >= 0 else 2)


@pytest.mark.parametrize("escape", [rb"\u0000", rb"\uDC00"])
def test_short_reads_still_find_an_escape(escape: bytes) -> None:
    body = b'{"a": "x' + escape + b'"}'

    assert not json_text_storable(_Trickle(body))  # type: ignore[arg-type]
    assert json_text_storable(_Trickle(b'{"a": "x\\u0041"}'))  # type: ignore[arg-type]


def test_the_scan_reads_the_stream_to_its_end_when_storable() -> None:
    stream = io.BytesIO(document("W").encode())

    assert json_text_storable(stream)
    assert stream.read() == b""


# End to end: the body holds an escaped NUL, so every row is checked, and only its row fails.


def ndjson(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def price_of(sku: str) -> Decimal:
    return Price.objects.get(product__sku=sku, price_type__code="W", valid_from__isnull=True).amount


@pytest.mark.django_db
def test_a_row_with_an_escaped_nul_is_rejected_naming_its_field_and_the_plain_rows_apply(  # type: ignore[no-untyped-def]
    erp, shop
) -> None:
    body = ndjson(
        [
            {"sku": "CAB-001", "price_type": "W", "amount": "101", "erp_version": 1},
            {"sku": "CAB-002", "price_type": "W\x00", "amount": "102", "erp_version": 1},
            {"sku": "CAB-002", "price_type": "W", "amount": "103", "erp_version": 1},
        ]
    )
    assert "\\u0000" in body  # written as an escape
    assert "\x00" not in body

    response = erp.post(
        "/api/v1/sync/prices", body, content_type=NDJSON, HTTP_IDEMPOTENCY_KEY="nul-1"
    )

    assert response.status_code == 200, response.content
    rows = {row["row"]: row for row in response.json()["rows"]}
    assert sorted(rows) == [0, 1, 2]
    assert rows[0]["status"] == rows[2]["status"] == "applied"
    assert (rows[1]["status"], rows[1]["code"], rows[1]["field"]) == (
        "rejected",
        "unstorable_text",
        "price_type",
    )
    assert "\x00" not in response.content.decode()
    assert price_of("CAB-001") == Decimal("101")
    assert price_of("CAB-002") == Decimal("103")
