"""A scripted fake Medusa: answers each request with the next step of a script, records them all."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest

from medusa_sync.client import MedusaClient, RetryPolicy

BASE_URL = "http://medusa.test"
API_KEY = "sk_live_TOPSECRETKEY"
PASSWORD = "hunter2-PASSWORD"
EMAIL = "admin@example.com"

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class ScriptedTransport(httpx.MockTransport):
    """Each request consumes one step: a response, an exception to raise, or a handler.

    A request beyond the script fails the test, so "exactly N requests" is always checked.
    """

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self.steps: list[Step] = list(steps)
        self.requests: list[httpx.Request] = []
        super().__init__(self._handle)

    def add(self, *steps: Step) -> None:
        self.steps.extend(steps)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        # A copy: an auth flow re-sends the same Request object with other headers.
        self.requests.append(
            httpx.Request(request.method, request.url, headers=request.headers.copy(),
                          content=request.content)
        )
        if not self.steps:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if callable(step):
            return step(request)
        return step


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def error(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers)
    return httpx.Response(status, json=body if body is not None else {}, headers=headers)


def query(request: httpx.Request) -> list[tuple[str, str]]:
    """The query string as sorted (name, value) pairs: exact, repeats included."""
    return sorted(request.url.params.multi_items())


def body(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def assert_call(
    request: httpx.Request,
    method: str,
    path: str,
    params: Iterable[tuple[str, str]] = (),
    json_body: Any = None,
) -> None:
    assert (request.method, request.url.path) == (method, path)
    assert query(request) == sorted(params)
    assert body(request) == json_body
    if json_body is not None:
        assert request.headers["content-type"] == "application/json"


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the retry policy asked for, recorded instead of slept."""
    return []


@pytest.fixture
def policy(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(initial_wait=0.0, sleep=sleeps.append)


@pytest.fixture
def transport() -> ScriptedTransport:
    return ScriptedTransport()


@pytest.fixture
def client(transport: ScriptedTransport, policy: RetryPolicy) -> Iterable[MedusaClient]:
    with MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=transport) as medusa:
        yield medusa


def page(
    key: str, rows: list[dict[str, Any]], count: int | None = None, offset: int = 0, limit: int = 1000
) -> httpx.Response:
    total = len(rows) if count is None else count
    return ok({key: rows, "count": total, "offset": offset, "limit": limit})
