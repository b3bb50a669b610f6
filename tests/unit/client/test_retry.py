"""The retry policy: what is retried, the waits asked for, and when it gives up."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from medusa_sync.client import (
    GatewayError,
    InvalidDataError,
    MedusaAPIError,
    MedusaClient,
    MedusaUnavailableError,
    ResourceNotFoundError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
)
from medusa_sync.client.retry import parse_retry_after
from medusa_sync.cli.exit_codes import exit_code_of

from .conftest import API_KEY, BASE_URL, assert_call, error, ok

LOCATION = {"id": "sloc_1", "name": "CD Sul"}


def retrieve_location(client: MedusaClient) -> dict:
    return client.stock_locations.retrieve("sloc_1")


def test_429_waits_as_long_as_retry_after_says(client, transport, sleeps, caplog):
    transport.add(error(429, {"message": "slow down"}, {"Retry-After": "7"}), ok({"stock_location": LOCATION}))
    with caplog.at_level(logging.WARNING, logger="medusa_sync.client"):
        assert retrieve_location(client) == LOCATION
    assert sleeps == [7.0]
    assert len(transport.requests) == 2
    for request in transport.requests:
        assert_call(request, "GET", "/admin/stock-locations/sloc_1")
    [record] = caplog.records
    assert record.name == "medusa_sync.client"
    assert record.getMessage() == (
        "GET /admin/stock-locations/sloc_1: attempt 1 of 5 failed (429 slow down); retrying in 7.00 s"
    )


def test_retry_after_as_http_date_is_honoured(client, transport, sleeps):
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=4), usegmt=True)
    transport.add(error(503, {}, {"Retry-After": later}), ok({"stock_location": LOCATION}))
    retrieve_location(client)
    [wait] = sleeps
    assert 2.0 < wait <= 4.0  # the header has whole seconds


def test_a_long_retry_after_is_capped(transport, sleeps):
    policy = RetryPolicy(max_retry_after=5.0, sleep=sleeps.append)
    transport.add(error(429, {}, {"Retry-After": "3600"}), ok({"stock_location": LOCATION}))
    with MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=transport) as client:
        retrieve_location(client)
    assert sleeps == [5.0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("-4", 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(header, expected):
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc)
    assert parse_retry_after(header, now=now) == expected


def test_a_503_burst_then_success(client, transport, sleeps):
    transport.add(error(503, "Service Unavailable"), error(502, "Bad Gateway"), error(504, {}),
                  ok({"stock_location": LOCATION}))
    assert retrieve_location(client) == LOCATION
    assert len(transport.requests) == 4
    assert sleeps == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("timed out"), httpx.ConnectTimeout("timed out"),
     httpx.ConnectError("refused"), httpx.RemoteProtocolError("server disconnected"),
     httpx.ReadError("connection reset")],
)
def test_transport_failures_of_a_read_are_retried(client, transport, failure):
    transport.add(failure, ok({"stock_location": LOCATION}))
    assert retrieve_location(client) == LOCATION
    assert len(transport.requests) == 2


def test_connection_failures_exhaust_into_unavailable(client, transport, caplog):
    transport.add(*[httpx.ConnectError("[Errno 111] Connection refused") for _ in range(5)])
    with caplog.at_level(logging.WARNING, logger="medusa_sync.client"):
        with pytest.raises(MedusaUnavailableError) as raised:
            retrieve_location(client)
    assert type(raised.value) is MedusaUnavailableError
    assert exit_code_of(raised.value) == 8
    assert str(raised.value).startswith(
        "GET /admin/stock-locations/sloc_1: cannot reach Medusa (ConnectError: [Errno 111] Connection refused)"
        " (gave up after 5 attempts in "
    )
    assert len(transport.requests) == 5
    assert [r.getMessage().split(" failed")[0] for r in caplog.records] == [
        *(f"GET /admin/stock-locations/sloc_1: attempt {n} of 5" for n in range(1, 5)),
        "Medusa",  # the breaker opens, logged once (see test_breaker.py)
    ]
    assert caplog.records[-1].getMessage() == f"Medusa failed terminally, stopping every request: {raised.value}"


def test_gateway_errors_exhaust_into_an_unavailable_error(client, transport):
    transport.add(*[error(503, {"message": "down"}) for _ in range(5)])
    with pytest.raises(GatewayError) as raised:
        retrieve_location(client)
    assert isinstance(raised.value, MedusaUnavailableError)
    assert isinstance(raised.value, ServerError)
    assert exit_code_of(raised.value) == 8
    assert raised.value.status == 503
    assert str(raised.value).startswith("GET /admin/stock-locations/sloc_1 → 503: down (gave up after 5 attempts")
    assert len(transport.requests) == 5


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (error(400, {"type": "invalid_data", "message": "Invalid request: Unrecognized fields: 'foo'"}),
         InvalidDataError),
        (error(404, {"type": "not_found", "message": "Stock location with id: sloc_1 was not found"}),
         ResourceNotFoundError),
        (error(500, {"type": "unknown_error", "message": "An unknown error occurred."}), ServerError),
        (error(422, {"type": "duplicate_error", "message": "dup"}), MedusaAPIError),
    ],
)
def test_other_errors_are_never_retried(client, transport, sleeps, response, expected):
    transport.add(response)
    with pytest.raises(MedusaAPIError) as raised:
        retrieve_location(client)
    assert type(raised.value) is expected
    assert len(transport.requests) == 1
    assert sleeps == []


def test_total_time_is_bounded_even_when_retry_after_asks_for_more(transport, sleeps):
    policy = RetryPolicy(initial_wait=0.0, max_elapsed=10.0, sleep=sleeps.append)
    transport.add(error(429, {"message": "slow down"}, {"Retry-After": "30"}))
    with MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=transport) as client:
        with pytest.raises(RateLimitedError) as raised:
            retrieve_location(client)
    assert exit_code_of(raised.value) == 8
    assert sleeps == []  # giving up now beats sleeping past the budget
    assert len(transport.requests) == 1


class NoJitter(RetryPolicy):
    def jitter(self, wait: float) -> float:
        return wait


def test_backoff_doubles_up_to_its_cap(transport, sleeps):
    policy = NoJitter(initial_wait=0.5, max_wait=3.0, max_attempts=6, sleep=sleeps.append)
    transport.add(*[httpx.ConnectError("refused") for _ in range(6)])
    with MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=transport) as client:
        with pytest.raises(MedusaUnavailableError):
            retrieve_location(client)
    assert sleeps == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_default_jitter_stays_between_half_and_the_full_wait():
    policy = RetryPolicy()
    waits = [policy.jitter(4.0) for _ in range(200)]
    assert all(2.0 <= wait <= 4.0 for wait in waits)
    assert len(set(waits)) > 1
