"""The one table of exit codes, and each error class mapped to its code."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from medusa_sync import errors
from medusa_sync.cli.exit_codes import ExitCode, exit_code_of, usage_exit_code
from medusa_sync.client import (
    AmbiguousWriteError,
    GatewayError,
    InvalidRequestError,
    MedusaAPIError,
    MedusaClient,
    ResourceNotFoundError,
    ServerError,
)
from medusa_sync.config import Settings


def _api(cls: type[MedusaAPIError]) -> MedusaAPIError:
    return cls("boom", method="GET", path="/admin/x", status=500)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.MedusaSyncError("x"), 1),
        (errors.FeedError("x"), 1),
        (errors.ApplyError("x"), 1),
        (InvalidRequestError("x"), 1),
        (_api(ServerError), 1),
        (errors.StrictValidationError("x"), 3),
        (errors.GuardError("x"), 4),
        (errors.StoreChangedError("x"), 5),
        (errors.LockedError("x"), 6),
        (errors.ConfigError("x"), 7),
        (_api(GatewayError), 8),  # also a ServerError: unavailable wins
        (_api(AmbiguousWriteError), 8),
        (errors.NotFoundError("x"), 9),
        (_api(ResourceNotFoundError), 9),
        (errors.UsageError("x"), 64),
        (KeyboardInterrupt(), 130),
        (RuntimeError("a bug"), 1),
    ],
)
def test_each_error_maps_to_its_code(error: BaseException, code: int) -> None:
    assert exit_code_of(error) == code


def test_clicks_usage_error_is_64_and_other_click_codes_pass() -> None:
    assert (usage_exit_code(2), usage_exit_code(1), usage_exit_code(0)) == (64, 1, 0)
    assert [int(code) for code in ExitCode] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 130]


@pytest.fixture
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MEDUSA_URL", "MEDUSA_API_KEY", "MEDUSA_EMAIL", "MEDUSA_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def test_a_client_from_settings_needs_a_url_and_credentials(no_environment: None) -> None:
    with pytest.raises(errors.ConfigError, match="no Medusa server configured: set MEDUSA_URL"):
        MedusaClient.from_settings(Settings(medusa_url=None, api_key=SecretStr("sk_1")))
    with pytest.raises(errors.ConfigError, match="no Medusa credentials: set MEDUSA_API_KEY"):
        MedusaClient.from_settings(Settings(medusa_url="http://127.0.0.1:9", email="a@b.c"))


def test_a_client_from_settings_uses_them(no_environment: None) -> None:
    settings = Settings(medusa_url="http://127.0.0.1:9/", api_key=SecretStr("sk_1"), timeout=5, concurrency=3)
    with MedusaClient.from_settings(settings) as client:
        assert (client.base_url, client.auth_method) == ("http://127.0.0.1:9", "api_key")
