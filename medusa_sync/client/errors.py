"""Errors of the Medusa Admin API client, and the one function that maps a response to them.

    MedusaSyncError (medusa_sync.errors)
    ├── InvalidRequestError          refused client-side, nothing was sent
    └── MedusaAPIError               any answer Medusa gave that is not a success
        ├── BadRequestError          400 with another type
        │   ├── InvalidDataError     400 invalid_data (validation, duplicates)
        │   └── NotAllowedError      400 not_allowed (business rule refused)
        ├── ForbiddenError           403
        ├── ResourceNotFoundError    404, also an unknown route (Express's HTML 404);
        │                            also a medusa_sync.errors.NotFoundError
        ├── ConflictError            409
        ├── PayloadTooLargeError     413
        ├── ServerError              5xx
        ├── MalformedAnswerError     a success whose JSON is not of the expected shape
        │   └── MissingFieldError    a record in it lacks a key that is read
        ├── ListMovedError           a list kept changing while its pages were read
        └── MedusaUnavailableError   Medusa cannot be used right now
            ├── UnauthorizedError            401, or a login that cannot succeed
            ├── RateLimitedError             429 after the retries
            ├── GatewayError                 502/503/504 after the retries (also a ServerError)
            ├── AmbiguousWriteError          a write that may or may not have been applied
            └── CircuitOpenError             the client stopped: Medusa failed terminally

`str(error)` is one line such as
`POST /admin/reservations → 400 not_allowed: Not enough stock available for item …`;
`error.message` is Medusa's own message with control characters (escape sequences) removed.
Neither ever holds a header, a credential or a query string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from medusa_sync.errors import MedusaSyncError, NotFoundError

from .codec import decode_json

_MAX_TEXT = 200
_MAX_MESSAGE = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class InvalidRequestError(MedusaSyncError, ValueError):
    """The client refused a request before sending it (e.g. a reservation quantity of 0)."""


class MedusaAPIError(MedusaSyncError):
    """Medusa answered with an error, or could not be reached.

    `message` is Medusa's own message; `str(error)` is the one-line summary. `status` is None when
    no HTTP answer was received. `note` adds context (e.g. how many attempts were made).
    `applied` is set when a split batch failed after some of its requests had been applied: the
    merged results of those requests. `terminal` is set when the client's circuit breaker is
    open (Medusa failed terminally): callers stop rather than go on with other requests.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        type: str | None = None,
        code: str | None = None,
        request_id: str | None = None,
        note: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.method = method
        self.path = path
        self.status = status
        self.type = type
        self.code = code
        self.request_id = request_id
        self.note = note
        self.applied: dict[str, list[Any]] | None = None

    def __str__(self) -> str:
        head = f"{self.method} {self.path}"
        if self.status is not None:
            head = f"{head} → {self.status}"
        if self.type:
            head = f"{head} {self.type}"
        text = f"{head}: {self.message}"
        return f"{text} ({self.note})" if self.note else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, path={self.path!r}, "
            f"status={self.status!r}, type={self.type!r}, message={self.message!r})"
        )


class BadRequestError(MedusaAPIError):
    pass


class InvalidDataError(BadRequestError):
    pass


class NotAllowedError(BadRequestError):
    pass


class ForbiddenError(MedusaAPIError):
    pass


class ResourceNotFoundError(MedusaAPIError, NotFoundError):
    pass


class ConflictError(MedusaAPIError):
    pass


class PayloadTooLargeError(MedusaAPIError):
    pass


class ServerError(MedusaAPIError):
    pass


class MalformedAnswerError(MedusaAPIError):
    """A success answer whose JSON is not what the route returns (a list for an object, …)."""

    def __init__(self, message: str, *, method: str, path: str, status: int | None = None) -> None:
        super().__init__(
            message, method=method, path=path, status=status, hint="check that the URL points at a Medusa v2 server"
        )


class MissingFieldError(MalformedAnswerError, KeyError):
    """A record of a success answer lacks a key medusa-sync reads (also a KeyError, so code that
    treats a missing key as "unreadable" still can)."""


class ListMovedError(MedusaAPIError):
    """Rows were added or removed while a list was read page by page, on every attempt: the
    rows read cannot be trusted to be the list (offset pages shift under inserts and deletes)."""


class MedusaUnavailableError(MedusaAPIError):
    """Connection failed, retries were exhausted, or authentication was refused."""


class UnauthorizedError(MedusaUnavailableError):
    pass


class RateLimitedError(MedusaUnavailableError):
    pass


class GatewayError(ServerError, MedusaUnavailableError):
    pass


class AmbiguousWriteError(MedusaUnavailableError):
    """A non-idempotent write failed in a way where the server may have applied it.

    Raised instead of re-sending it blindly. The caller should re-read the store and re-plan.
    """


class CircuitOpenError(MedusaUnavailableError):
    """Medusa failed terminally (unreachable past the bound, or authentication refused after a
    fresh login): the request was not sent, and no further request of this client will be.

    `cause` is the error that opened the circuit. Raised for every request after it opens, so
    worker threads can stop their pools on this one class.
    """

    terminal = True

    def __init__(self, cause: MedusaAPIError, *, method: str, path: str) -> None:
        super().__init__(
            f"not sent: Medusa failed terminally ({cause})",
            method=method,
            path=path,
            hint=cause.hint or "check that the Medusa server is up, then run the command again",
        )
        self.cause = cause


_BY_STATUS: dict[int, type[MedusaAPIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: ResourceNotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitedError,
    502: GatewayError,
    503: GatewayError,
    504: GatewayError,
}
_BY_400_TYPE: dict[str, type[MedusaAPIError]] = {
    "invalid_data": InvalidDataError,
    "not_allowed": NotAllowedError,
}
_HINTS: dict[type[MedusaAPIError], str] = {
    UnauthorizedError: "check the Medusa API key, or the email and password",
    ForbiddenError: "the credentials lack a role for this route (RBAC); a user login may help",
}


def _error_class(status: int, error_type: str | None) -> type[MedusaAPIError]:
    if status == 400 and error_type in _BY_400_TYPE:
        return _BY_400_TYPE[error_type]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return MedusaAPIError


def error_from_response(
    method: str,
    path: str,
    status: int,
    headers: Mapping[str, str],
    content: bytes,
) -> MedusaAPIError:
    """Build the error for one HTTP answer: Medusa's `{type, message, code}` JSON, or any other body."""
    body = _json_object(content)
    if body is not None:
        error_type = _str_or_none(body.get("type"))
        message = _str_or_none(body.get("message"))
        message = message[:_MAX_MESSAGE] if message else _reason(status)
        code = _str_or_none(body.get("code"))
    else:
        error_type, code = None, None
        message = _text_message(status, content)
    cls = _error_class(status, error_type)
    return cls(
        message,
        method=method,
        path=path,
        status=status,
        type=error_type,
        code=code,
        request_id=headers.get("x-request-id"),
        hint=_HINTS.get(cls),
    )


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        body = decode_json(content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _str_or_none(value: Any) -> str | None:
    """A non-empty string of the server's, without control characters; None otherwise."""
    text = inert(value) if isinstance(value, str) else ""
    return text or None


def inert(text: str) -> str:
    """`text` without control characters (C0, DEL, C1: escape sequences, bells, carriage
    returns), so that a server's words cannot move the cursor or retitle a terminal."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _text_message(status: int, content: bytes) -> str:
    text = inert(content.decode("utf-8", errors="replace"))
    express = re.search(r"<pre>Cannot (\w+) ([^<?\s]*)", text)  # the query is left out
    if status == 404 and express:
        return f"unknown route (Cannot {express.group(1)} {express.group(2)})"
    plain = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    if status == 404:
        return "unknown route" + (f" ({plain[:_MAX_TEXT]})" if plain else "")
    return plain[:_MAX_TEXT] or _reason(status)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
