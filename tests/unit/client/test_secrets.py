"""Credentials never show in error messages, reprs, tracebacks or log records."""

from __future__ import annotations

import base64
import logging
import traceback

import httpx
import pytest

from medusa_sync.client import MedusaAPIError, MedusaClient

from .conftest import API_KEY, BASE_URL, EMAIL, PASSWORD, ScriptedTransport, error, ok

JWT = "eyJhbGciOiJIUzI1NiJ9.SECRET-JWT.sig"
SECRETS = [API_KEY, PASSWORD, JWT, "SECRET-JWT", base64.b64encode(f"{API_KEY}:".encode()).decode()]


def everything_said(client: MedusaClient, raised: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        [
            str(raised),
            repr(raised),
            "".join(traceback.format_exception(raised)),
            repr(client),
            repr(client.__dict__),
            caplog.text,
            *(repr(record.__dict__) for record in caplog.records),
        ]
    )


@pytest.mark.parametrize(
    "steps",
    [
        [error(401, {"message": "Unauthorized"})],
        [httpx.ReadTimeout("timed out")] * 5,
        [error(503, "down")] * 4 + [error(400, {"type": "invalid_data", "message": "nope"})],
    ],
)
def test_a_key_never_leaks(policy, caplog, steps):
    transport = ScriptedTransport(steps)
    caplog.set_level(logging.DEBUG)
    with MedusaClient(BASE_URL, api_key=API_KEY, retry=policy, transport=transport) as client:
        with pytest.raises(MedusaAPIError) as raised:
            client.stock_locations.list()
    assert not transport.steps  # every scripted answer was used: the scenario really ran
    said = everything_said(client, raised.value, caplog)
    assert not [secret for secret in SECRETS if secret in said]


@pytest.mark.parametrize(
    "steps",
    [
        [error(401, {"type": "unauthorized", "message": "Invalid email or password"})],
        [error(503, "down"), ok({"token": JWT}), error(401, {"message": "Unauthorized"}),
         ok({"token": JWT}), error(401, {"message": "Unauthorized"})],
        [ok({"mfa_required": True, "token": JWT})],
    ],
)
def test_a_password_or_jwt_never_leaks(policy, caplog, steps):
    transport = ScriptedTransport(steps)
    caplog.set_level(logging.DEBUG)
    with MedusaClient(BASE_URL, email=EMAIL, password=PASSWORD, retry=policy, transport=transport) as client:
        with pytest.raises(MedusaAPIError) as raised:
            client.stock_locations.list()
    said = everything_said(client, raised.value, caplog)
    assert not [secret for secret in SECRETS if secret in said]
    assert not transport.steps  # every scripted answer was used: the scenario really ran
