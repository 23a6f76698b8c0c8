"""Why an inbound message was refused as a whole, with the HTTP status the API answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class MessageRefused(Exception):
    """The message cannot be taken or read at all; nothing of it was applied.

    ``status`` is the HTTP status to answer (400, 409, 413, 415, 422), ``code`` a stable
    code, ``errors`` per-row / per-field details in the API's one error shape.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.errors = [dict(error) for error in errors]
        super().__init__(message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "errors": self.errors,
        }
