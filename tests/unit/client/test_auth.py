"""Both forms of credentials: the exact headers sent, JWT renewal, and login refusals."""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pydantic import SecretStr

from medusa_sync.client import MedusaClient, UnauthorizedError
from medusa_sync.errors import ConfigError
from medusa_sync.cli.exit_codes import exit_code_of

from .conftest import API_KEY, BASE_URL, EMAIL, PASSWORD, assert_call, error, ok

LOCATIONS = {"stock_locations": [], "count": 0, "offset": 0, "limit": 1000}
LOGIN = ("POST", "/auth/user/emailpass")
LOGIN_BODY = {"email": EMAIL, "password": PASSWORD}


def jwt_client(transport, policy, **extra) -> MedusaClient:
    return MedusaClient(BASE_URL, email=EMAIL, password=PASSWORD, retry=policy, transport=transport, **extra)


@pytest.mark.parametrize("api_key", [API_KEY, SecretStr(API_KEY)])
def test_a_secret_key_is_sent_as_http_basic(transport, policy, api_key):
    transport.add(ok(LOCATIONS))
    with MedusaClient(BASE_URL, api_key=api_key, retry=policy, transport=transport) as client:
        assert client.stock_locations.list() == []
    [request] = transport.requests
    expected = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
    assert request.headers["authorization"] == expected
    assert client.auth_method == "api_key"


def test_email_and_password_log_in_once_and_send_the_jwt_as_bearer(transport, policy):
    transport.add(ok({"token": "jwt-1"}), ok(LOCATIONS), ok(LOCATIONS))
    with jwt_client(transport, policy) as client:
        client.stock_locations.list()
        client.stock_locations.list()
    login, first, second = transport.requests
    assert_call(login, *LOGIN, json_body=LOGIN_BODY)
    assert "authorization" not in login.headers
    assert first.headers["authorization"] == second.headers["authorization"] == "Bearer jwt-1"
    assert client.stats.snapshot().auth == 1


def test_a_companion_uses_the_same_login_and_counts_its_own_requests(transport, policy):
    transport.add(ok({"token": "jwt-1"}), ok(LOCATIONS), ok(LOCATIONS), ok(LOCATIONS))
    with jwt_client(transport, policy) as client:
        with client.companion() as lease_client:
            lease_client.stock_locations.list()  # the first request logs in, through `client`
            client.stock_locations.list()
            lease_client.stock_locations.list()
    login, *requests = transport.requests
    assert_call(login, *LOGIN, json_body=LOGIN_BODY)
    assert [request.headers["authorization"] for request in requests] == ["Bearer jwt-1"] * 3
    assert (client.stats.snapshot().auth, client.stats.snapshot().by_method) == (1, {"GET": 1})
    assert (lease_client.stats.snapshot().auth, lease_client.stats.snapshot().by_method) == (0, {"GET": 2})


def test_the_jwt_is_preferred_over_a_key(transport, policy):
    transport.add(ok({"token": "jwt-1"}), ok(LOCATIONS))
    with jwt_client(transport, policy, api_key=API_KEY) as client:
        client.stock_locations.list()
    assert client.auth_method == "jwt"
    assert transport.requests[1].headers["authorization"] == "Bearer jwt-1"


def test_an_expired_jwt_is_renewed_once_and_the_request_re_sent(transport, policy):
    transport.add(
        ok({"token": "jwt-1"}),
        ok(LOCATIONS),
        error(401, {"message": "Unauthorized"}),  # jwt-1 expired
        ok({"token": "jwt-2"}),
        ok(LOCATIONS),
    )
    with jwt_client(transport, policy) as client:
        client.stock_locations.list()
        client.stock_locations.list()
    methods_paths = [(r.method, r.url.path) for r in transport.requests]
    assert methods_paths == [LOGIN, ("GET", "/admin/stock-locations"), ("GET", "/admin/stock-locations"),
                             LOGIN, ("GET", "/admin/stock-locations")]
    assert [r.headers.get("authorization") for r in transport.requests] == [
        None, "Bearer jwt-1", "Bearer jwt-1", None, "Bearer jwt-2"]
    assert client.stats.snapshot().auth == 2


def test_a_401_after_renewal_is_an_auth_refusal_not_a_loop(transport, policy):
    transport.add(ok({"token": "jwt-1"}), error(401, {"message": "Unauthorized"}),
                  ok({"token": "jwt-2"}), error(401, {"message": "Unauthorized"}))
    with jwt_client(transport, policy) as client:
        with pytest.raises(UnauthorizedError) as raised:
            client.stock_locations.list()
    assert str(raised.value) == "GET /admin/stock-locations → 401: Unauthorized"
    assert exit_code_of(raised.value) == 8
    assert len(transport.requests) == 4


def test_bad_credentials_raise_medusas_message_without_retrying(transport, policy):
    transport.add(error(401, {"type": "unauthorized", "message": "Invalid email or password"}))
    with jwt_client(transport, policy) as client:
        with pytest.raises(UnauthorizedError) as raised:
            client.stock_locations.list()
    assert str(raised.value) == "POST /auth/user/emailpass → 401 unauthorized: Invalid email or password"
    assert exit_code_of(raised.value) == 8
    assert len(transport.requests) == 1


def test_a_login_is_retried_like_any_request(transport, policy):
    transport.add(error(503, "down"), ok({"token": "jwt-1"}), ok(LOCATIONS))
    with jwt_client(transport, policy) as client:
        client.stock_locations.list()
    assert [r.url.path for r in transport.requests] == [
        "/auth/user/emailpass", "/auth/user/emailpass", "/admin/stock-locations"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"mfa_required": True, "mfa_challenge": {"id": "c"}, "token": "half"}, "multi-factor"),
        ({"verification_required": True, "verification": {}, "token": "half"}, "verified"),
        ({}, "holds no token"),
    ],
)
def test_logins_that_cannot_authorize_are_refused_clearly(transport, policy, answer, expected):
    transport.add(ok(answer))
    with jwt_client(transport, policy) as client:
        with pytest.raises(UnauthorizedError) as raised:
            client.stock_locations.list()
    assert expected in str(raised.value)
    assert str(raised.value).startswith("POST /auth/user/emailpass: ")
    assert exit_code_of(raised.value) == 8
    assert len(transport.requests) == 1


def test_concurrent_requests_with_an_expired_jwt_log_in_once():
    lock = threading.Lock()
    logins: list[str] = []

    def medusa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/user/emailpass":
            with lock:
                logins.append("login")
                return ok({"token": f"jwt-{len(logins)}"})
        if request.headers["authorization"] == "Bearer jwt-1":
            return error(401, {"message": "Unauthorized"})
        return ok(LOCATIONS)

    with MedusaClient(BASE_URL, email=EMAIL, password=PASSWORD,
                      transport=httpx.MockTransport(medusa)) as client:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda _: client.stock_locations.list(), range(32)))
    assert results == [[]] * 32
    assert logins == ["login", "login"]  # the first token, and one renewal for all threads


@pytest.mark.parametrize(
    "credentials",
    [{}, {"email": EMAIL}, {"password": PASSWORD}, {"api_key": ""}, {"api_key": SecretStr("")}],
)
def test_missing_credentials_are_a_config_error(credentials):
    with pytest.raises(ConfigError):
        MedusaClient(BASE_URL, **credentials)


@pytest.mark.parametrize("url", ["medusa.test", "ftp://medusa.test", "http://admin:pw@medusa.test"])
def test_bad_urls_are_a_config_error(url):
    with pytest.raises(ConfigError) as raised:
        MedusaClient(url, api_key=API_KEY)
    assert "pw" not in str(raised.value)
