"""Standard Webhooks 1.0 signatures for what the portal sends to the ERP.

The receiver verifies with any Standard Webhooks library and the endpoint's secret. The
signature covers the message id, the send time and the body exactly as sent, so the body
is signed as the very string that goes on the wire.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def sign(secret: str, message_id: str, timestamp: dt.datetime, body: str) -> str:
    """The ``webhook-signature`` header value (``v1,<base64>``) for ``body`` sent at
    ``timestamp`` (an aware datetime; the library reads a naive one as UTC as it is)."""
    if timestamp.tzinfo is None:
        raise ValueError("The signing time must be timezone-aware.")
    return Webhook(secret).sign(message_id, timestamp.astimezone(dt.UTC), body)


def signed_headers(
    secret: str, message_id: str, timestamp: dt.datetime, body: str
) -> dict[str, str]:
    """The three Standard Webhooks headers for one send of ``body``."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
