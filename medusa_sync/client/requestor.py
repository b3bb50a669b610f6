"""The requestor: one Admin API call with auth, retries, error mapping and the create rule.

The create rule: a request that is not idempotent (a create) is never re-sent blindly once the
server may have applied it (read timeout, connection lost after sending, 502/503/504). Its
`recover` lookup runs first and, if it finds the record, that record is the result. Without a
`recover`, such a failure raises `AmbiguousWriteError` at once. Failures where the request
certainly was not applied (connection refused, pool timeout, 429) are re-sent as usual.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from .codec import decode_json, encode_json
from .errors import (
    AmbiguousWriteError,
    CircuitOpenError,
    MalformedAnswerError,
    MedusaAPIError,
    MedusaUnavailableError,
    MissingFieldError,
    UnauthorizedError,
    error_from_response,
)
from .retry import CircuitBreaker, RetryPolicy, TransientFailure, transient_from_error, transient_from_exception
from .transport import HttpTransport

logger = logging.getLogger("medusa_sync.client")

Recover = Callable[[], Any]
"""Looks up what a create may have made; returns it, or None when it does not exist."""

_RESENDABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Requestor:
    def __init__(
        self,
        transport: HttpTransport,
        policy: RetryPolicy,
        auth: httpx.Auth | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._transport = transport
        self._policy = policy
        self._auth = auth
        self._breaker = breaker or CircuitBreaker(policy.outage_limit)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        key: str | None = None,
        idempotent: bool | None = None,
        recover: Recover | None = None,
    ) -> Any:
        """Send one call and return its decoded JSON answer, or `answer[key]` when `key` is given.

        `idempotent`: may the call be re-sent after the server may have applied it? Defaults to
        True for every method but POST. `recover`: see the module docstring; it returns what
        `key` would have picked from the answer.

        An error raised once the circuit breaker is open has `terminal` set: the caller should
        stop (see `retry`).
        """
        try:
            return self._attempts(method, path, params, json, key, idempotent, recover)
        except MedusaAPIError as error:
            if self._breaker.cause is not None:
                error.terminal = True
            raise

    def _attempts(
        self,
        method: str,
        path: str,
        params: Any,
        json: Any,
        key: str | None,
        idempotent: bool | None,
        recover: Recover | None,
    ) -> Any:
        resendable = method in _RESENDABLE_METHODS if idempotent is None else idempotent
        content = None if json is None else encode_json(json)
        maybe_applied = False
        reached = False  # an earlier attempt may have reached the server
        state = None
        try:
            for attempt in self._policy.retrying(method, path, self._breaker):
                state = attempt.retry_state
                with attempt:
                    if self._breaker.cause is not None:
                        raise self._stopped(method, path, reached)
                    if maybe_applied and recover is not None:
                        found = _recover(method, path, recover)
                        if found is not None:
                            return found
                    try:
                        answer = self._send(method, path, params, content)
                    except TransientFailure as failure:
                        reached = reached or failure.maybe_applied
                        self._breaker.failed(failure, method, path)
                        if failure.maybe_applied and not resendable:
                            if recover is None:
                                error = _ambiguous(method, path, failure)
                                error.note = "not re-sent"
                                raise error from failure.__cause__
                            maybe_applied = True
                        raise
                    return _pick(answer, key, method, path)
        except TransientFailure as failure:
            if self._breaker.cause is not None:  # stopped by the breaker, not by the bounds
                raise self._stopped(method, path, reached) from failure.__cause__
            assert state is not None
            attempts = state.attempt_number
            note = (
                f"gave up after {attempts} attempt{'s' if attempts > 1 else ''}"
                f" in {state.seconds_since_start:.1f} s"
            )
            error = _exhausted(method, path, failure, note, maybe_applied)
            if failure.outage:
                self._breaker.open(error)
            raise error from failure.__cause__

    def _stopped(self, method: str, path: str, reached: bool) -> MedusaAPIError:
        """The error of a request the open breaker stops: a write an earlier attempt of which
        may have reached the server is ambiguous; anything else was simply not sent."""
        assert self._breaker.cause is not None
        if reached and method not in _READ_METHODS:
            return AmbiguousWriteError(
                f"the request may have been applied before Medusa failed terminally ({self._breaker.cause})",
                method=method,
                path=path,
                hint="re-read the store before trying again",
            )
        return CircuitOpenError(self._breaker.cause, method=method, path=path)

    def _send(self, method: str, path: str, params: Any, content: bytes | None) -> Any:
        try:
            response = self._transport.send(
                method, path, params=params, content=content, auth=self._auth
            )
        except httpx.TransportError as exc:
            failure = transient_from_exception(exc)
            if failure is None:
                raise MedusaUnavailableError(
                    f"request failed ({type(exc).__name__}: {exc})", method=method, path=path
                ) from exc
            raise failure from exc
        if response.is_success:
            self._breaker.answered()
            return _decode(response, method, path)
        error = error_from_response(
            method, path, response.status_code, response.headers, response.content
        )
        failure = transient_from_error(error, response.headers)
        if failure is not None:
            raise failure
        self._breaker.answered()
        if isinstance(error, UnauthorizedError):
            self._breaker.open(error)  # a JWT was already renewed once; a key cannot be
        raise error


def _recover(method: str, path: str, recover: Recover) -> Any:
    logger.warning("%s %s may have been applied; looking it up before re-sending", method, path)
    try:
        found = recover()
    except MedusaAPIError as exc:
        raise AmbiguousWriteError(
            f"the request may have been applied, and looking it up failed: {exc}",
            method=method,
            path=path,
            hint="re-read the store before trying again",
        ) from exc
    if found is not None:
        logger.warning("%s %s had been applied; using what it made", method, path)
    return found


def _ambiguous(method: str, path: str, failure: TransientFailure) -> AmbiguousWriteError:
    return AmbiguousWriteError(
        f"the request may have been applied ({failure.reason})",
        method=method,
        path=path,
        status=failure.error.status if failure.error else None,
        hint="re-read the store before trying again",
    )


def _exhausted(
    method: str, path: str, failure: TransientFailure, note: str, maybe_applied: bool
) -> MedusaAPIError:
    if maybe_applied:
        error: MedusaAPIError = _ambiguous(method, path, failure)
    elif failure.error is not None:
        error = failure.error
    else:
        error = MedusaUnavailableError(
            f"cannot reach Medusa ({failure.reason})",
            method=method,
            path=path,
            hint="check the Medusa URL and that the server is up",
        )
    error.note = note
    return error


class Answer(dict[str, Any]):
    """An object of a success answer. Reading a key it lacks raises MissingFieldError naming the
    request ("GET /admin/inventory-items: a record of the answer has no 'location_id'"), not a bare
    KeyError from deep in the code that reads it."""

    __slots__ = ("method", "path")

    def __missing__(self, key: str) -> Any:
        raise MissingFieldError(f"a record of the answer has no {key!r}", method=self.method, path=self.path)


def list_field(record: Mapping[str, Any], key: str) -> list[Any]:
    """`record[key]` of an answer's record as a list (absent or null: []); MalformedAnswerError
    naming the request for anything else."""
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _malformed_field(record, f"{key!r} is {_kind(value)}, not a list")
    return value


def number_field(record: Mapping[str, Any], key: str, default: Any = None) -> Decimal | None:
    """`record[key]` of an answer's record (a JSON number or a numeric string, as Medusa's big
    numbers are) as a finite Decimal; None when absent or null and no `default`."""
    value = record.get(key)
    if value is None:
        value = default
    if value is None:
        return None
    number = None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        with contextlib.suppress(InvalidOperation, ValueError):
            number = Decimal(str(value))
    if number is None or not number.is_finite():
        shown = repr(value[:40]) if isinstance(value, str) else _kind(value)
        raise _malformed_field(record, f"{key!r} is {shown}, not a number")
    return number


def _malformed_field(record: Mapping[str, Any], what: str) -> MalformedAnswerError:
    return MalformedAnswerError(
        f"a record of the answer is malformed: {what}",
        method=getattr(record, "method", "?"),
        path=getattr(record, "path", "?"),
    )


_CONTAINERS = (dict, list)


def _answer(value: Any, method: str, path: str) -> Any:
    """`value` with every JSON object in it an Answer. This runs over every record read: an
    object is copied whole (in C) and only its objects and lists are replaced."""
    if type(value) is list:
        return [_answer(item, method, path) if type(item) in _CONTAINERS else item for item in value]
    answer = Answer(value)
    answer.method, answer.path = method, path
    for name, item in value.items():
        if type(item) in _CONTAINERS:
            answer[name] = _answer(item, method, path)
    return answer


def _decode(response: httpx.Response, method: str, path: str) -> dict[str, Any]:
    """The answer's JSON object (its objects Answers): every Admin API route answers one (`{}`
    for an empty body)."""
    if not response.content:
        return {}
    try:
        answer = decode_json(response.content)
    except ValueError:
        raise MalformedAnswerError(
            "the answer is not JSON",
            method=method,
            path=path,
            status=response.status_code,
        ) from None
    if not isinstance(answer, dict):
        raise MalformedAnswerError(
            f"the answer is {_kind(answer)}, not a JSON object",
            method=method,
            path=path,
            status=response.status_code,
        )
    try:
        return _answer(answer, method, path)
    except RecursionError:
        raise MalformedAnswerError("the answer is nested too deeply", method=method, path=path, status=response.status_code) from None


def _pick(answer: dict[str, Any], key: str | None, method: str, path: str) -> Any:
    """`answer[key]`, which must be a record or a list of records."""
    if key is None:
        return answer
    if key not in answer:
        raise MalformedAnswerError(f"the answer has no {key!r}", method=method, path=path)
    value = answer[key]
    if isinstance(value, dict):
        return value
    return records(answer, key, method, path)


def listed(answer: dict[str, Any], key: str, method: str, path: str) -> list[Any]:
    """`answer[key]` as a list (absent or null: []); MalformedAnswerError for anything else."""
    value = answer.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedAnswerError(
            f"the answer's {key!r} is {_kind(value)}, not a list",
            method=method,
            path=path,
        )
    return value


def records(answer: dict[str, Any], key: str, method: str, path: str) -> list[dict[str, Any]]:
    """`answer[key]` as a list of records (JSON objects); MalformedAnswerError otherwise."""
    rows = listed(answer, key, method, path)
    for row in rows:
        if not isinstance(row, dict):
            raise MalformedAnswerError(
                f"the answer's {key!r} holds {_kind(row)}, not a record",
                method=method,
                path=path,
            )
    return rows


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    names = {dict: "an object", list: "a list", str: "a string", int: "an integer", float: "a number"}
    return next((name for kind, name in names.items() if isinstance(value, kind)), type(value).__name__)
