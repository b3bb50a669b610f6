"""`MedusaClient`: configuration, auth choice and the resource services, on top of the requestor."""

from __future__ import annotations

import functools
import ssl
from pathlib import Path
from types import TracebackType
from typing import Protocol

import httpx
from pydantic import SecretStr

from medusa_sync.errors import ConfigError

from .auth import ApiKeyAuth, EmailPasswordLogin, JWTAuth
from .capabilities import Capabilities
from .pagination import DEFAULT_PAGE_SIZE, DEFAULT_READ_CONCURRENCY
from .requestor import Requestor
from .resources import InventoryItems, Orders, Products, ProductVariants, Reservations, Sales, StockLocations
from .retry import CircuitBreaker, RetryPolicy
from .transport import HttpTransport, RequestStats


class ConnectionSettings(Protocol):
    """What `MedusaClient.from_settings` reads (medusa_sync.config.Settings has it)."""

    medusa_url: str | None
    api_key: SecretStr | None
    email: str | None
    password: SecretStr | None
    timeout: float
    concurrency: int
    ca_bundle: Path | None


class MedusaClient:
    """A thread-safe client of the Medusa v2 Admin API (share one across worker threads).

    Credentials: a secret API key, or an email and password (a JWT, renewed when it expires).
    With both, the JWT is used: the server hashes a secret key on every request (~30 ms).
    TLS certificates are always verified: against the system's CAs, or `ca_bundle` (PEM).
    `read_concurrency`: pages of a whole list requested at once (`list_all`, see pagination.py).
    `auth` replaces the credentials (see `companion`).
    One circuit breaker serves all threads: after a terminal failure every request fails at once
    with `CircuitOpenError` (see `retry`).
    """

    def __init__(
        self,
        base_url: str,
        *,
        ca_bundle: Path | None = None,
        api_key: str | SecretStr | None = None,
        email: str | None = None,
        password: str | SecretStr | None = None,
        timeout: float = 30.0,
        max_connections: int = 16,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        read_concurrency: int = DEFAULT_READ_CONCURRENCY,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.base_url = _checked_url(base_url)
        self._options = {
            "ca_bundle": ca_bundle,
            "timeout": timeout,
            "max_connections": max_connections,
            "retry": retry,
            "transport": transport,
            "page_size": page_size,
            "read_concurrency": read_concurrency,
        }
        self._http = HttpTransport(
            self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            max_connections=max_connections,
            verify=_tls_context(self.base_url, ca_bundle),
            transport=transport,
        )
        policy = retry or RetryPolicy()
        self.breaker = CircuitBreaker(policy.outage_limit)
        breaker = self.breaker
        auth = auth or _auth(self._http, policy, breaker, _secret(api_key), email or None, _secret(password))
        self._auth = auth
        self.auth_method = "jwt" if isinstance(auth, JWTAuth) else "api_key"
        requestor = Requestor(self._http, policy, auth, breaker)
        self.capabilities = Capabilities()
        """What this server can do, as learned so far (see capabilities.py)."""
        self.stock_locations = StockLocations(requestor, page_size=page_size, settle=timeout)
        self.inventory_items = InventoryItems(
            requestor, page_size=page_size, capabilities=self.capabilities, read_concurrency=read_concurrency
        )
        self.reservations = Reservations(requestor, page_size=page_size)
        self.orders = Orders(requestor, page_size=page_size)
        self.product_variants = ProductVariants(requestor, page_size=page_size, capabilities=self.capabilities)
        self.products = Products(
            requestor,
            variants=self.product_variants,
            page_size=page_size,
            read_concurrency=read_concurrency,
            capabilities=self.capabilities,
        )
        self.sales = Sales(requestor, page_size=page_size)

    @classmethod
    def from_settings(cls, settings: ConnectionSettings) -> MedusaClient:
        """A client for the configured store, with two connections per concurrent request (writes
        of an apply, pages of a whole-list read);
        ConfigError (naming the environment variables) when no store or no credentials are set."""
        if not settings.medusa_url:
            raise ConfigError(
                "no Medusa server configured: set MEDUSA_URL (and MEDUSA_API_KEY or MEDUSA_EMAIL + MEDUSA_PASSWORD)"
            )
        if not settings.api_key and not (settings.email and settings.password):
            raise ConfigError("no Medusa credentials: set MEDUSA_API_KEY, or MEDUSA_EMAIL and MEDUSA_PASSWORD")
        return cls(
            settings.medusa_url,
            ca_bundle=settings.ca_bundle,
            api_key=settings.api_key,
            email=settings.email,
            password=settings.password,
            timeout=settings.timeout,
            max_connections=max(settings.concurrency * 2, 4),
            read_concurrency=settings.concurrency,
        )

    def companion(self) -> MedusaClient:
        """A client of the same store with its own connections, circuit breaker and request
        counts, signed in by this one: one login (~0.2 s of the server's password hashing) serves
        both. Close it before this one, whose connections renew the token."""
        return MedusaClient(self.base_url, auth=self._auth, **self._options)

    def require_supported_server(self) -> None:
        """Raise UnsupportedServerError, once, for a server medusa-sync cannot write to (Medusa 2.0-2.2)."""
        self.inventory_items.require_level_batch()

    @property
    def stats(self) -> RequestStats:
        """Live counts of the HTTP requests sent (`total`, `writes`, `snapshot()`)."""
        return self._http.stats

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MedusaClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MedusaClient(base_url={self.base_url!r}, auth={self.auth_method!r})"


def _checked_url(base_url: str) -> str:
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        raise ConfigError("the Medusa URL is not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError("the Medusa URL must be an http:// or https:// URL with a host")
    if url.userinfo:
        raise ConfigError("the Medusa URL must not hold credentials; give them separately")
    return str(url).rstrip("/")


def _tls_context(base_url: str, ca_bundle: Path | None) -> ssl.SSLContext:
    """Verification on, hostnames checked; the CAs of `ca_bundle` when given, else the system's.
    Loading the CAs takes ~30 ms, so each context is built once per process and shared by every
    client (the run's, the lease's). An http:// store gets a context without CAs: its client
    never opens a TLS connection (it follows no redirect), and one it opened would fail."""
    if httpx.URL(base_url).scheme == "http":
        return _without_cas()
    return _verifying(ca_bundle)


@functools.cache
def _verifying(ca_bundle: Path | None) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"the CA bundle {ca_bundle} cannot be used: {exc}") from None


@functools.cache
def _without_cas() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and hostnames, trusts none


def _secret(value: str | SecretStr | None) -> SecretStr | None:
    if isinstance(value, SecretStr):
        return value if value.get_secret_value() else None
    return SecretStr(value) if value else None


def _auth(
    http: HttpTransport,
    policy: RetryPolicy,
    breaker: CircuitBreaker,
    api_key: SecretStr | None,
    email: str | None,
    password: SecretStr | None,
) -> httpx.Auth:
    if (email is None) != (password is None):
        raise ConfigError("give both a Medusa email and a password, or neither")
    if email is not None and password is not None:
        return JWTAuth(EmailPasswordLogin(Requestor(http, policy, breaker=breaker), email, password))
    if api_key is not None:
        return ApiKeyAuth(api_key)
    raise ConfigError("no Medusa credentials: give a secret API key, or an email and a password")
