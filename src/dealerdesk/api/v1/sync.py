"""The ERP's inbound sync: batches of rows per feed, idempotent by message id."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["sync"])
