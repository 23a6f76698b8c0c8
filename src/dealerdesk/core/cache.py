"""Cached reads that a change makes stale at once, with no scan for keys to delete.

A :class:`Generation` names a family of cached values (say, everything derived from the
category tree and catalog assignments). Values are stored under the family's current
generation token; a change moves the family to a new token once its transaction commits,
so every older value is simply never read again and expires on its own. A reader that
raced a change can only store its value under a token that the commit retires.

Works the same on the embedded local-memory cache and on Redis (shared by every process).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from secrets import token_hex
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

# Cached derived values live this long at most, even without a change (seconds): the
# worst staleness when processes do not share a cache (local memory, several processes).
DEFAULT_TIMEOUT = 5 * 60


class Generation:
    def __init__(self, name: str, timeout: int = DEFAULT_TIMEOUT) -> None:
        self.name = name
        self.timeout = timeout
        self._token_key = f"generation:{name}"

    def token(self) -> str:
        token = cache.get(self._token_key)
        if token is None:
            cache.add(self._token_key, token_hex(6), None)
            token = cache.get(self._token_key) or ""
        return str(token)

    def key(self, *parts: object) -> str:
        """The cache key of ``parts`` in the current generation; hashed, so that text a
        person typed (a search) is safe in any cache backend and of bounded length."""
        digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
        return f"{self.name}:{self.token()}:{digest}"

    def get_or_set(self, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
        """The cached value for ``parts`` in the current generation, computed on a miss."""
        key = self.key(*parts)
        found = cache.get(key)
        if found is not None:
            value: T = found
            return value
        value = compute()
        cache.set(key, value, self.timeout)
        return value

    def bump(self) -> None:
        """Start a new generation now (every value cached so far is stale)."""
        cache.set(self._token_key, token_hex(6), None)

    def invalidate(self, **_signal: Any) -> None:
        """A change is being written: start a new generation now (so this transaction reads
        its own change) and again when it commits (so nothing another request cached from
        the old rows in between is ever read)."""
        self.bump()
        transaction.on_commit(self.bump)

    def follow(self, *models: type[Model]) -> None:
        """Start a new generation whenever a row of ``models`` is saved or deleted. Writes
        that send no signals (``bulk_create``, ``update``) must call ``invalidate``."""
        for model in models:
            uid = f"{self.name}-{model._meta.label}"
            post_save.connect(self.invalidate, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(self.invalidate, sender=model, dispatch_uid=f"{uid}-delete")
