"""Secrets and transport safety (#11.8): credentials in MEDUSA_URL, http:// beyond loopback,
TLS verification and the modes of the run and audit logs. No test sends anything anywhere: the
network transport is replaced by one that records what would have been sent."""

from __future__ import annotations

import os
import ssl
import stat
from pathlib import Path

import certifi
import httpx
import pytest

from medusa_sync.cli.exit_codes import exit_code_of
from medusa_sync.audit import AuditLog
from medusa_sync.cli.main import main
from medusa_sync.client import MedusaClient
from medusa_sync.client.medusa_client import _verifying, _without_cas
from medusa_sync.config import load_settings, redact_url
from medusa_sync.errors import ConfigError
from medusa_sync.runlog import RunLog

SECRET = "s3cret-PASSWORD"


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("MEDUSA_", "MEDUSA_SYNC_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("MEDUSA_SYNC_RUN_LOG", str(tmp_path / "runs.jsonl"))
    monkeypatch.setenv("MEDUSA_SYNC_LOCK_FILE", str(tmp_path / "sync.lock"))
    monkeypatch.setenv("MEDUSA_API_KEY", "sk_test_KEY")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request that would have reached the network (none is sent)."""
    requests: list[str] = []

    def record(self, request: httpx.Request) -> httpx.Response:
        requests.append(f"{request.method} {request.url}")
        raise httpx.ConnectError("the test forbids the network", request=request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", record)
    return requests


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"http://admin:{SECRET}@127.0.0.1:9000", "http://***@127.0.0.1:9000"),
        (f"https://admin:{SECRET}@shop.example/medusa", "https://***@shop.example/medusa"),
    ],
)
def test_credentials_in_the_url_are_refused_and_never_shown_or_logged(
    url, shown, tmp_path, monkeypatch, capsys, sent
):
    monkeypatch.setenv("MEDUSA_URL", url)
    assert main(["sync", str(tmp_path / "feeds")]) == 7
    out, err = capsys.readouterr()
    assert f"MEDUSA_URL must not hold credentials ({shown})" in err
    assert SECRET not in out + err
    assert not (tmp_path / "runs.jsonl").exists()
    assert sent == []


@pytest.mark.parametrize("url", ["http://medusa.example:9000", "http://10.0.0.7:9000", "http://[2001:db8::1]/"])
def test_http_beyond_loopback_is_refused_before_any_connection(url, monkeypatch, tmp_path, capsys, sent):
    monkeypatch.setenv("MEDUSA_URL", url)
    assert main(["availability", "odex_inverters_X"]) == 7
    _, err = capsys.readouterr()
    assert "is http:// to a host that is not loopback" in err
    assert "MEDUSA_SYNC_ALLOW_HTTP=1" in err
    assert sent == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000", "http://127.8.9.10", "http://[::1]:9000", "http://localhost:9000", "https://shop.example"]
)
def test_loopback_http_and_any_https_are_accepted(url, monkeypatch):
    monkeypatch.setenv("MEDUSA_URL", url)
    assert load_settings().medusa_url == url


def test_http_beyond_loopback_is_accepted_when_explicitly_allowed(monkeypatch):
    monkeypatch.setenv("MEDUSA_URL", "http://medusa.example:9000")
    monkeypatch.setenv("MEDUSA_SYNC_ALLOW_HTTP", "1")
    assert load_settings().medusa_url == "http://medusa.example:9000"


def test_redact_url_hides_user_and_password():
    assert redact_url(f"https://admin:{SECRET}@shop.example/a@b?x=1") == "https://***@shop.example/a@b?x=1"
    assert redact_url(f"http://ad@min:{SECRET}@host:9") == "http://***@host:9"
    assert redact_url("https://shop.example/medusa") == "https://shop.example/medusa"


@pytest.fixture
def new_contexts(monkeypatch) -> list[tuple[str | None, ssl.SSLContext]]:
    """Each TLS context built with CAs from now on (none cached from before)."""
    contexts: list[tuple[str | None, ssl.SSLContext]] = []
    real = ssl.create_default_context

    def spy(*args, cafile=None, **kwargs):
        context = real(*args, cafile=cafile, **kwargs)
        contexts.append((cafile, context))
        return context

    monkeypatch.setattr(ssl, "create_default_context", spy)
    _verifying.cache_clear()
    yield contexts
    _verifying.cache_clear()


def test_tls_is_verified_against_the_system_cas_or_the_given_bundle(new_contexts, tmp_path):
    bundle = Path(certifi.where())  # any valid PEM bundle
    MedusaClient("https://shop.example", api_key="sk_x").close()
    MedusaClient("https://shop.example", api_key="sk_x", ca_bundle=bundle).close()
    assert [cafile for cafile, _ in new_contexts] == [None, str(bundle)]
    for _, context in new_contexts:
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True


def test_the_cas_are_loaded_once_per_process_for_every_client_of_the_store(new_contexts):
    with MedusaClient("https://shop.example", api_key="sk_x") as client:
        client.companion().close()
        MedusaClient("https://other.example", api_key="sk_x").close()
    assert [cafile for cafile, _ in new_contexts] == [None]


def test_an_http_store_loads_no_cas_and_its_client_trusts_no_certificate(new_contexts):
    MedusaClient("http://127.0.0.1:9000", api_key="sk_x").close()
    assert new_contexts == []
    context = _without_cas()
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert context.cert_store_stats()["x509_ca"] == 0


def test_an_unreadable_ca_bundle_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="the CA bundle .*missing.pem cannot be used") as raised:
        MedusaClient("https://shop.example", api_key="sk_x", ca_bundle=tmp_path / "missing.pem")
    assert exit_code_of(raised.value) == 7


def test_ca_bundle_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDUSA_SYNC_CA_BUNDLE", str(tmp_path / "ca.pem"))
    assert load_settings().ca_bundle == tmp_path / "ca.pem"


@pytest.mark.parametrize("write", [lambda path: RunLog(path).event("start"), lambda path: AuditLog(path).append({"x": 1})])
def test_run_and_audit_logs_are_readable_by_their_owner_only(write, tmp_path):
    fresh = tmp_path / "new" / "log.jsonl"
    write(fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    existing = tmp_path / "old.jsonl"
    existing.write_text("")
    existing.chmod(0o644)
    write(existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert existing.read_text().count("\n") == 1
