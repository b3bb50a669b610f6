"""`MedusaClient`: configuration, auth choice and the resource services, on top of the requestor."""

from __future__ import annotations

from types import TracebackType

import httpx
from pydantic import SecretStr

from medusa_sync.errors import ConfigError

from .auth import ApiKeyAuth, EmailPasswordLogin, JWTAuth
from .capabilities import Capabilities
from .pagination import DEFAULT_PAGE_SIZE
from .requestor import Requestor
from .resources import InventoryItems, Products, ProductVariants, Reservations, StockLocations
from .retry import RetryPolicy
from .transport import HttpTransport, RequestStats


class MedusaClient:
    """A thread-safe client of the Medusa v2 Admin API (share one across worker threads).

    Credentials: a secret API key, or an email and password (a JWT, renewed when it expires).
    With both, the JWT is used: the server hashes a secret key on every request (~30 ms).
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | SecretStr | None = None,
        email: str | None = None,
        password: str | SecretStr | None = None,
        timeout: float = 30.0,
        max_connections: int = 16,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.base_url = _checked_url(base_url)
        self._http = HttpTransport(
            self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            max_connections=max_connections,
            transport=transport,
        )
        policy = retry or RetryPolicy()
        auth = _auth(self._http, policy, _secret(api_key), email or None, _secret(password))
        self.auth_method = "jwt" if isinstance(auth, JWTAuth) else "api_key"
        requestor = Requestor(self._http, policy, auth)
        self.capabilities = Capabilities()
        """What this server can do, as learned so far (see capabilities.py)."""
        self.stock_locations = StockLocations(requestor, page_size=page_size)
        self.inventory_items = InventoryItems(requestor, page_size=page_size, capabilities=self.capabilities)
        self.reservations = Reservations(requestor, page_size=page_size)
        self.product_variants = ProductVariants(requestor, page_size=page_size, capabilities=self.capabilities)
        self.products = Products(requestor, variants=self.product_variants, page_size=page_size)

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


def _secret(value: str | SecretStr | None) -> SecretStr | None:
    if isinstance(value, SecretStr):
        return value if value.get_secret_value() else None
    return SecretStr(value) if value else None


def _auth(
    http: HttpTransport,
    policy: RetryPolicy,
    api_key: SecretStr | None,
    email: str | None,
    password: SecretStr | None,
) -> httpx.Auth:
    if (email is None) != (password is None):
        raise ConfigError("give both a Medusa email and a password, or neither")
    if email is not None and password is not None:
        return JWTAuth(EmailPasswordLogin(Requestor(http, policy), email, password))
    if api_key is not None:
        return ApiKeyAuth(api_key)
    raise ConfigError("no Medusa credentials: give a secret API key, or an email and a password")
