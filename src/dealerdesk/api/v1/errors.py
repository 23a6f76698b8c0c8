"""One error shape for every answer of the API that is not a success:

    {"code": "validation_error", "message": "…", "errors": [{"row": 3, "field": "amount",
     "code": "decimal_parsing", "message": "…"}]}

``code`` is stable for programs, ``message`` is for people; ``errors`` names each row and
field at fault (``row`` is the index of the row in a batch, counted from 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

# Status codes of HttpError raised without a code of their own.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


class FieldErrorOut(Schema):
    row: int | None = None
    field: str | None = None
    code: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldErrorOut] = []


class ApiError(Exception):
    """An answer other than success, in the API's one error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: Iterable[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.errors = [dict(error) for error in errors]
        self.headers = dict(headers or {})
        super().__init__(message)


def error_body(code: str, message: str, errors: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    return {"code": code, "message": message, "errors": [dict(error) for error in errors]}


def field_errors(raw: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic / Ninja error entries as the API's per-row, per-field errors."""
    found = []
    for error in raw:
        location = [part for part in error.get("loc", ()) if part not in {"body", "payload"}]
        if location and location[0] in {"query", "path", "header", "form", "file", "cookie"}:
            location = location[1:]
        row = None
        if len(location) >= 2 and location[0] == "rows" and isinstance(location[1], int):
            row, location = location[1], location[2:]
        found.append(
            {
                "row": row,
                "field": ".".join(str(part) for part in location) or None,
                "code": str(error.get("type", "invalid")),
                "message": str(error.get("msg", "Invalid value.")),
            }
        )
    return found


def install(api: NinjaAPI) -> None:
    """Answer every error of ``api`` in the one shape."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        response = respond(request, exc.status, error_body(exc.code, exc.message, exc.errors))
        for name, value in exc.headers.items():
            response[name] = value
        return response

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        message = str(exc)
        if isinstance(exc, AuthenticationError):
            code = "unauthorized"
            message = "Sign in, or send a valid bearer token (API key or OAuth2 access token)."
        response = respond(request, exc.status_code, error_body(code, message))
        if exc.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="dealerdesk"'
        return response

    def on_validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = field_errors(exc.errors)
        return respond(
            request,
            422,
            error_body("validation_error", "Some fields are not valid; see errors.", errors),
        )

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 404, error_body("not_found", "Not found."))

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthorizationError, on_http_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(Http404, on_not_found)
