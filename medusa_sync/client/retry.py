"""The one retry policy of the client: what is retried, how long to wait, when to give up.

Retried: connection failures, timeouts, and the answers 429, 502, 503 and 504. Never any other
4xx or 5xx. Waits grow exponentially with jitter, or follow `Retry-After` (seconds or an HTTP
date); attempts and total time (waits included) are both bounded.

Whether a failed write may be re-sent is the requestor's call: see `TransientFailure.maybe_applied`.

Failures are transient or terminal. The `CircuitBreaker`, shared by every thread of one client,
tells them apart: a request that exhausts its retries because Medusa does not answer (refused
connections, timeouts, resets, 502/503/504), an outage (no answer to any request) that lasts
longer than `RetryPolicy.outage_limit`, or authentication refused after a fresh login opens it;
from then on every request of the client fails at once with `CircuitOpenError`, and workers
waiting between attempts wake up and stop. A refused connection thus ends a run within about
the retry schedule of one request (~8 s); a hung server within about two timeouts.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx
import tenacity

from .errors import CircuitOpenError, MedusaAPIError, MedusaUnavailableError

logger = logging.getLogger("medusa_sync.client")

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})

# The request never reached the server: re-sending cannot duplicate anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The server may have received and applied the request before the failure.
_MAYBE_APPLIED = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.NetworkError, httpx.RemoteProtocolError)


class TransientFailure(Exception):
    """One attempt failed in a way worth retrying. Internal: the requestor never lets it escape.

    `maybe_applied` is True when the server may have applied the request (a read timeout, a
    connection reset after sending, a gateway error), False when it certainly did not.
    `error` is the mapped HTTP error when there was an answer.
    """

    def __init__(
        self,
        reason: str,
        *,
        maybe_applied: bool,
        retry_after: float | None = None,
        error: MedusaAPIError | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_applied = maybe_applied
        self.retry_after = retry_after
        self.error = error

    @property
    def outage(self) -> bool:
        """True when Medusa gave no usable answer (no answer at all, or a gateway's 502/503/504);
        a 429 is an answer from a server that is up."""
        return self.error is None or self.error.status != 429


def transient_from_exception(exc: httpx.TransportError) -> TransientFailure | None:
    """Classify a transport error; None when it is not worth retrying (e.g. an unsupported URL)."""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, _NOT_SENT):
        return TransientFailure(reason, maybe_applied=False)
    if isinstance(exc, _MAYBE_APPLIED):
        return TransientFailure(reason, maybe_applied=True)
    return None


def transient_from_error(error: MedusaAPIError, headers: Mapping[str, str]) -> TransientFailure | None:
    """A retryable HTTP answer as a TransientFailure; None for the answers never retried."""
    if error.status not in RETRYABLE_STATUSES:
        return None
    return TransientFailure(
        f"{error.status} {error.message}",
        maybe_applied=error.status != 429,
        retry_after=parse_retry_after(headers.get("retry-after")),
        error=error,
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and waits of the retries. Tests pass `sleep` to record waits instead of sleeping,
    and `initial_wait=0` (or a subclass overriding `jitter`) to make waits deterministic."""

    max_attempts: int = 5
    """Attempts per request, the first included."""
    max_elapsed: float = 60.0
    """Seconds from the first attempt after which no further attempt starts (waits included)."""
    initial_wait: float = 0.5
    """Backoff before the 2nd attempt; doubles for each further one."""
    max_wait: float = 10.0
    """Cap of one backoff wait."""
    max_retry_after: float = 60.0
    """Cap of one wait asked by a `Retry-After` header."""
    outage_limit: float = 20.0
    """Seconds without any answer from Medusa, from the first failure, after which the circuit
    opens: the outage is terminal and every request stops."""
    sleep: Callable[[float], None] | None = field(default=None, repr=False, compare=False)
    """Waits between attempts; None: wait on the circuit breaker (woken when it opens)."""

    def backoff(self, attempt: int) -> float:
        """Wait after failed attempt number `attempt` (1-based), before jitter."""
        return min(self.max_wait, self.initial_wait * 2 ** (attempt - 1))

    def jitter(self, wait: float) -> float:
        """Spread waits so concurrent workers do not retry in lockstep ("equal jitter")."""
        return random.uniform(wait / 2, wait)

    def retrying(self, method: str, path: str, breaker: CircuitBreaker) -> tenacity.Retrying:
        """A tenacity controller for one request; retries only `TransientFailure`, and stops
        as soon as the breaker opens."""
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(TransientFailure),
            stop=tenacity.stop_after_attempt(self.max_attempts)
            | tenacity.stop_before_delay(self.max_elapsed)
            | tenacity.stop_when_event_set(breaker.opened),
            wait=self._wait,
            sleep=self.sleep or breaker.sleep,
            before_sleep=_log_retry(method, path, self.max_attempts),
            reraise=True,
        )

    def _wait(self, state: tenacity.RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, TransientFailure) and failure.retry_after is not None:
            return min(failure.retry_after, self.max_retry_after)
        return self.jitter(self.backoff(state.attempt_number))


def _log_retry(method: str, path: str, max_attempts: int) -> Callable[[tenacity.RetryCallState], None]:
    def log(state: tenacity.RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        reason = failure.reason if isinstance(failure, TransientFailure) else repr(failure)
        logger.warning(
            "%s %s: attempt %d of %d failed (%s); retrying in %.2f s",
            method,
            path,
            state.attempt_number,
            max_attempts,
            reason,
            state.upcoming_sleep,
        )

    return log


class CircuitBreaker:
    """Shared by the worker threads of one client: opens once on a terminal failure, then
    refuses every request (see the module docstring). Thread-safe; never closes again (a new
    run makes a new client)."""

    def __init__(self, outage_limit: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.outage_limit = outage_limit
        self.opened = threading.Event()
        self.cause: MedusaAPIError | None = None
        self._clock = clock
        self._lock = threading.Lock()
        self._failing_since: float | None = None

    def check(self, method: str, path: str) -> None:
        """Raise CircuitOpenError when the circuit is open: the request must not be sent."""
        if self.cause is not None:
            raise CircuitOpenError(self.cause, method=method, path=path)

    def answered(self) -> None:
        """Medusa answered (anything but a gateway error): the outage, if any, is over."""
        self._failing_since = None

    def failed(self, failure: TransientFailure, method: str, path: str) -> None:
        """Count an outage failure; open the circuit when the outage outlasts the limit."""
        if not failure.outage:
            return
        now = self._clock()
        with self._lock:
            if self._failing_since is None:
                self._failing_since = now
            lasted = now - self._failing_since
        if lasted > self.outage_limit:
            self.open(
                _unavailable(f"Medusa has given no answer for {lasted:.0f} s ({failure.reason})", method, path)
            )

    def open(self, cause: MedusaAPIError) -> None:
        """Open the circuit for good; the first cause is kept and logged once."""
        with self._lock:
            if self.cause is not None:
                return
            self.cause = cause
        logger.error("Medusa failed terminally, stopping every request: %s", cause)
        self.opened.set()

    def sleep(self, seconds: float) -> None:
        """Wait between attempts; returns early when the circuit opens."""
        self.opened.wait(seconds)


def _unavailable(message: str, method: str, path: str) -> MedusaAPIError:
    return MedusaUnavailableError(message, method=method, path=path, hint="check that the Medusa server is up")
