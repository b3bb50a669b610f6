"""The circuit breaker: terminal failures stop every request of a client at once."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from medusa_sync.cli.exit_codes import exit_code_of
from medusa_sync.client import (
    AmbiguousWriteError,
    CircuitOpenError,
    MedusaClient,
    MedusaUnavailableError,
    RetryPolicy,
    UnauthorizedError,
)
from medusa_sync.client.retry import CircuitBreaker, TransientFailure

from .conftest import API_KEY, BASE_URL, EMAIL, PASSWORD, error, ok

LOCATION = {"id": "sloc_1", "name": "CD Sul"}
REFUSED = "[Errno 111] Connection refused"


def test_once_a_request_exhausts_on_refused_connections_every_request_fails_at_once_unsent(client, transport):
    transport.add(*[httpx.ConnectError(REFUSED) for _ in range(5)])
    with pytest.raises(MedusaUnavailableError) as opener:
        client.stock_locations.retrieve("sloc_1")
    assert type(opener.value) is MedusaUnavailableError and opener.value.terminal
    for _ in range(3):
        with pytest.raises(CircuitOpenError) as stopped:
            client.inventory_items.update("iitem_1", {"title": "x"})
        assert exit_code_of(stopped.value) == 8
        assert stopped.value.terminal
        assert stopped.value.cause is opener.value
        assert str(stopped.value) == f"POST /admin/inventory-items/iitem_1: not sent: Medusa failed terminally ({opener.value})"
    assert len(transport.requests) == 5  # nothing sent after the breaker opened


def test_an_auth_refusal_after_a_fresh_login_is_terminal(transport, policy):
    transport.add(
        ok({"token": "jwt-1"}), error(401, {"message": "Unauthorized"}),  # expired: log in again
        ok({"token": "jwt-2"}), error(401, {"message": "Unauthorized"}),  # refused after a fresh login
    )
    with MedusaClient(BASE_URL, email=EMAIL, password=PASSWORD, retry=policy, transport=transport) as client:
        with pytest.raises(UnauthorizedError) as refused:
            client.stock_locations.retrieve("sloc_1")
        assert refused.value.terminal
        with pytest.raises(CircuitOpenError) as stopped:
            client.stock_locations.retrieve("sloc_1")
    assert stopped.value.cause is refused.value
    assert len(transport.requests) == 4


def test_errors_from_a_live_server_never_open_the_breaker(client, transport):
    transport.add(error(400, {"type": "invalid_data", "message": "bad"}), error(404, {"message": "gone"}),
                  *[error(429, {"message": "slow"}) for _ in range(5)], ok({"stock_location": LOCATION}))
    for _ in range(3):
        with pytest.raises(Exception) as raised:
            client.stock_locations.retrieve("sloc_1")
        assert not raised.value.terminal
    assert client.stock_locations.retrieve("sloc_1") == LOCATION
    assert client.breaker.cause is None


def test_an_outage_longer_than_the_limit_opens_the_breaker_mid_request(transport, sleeps):
    policy = RetryPolicy(initial_wait=0.0, sleep=sleeps.append, outage_limit=0.0)
    transport.add(httpx.ConnectError(REFUSED), httpx.ConnectError(REFUSED))
    with MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=transport) as client:
        with pytest.raises(CircuitOpenError) as stopped:
            client.stock_locations.retrieve("sloc_1")
    assert len(transport.requests) == 2  # not 5: the second failure outlasted the limit
    assert str(stopped.value.cause).startswith("GET /admin/stock-locations/sloc_1: Medusa has given no answer for 0 s (ConnectError")


def test_the_outage_is_measured_from_the_first_failure_since_the_last_answer():
    now = [0.0]
    breaker = CircuitBreaker(20.0, clock=lambda: now[0])
    failure = TransientFailure("ReadTimeout", maybe_applied=True)
    breaker.failed(failure, "GET", "/x")
    now[0] = 15.0
    breaker.answered()  # another worker got an answer: the server lives
    breaker.failed(failure, "GET", "/x")
    now[0] = 35.0
    breaker.failed(failure, "GET", "/x")
    assert breaker.cause is None
    now[0] = 35.1
    breaker.failed(failure, "GET", "/x")
    assert breaker.cause is not None
    assert breaker.cause.message == "Medusa has given no answer for 20 s (ReadTimeout)"


def test_a_write_that_may_have_reached_the_server_is_ambiguous_when_the_breaker_stops_it(transport):
    def open_during_the_wait(seconds: float) -> None:
        client.breaker.open(MedusaUnavailableError("gone", method="GET", path="/admin/x"))

    policy = RetryPolicy(initial_wait=0.0, sleep=open_during_the_wait)
    transport.add(httpx.ReadTimeout("timed out"))
    client = MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=transport)
    with client, pytest.raises(AmbiguousWriteError) as raised:
        client.inventory_items.update("iitem_1", {"title": "x"})
    assert raised.value.terminal
    assert str(raised.value).startswith(
        "POST /admin/inventory-items/iitem_1: the request may have been applied before Medusa failed terminally"
    )
    assert len(transport.requests) == 1


def test_workers_waiting_between_attempts_wake_and_stop_when_the_breaker_opens():
    """One thread waits 30 s before its next attempt; another thread's 401 opens the breaker:
    the waiting one stops at once instead of sleeping on."""
    started = threading.Event()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("sloc_slow"):
            started.set()
            raise httpx.ConnectError(REFUSED)
        started.wait(5)
        return httpx.Response(401, json={"message": "Unauthorized"})

    policy = RetryPolicy(initial_wait=30.0, max_wait=30.0)  # waits 15-30 s, on the breaker
    with MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=httpx.MockTransport(handle)) as client:
        results: list[BaseException] = []

        def slow() -> None:
            try:
                client.stock_locations.retrieve("sloc_slow")
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                results.append(exc)

        worker = threading.Thread(target=slow)
        begin = time.monotonic()
        worker.start()
        with pytest.raises(UnauthorizedError):
            client.stock_locations.retrieve("sloc_auth")
        worker.join(10)
        elapsed = time.monotonic() - begin
    assert not worker.is_alive()
    [stopped] = results
    assert isinstance(stopped, CircuitOpenError)
    assert elapsed < 5
