"""The HTTP layer: one pooled `httpx.Client`, and counters of every request it sends."""

from __future__ import annotations

import ssl
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from medusa_sync import __version__

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RequestCounts:
    """HTTP requests sent, every attempt and re-send included.

    `by_method` counts Admin API requests; `auth` counts requests to `/auth/…` (logins) apart,
    so that "no write request" can be asserted even when a login (a POST) happened.
    """

    by_method: Mapping[str, int] = field(default_factory=dict)
    auth: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_method.values()) + self.auth

    @property
    def writes(self) -> int:
        return sum(n for method, n in self.by_method.items() if method not in _READ_METHODS)

    def __sub__(self, earlier: RequestCounts) -> RequestCounts:
        methods = set(self.by_method) | set(earlier.by_method)
        delta = {m: self.by_method.get(m, 0) - earlier.by_method.get(m, 0) for m in methods}
        return RequestCounts({m: n for m, n in delta.items() if n}, self.auth - earlier.auth)


class RequestStats:
    """Thread-safe live counters; `snapshot()` freezes them (subtract two snapshots for a delta)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_method: Counter[str] = Counter()
        self._auth = 0

    def record(self, method: str, *, auth: bool) -> None:
        with self._lock:
            if auth:
                self._auth += 1
            else:
                self._by_method[method] += 1

    def snapshot(self) -> RequestCounts:
        with self._lock:
            return RequestCounts(dict(self._by_method), self._auth)

    @property
    def total(self) -> int:
        return self.snapshot().total

    @property
    def writes(self) -> int:
        return self.snapshot().writes

    def __repr__(self) -> str:
        counts = self.snapshot()
        return f"RequestStats(total={counts.total}, by_method={dict(counts.by_method)}, auth={counts.auth})"


class _CountingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, stats: RequestStats, auth_prefix: str) -> None:
        self._inner = inner
        self._stats = stats
        self._auth_prefix = auth_prefix

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._stats.record(request.method, auth=request.url.path.startswith(self._auth_prefix))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class HttpTransport:
    """Sends requests through one thread-safe, pooled `httpx.Client` (keep-alive reused).

    `transport` replaces the network (an `httpx.MockTransport` in tests); the connection limits
    and `verify` (TLS verification: True, or an `ssl.SSLContext`) apply only to the default
    network transport.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout,
        max_connections: int,
        verify: ssl.SSLContext | bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.stats = RequestStats()
        network = transport or httpx.HTTPTransport(
            verify=verify,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )
        auth_prefix = httpx.URL(base_url).path.rstrip("/") + "/auth/"
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            transport=_CountingTransport(network, self.stats, auth_prefix),
            headers={"Accept": "application/json", "User-Agent": f"medusa-sync/{__version__}"},
            follow_redirects=False,
        )

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        content: bytes | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"} if content is not None else None
        request = self._client.build_request(
            method, path, params=params, content=content, headers=headers
        )
        return self._client.send(request, auth=auth)

    def close(self) -> None:
        self._client.close()
