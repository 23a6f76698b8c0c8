"""What the ERP sends about one order: its documents (an invoice PDF)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["sync"])
