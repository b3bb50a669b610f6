"""Admin authentication as `httpx.Auth` flows: a secret API key, or an email/password JWT.

A JWT is cheaper for bulk work: the server scrypt-hashes a secret key on every request
(~30 ms of CPU), while a JWT is only verified.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr

from .errors import UnauthorizedError

if TYPE_CHECKING:
    from .requestor import Requestor

LOGIN_PATH = "/auth/user/emailpass"


class ApiKeyAuth(httpx.Auth):
    """A secret key (`sk_…`) as HTTP Basic `base64(key + ":")`; Medusa rejects it as a Bearer."""

    def __init__(self, api_key: SecretStr) -> None:
        token = base64.b64encode(f"{api_key.get_secret_value()}:".encode()).decode()
        self._header = SecretStr(f"Basic {token}")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header.get_secret_value()
        yield request

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key='**********')"


class JWTAuth(httpx.Auth):
    """A Bearer JWT from `login()`, obtained on first use and again once when a request gets 401.

    Thread-safe: concurrent requests that hit an expired token trigger a single login.
    """

    # Read each 401 fully before logging in, so its connection returns to the pool first.
    requires_response_body = True

    def __init__(self, login: Callable[[], str]) -> None:
        self._login = login
        self._token: SecretStr | None = None
        self._lock = threading.Lock()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._token or self._renew(stale=None)
        request.headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        response = yield request
        if response.status_code == 401:
            token = self._renew(stale=token)
            request.headers["Authorization"] = f"Bearer {token.get_secret_value()}"
            yield request

    def _renew(self, stale: SecretStr | None) -> SecretStr:
        with self._lock:
            if self._token is not None and self._token is not stale:
                return self._token  # another thread logged in meanwhile
            self._token = SecretStr(self._login())
            return self._token

    def __repr__(self) -> str:
        return "JWTAuth(token='**********')"


class EmailPasswordLogin:
    """`POST /auth/user/emailpass` through an unauthenticated requestor; returns the JWT."""

    def __init__(self, requestor: Requestor, email: str, password: SecretStr) -> None:
        self._requestor = requestor
        self._email = email
        self._password = password

    def __call__(self) -> str:
        body = self._requestor.request(
            "POST",
            LOGIN_PATH,
            json={"email": self._email, "password": self._password.get_secret_value()},
            idempotent=True,
        )
        return _token_from(body)

    def __repr__(self) -> str:
        return f"EmailPasswordLogin(email={self._email!r}, password='**********')"


def _token_from(body: Any) -> str:
    def refused(message: str, hint: str) -> UnauthorizedError:
        return UnauthorizedError(message, method="POST", path=LOGIN_PATH, hint=hint)

    if not isinstance(body, dict):
        raise refused("the login answer is not a JSON object", "check the Medusa URL")
    if body.get("mfa_required"):
        raise refused(
            "the user must complete a multi-factor challenge to log in",
            "use a secret API key for medusa-sync instead of an email and password",
        )
    if body.get("verification_required"):
        raise refused(
            "the user's email address must be verified before logging in",
            "verify the user, or use a secret API key",
        )
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise refused("the login answer holds no token", "check the Medusa URL")
    return token
