"""Taking an inbound message: check it, store its body, make it idempotent, then apply it
at once (a small batch) or queue it as an import job (a large one).

The body is streamed to disk with a size cap while its SHA-256 is computed, and stored in
private storage before anything is applied, so nothing the ERP sent is ever lost. The same
message id from the same client is answered with what the first one got; the same id with
another body is refused.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import uuid
from typing import IO, Protocol

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction

from dealerdesk.integration.choices import InboundStatus
from dealerdesk.integration.inbound.errors import MessageRefused
from dealerdesk.integration.inbound.feeds import FEEDS
from dealerdesk.integration.inbound.process import (
    NDJSON,
    inspect,
    mark_failed,
    process,
    schedule,
)
from dealerdesk.integration.models import ApiClient, InboundMessage

JSON = "application/json"
MEDIA_TYPES = (JSON, NDJSON)
# 1 to 100 printable ASCII characters (space included, not at either end).
MESSAGE_ID = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,98}[\x21-\x7e])?")
READ_BYTES = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def media_type(content_type: str) -> str:
    """The media type of a Content-Type header, if it is one the sync endpoints read."""
    kind, _, parameters = content_type.partition(";")
    kind = kind.strip().lower()
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", parameters, re.IGNORECASE)
    if kind not in MEDIA_TYPES or (charset and charset.group(1).lower() not in {"utf-8", "utf8"}):
        raise MessageRefused(
            415,
            "unsupported_media_type",
            f'Send the rows as {JSON} ({{"rows": [...]}}) or {NDJSON} (one row object '
            f"per line), in UTF-8; got {content_type.strip()[:100]!r}.",
        )
    return kind


def check_message_id(message_id: str | None) -> str:
    if not message_id:
        raise MessageRefused(
            400,
            "idempotency_key_missing",
            "Send the message id in the Idempotency-Key header (1 to 100 printable ASCII "
            "characters); the same id again is answered as the first time.",
        )
    if not MESSAGE_ID.fullmatch(message_id):
        raise MessageRefused(
            400,
            "idempotency_key_invalid",
            "The Idempotency-Key must be 1 to 100 printable ASCII characters.",
        )
    return message_id


def receive(
    *,
    client: ApiClient,
    feed: str,
    body: Readable,
    content_type: str,
    content_length: int | None,
    message_id: str | None,
    atomic: bool,
) -> InboundMessage:
    """Take one message for ``feed`` and return it applied (status done), queued as an
    import job, or as the earlier message with the same id left it.

    Raises :class:`MessageRefused` for what cannot be taken: 415 content type, 400 message
    id, 413 size, 409 the id reused for another body, 400/422 a malformed document.
    """
    kind = media_type(content_type)
    message_id = check_message_id(message_id)
    limit: int = settings.DEALERDESK_INBOUND_MAX_BYTES
    if content_length is not None and content_length > limit:
        raise _too_large(limit)
    with tempfile.TemporaryFile() as spool:
        digest, size = _spool(body, spool, limit)
        message = _earlier(client, message_id, digest)
        if message is None:
            message, fresh = _store(client, feed, message_id, kind, atomic, spool, digest, size)
            if message.body_sha256 != digest:
                raise _reused(message_id)
        else:
            fresh = False
    if not fresh:
        # A failed message sent again is taken again (it may have failed for a reason
        # gone by now); anything else is answered as it stands.
        rearmed = InboundMessage.objects.filter(pk=message.pk, status=InboundStatus.FAILED).update(
            status=InboundStatus.QUEUED, error="", result=None, rows_total=None
        )
        if not rearmed:
            return message
        message.refresh_from_db()
    return _take(message)


def _take(message: InboundMessage) -> InboundMessage:
    try:
        message.rows_total = inspect(message)
    except MessageRefused as refused:
        mark_failed(message, refused.message, refused.as_dict())
        raise
    message.save(update_fields=["rows_total"])
    if message.rows_total <= settings.DEALERDESK_INBOUND_SYNC_ROWS:
        return process(message)
    schedule(message)
    return message


def _spool(body: Readable, spool: IO[bytes], limit: int) -> tuple[str, int]:
    """Copy the body to ``spool`` a block at a time: never more than ``limit`` bytes, never
    the whole body in memory."""
    digest = hashlib.sha256()
    size = 0
    while block := body.read(READ_BYTES):
        size += len(block)
        if size > limit:
            raise _too_large(limit)
        digest.update(block)
        spool.write(block)
    spool.seek(0)
    return digest.hexdigest(), size


def _earlier(client: ApiClient, message_id: str, digest: str) -> InboundMessage | None:
    message = InboundMessage.objects.filter(client=client, message_id=message_id).first()
    if message is not None and message.body_sha256 != digest:
        raise _reused(message_id)
    return message


def _store(
    client: ApiClient,
    feed: str,
    message_id: str,
    kind: str,
    atomic: bool,
    spool: IO[bytes],
    digest: str,
    size: int,
) -> tuple[InboundMessage, bool]:
    """Save the body and the message row (True: it is new); if the same id won a race
    meanwhile, that message (and the body just saved is removed)."""
    message = InboundMessage(
        client=client,
        message_id=message_id,
        feed=feed,
        category=FEEDS[feed].category,
        atomic=atomic,
        content_type=kind,
        body_sha256=digest,
        body_bytes=size,
    )
    extension = "ndjson" if kind == NDJSON else "json"
    message.body.save(f"{feed}-{uuid.uuid4().hex}.{extension}", File(spool), save=False)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        message.body.delete(save=False)
        return InboundMessage.objects.get(client=client, message_id=message_id), False
    return message, True


def _too_large(limit: int) -> MessageRefused:
    return MessageRefused(
        413,
        "too_large",
        f"The body is larger than {limit} bytes; split the rows over several messages.",
    )


def _reused(message_id: str) -> MessageRefused:
    return MessageRefused(
        409,
        "message_id_reused",
        f"Message id {message_id!r} was already used for a different body; a new message "
        "needs a new id.",
    )
