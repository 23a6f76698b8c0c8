"""Standard Webhooks 1.0 signatures: the published vector, fresh secrets, the headers."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from pathlib import Path

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from dealerdesk.integration.outbound.signing import new_secret, sign, signed_headers

# CI clones the repository with a copy of shared/ beside it.
VECTOR = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "interop-samples"
    / "webhooks"
    / "standard-webhooks-vector.json"
)


@pytest.fixture
def vector() -> dict[str, str]:
    if not VECTOR.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Standard Webhooks vector is missing: {VECTOR}")
        pytest.skip(f"no Standard Webhooks vector at {VECTOR}")
    loaded: dict[str, str] = json.loads(VECTOR.read_text())
    return loaded


def test_the_signature_matches_the_published_vector(vector):
    sent_at = dt.datetime.fromtimestamp(int(vector["webhook-timestamp"]), tz=dt.UTC)

    signature = sign(vector["secret"], vector["webhook-id"], sent_at, vector["payload"])

    assert signature == vector["expected_webhook-signature"]


def test_the_vector_signature_does_not_cover_another_body(vector):
    sent_at = dt.datetime.fromtimestamp(int(vector["webhook-timestamp"]), tz=dt.UTC)

    signature = sign(vector["secret"], vector["webhook-id"], sent_at, vector["payload"] + " ")

    assert signature != vector["expected_webhook-signature"]


def test_a_signing_time_in_another_zone_signs_the_same_instant(vector):
    utc = dt.datetime.fromtimestamp(int(vector["webhook-timestamp"]), tz=dt.UTC)
    berlin = utc.astimezone(dt.timezone(dt.timedelta(hours=1)))

    assert (
        sign(vector["secret"], vector["webhook-id"], berlin, vector["payload"])
        == (vector["expected_webhook-signature"])
    )


def test_a_naive_signing_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        sign(new_secret(), "msg_1", dt.datetime(2026, 1, 1), "{}")  # noqa: DTZ001


def test_a_new_secret_is_whsec_and_24_random_bytes():
    first, second = new_secret(), new_secret()

    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 24
    assert first != second


def test_a_receiver_with_the_secret_verifies_the_headers():
    secret = new_secret()
    body = '{"type":"order.placed","data":{"number":"DD-0000001"}}'

    headers = signed_headers(secret, "5f1c", dt.datetime.now(tz=dt.UTC), body)

    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
