"""Order events for ERPs that pull instead of receiving webhooks: fetch, then acknowledge."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["sync"])
