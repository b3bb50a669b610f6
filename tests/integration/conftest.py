"""Fixtures for the integration suite: a real Medusa server (scripts/medusa-server).

The release is the pinned one (2.21.2) unless ``MEDUSA_SERVER_VERSION`` names another
(``scripts/compat`` runs this suite against several).

Opt-in: the tests here run only with ``MEDUSA_SYNC_IT=1``; otherwise every test that uses
``medusa_server`` is skipped with the reason. The server is started once per session with
``scripts/medusa-server up`` (idempotent and quick when it already runs) and is left running
afterwards; stop it with ``scripts/medusa-server down``. The unit tests run first, and the
``up`` starts in the background as soon as the tests are collected, so on a fresh machine the
install (minutes) overlaps the unit tests; its timings are printed in the summary.

Fixtures
--------
``medusa_server`` (session)   -> MedusaServer(url, email, password, version); ``.reset()`` empties the store
``empty_store`` (function)    -> the same MedusaServer, after ``scripts/medusa-server reset``
``saved_stores`` (session)    -> SavedStores: a store state built once per session, restored for each
                                 test after (``scripts/medusa-server save`` / ``restore``)
``medusa_admin_token`` (session) -> a JWT for the admin user (send as ``Authorization: Bearer``)
``raw_admin`` (session)       -> tests.integration.raw.RawAdmin: reads in plain httpx
``medusa_api_key`` (session)  -> a secret API key ``sk_...`` (send as HTTP Basic, never as Bearer);
                                 it survives ``reset`` and is revoked and deleted at session end.
``storefront_admin`` (session) -> storefront.Api on /admin (JWT): status-checking plain httpx calls
``merchant`` (session)        -> storefront.Merchant: BRL region, default sales channel and shipping
                                 profile, a publishable key for this session
``storefront`` (session)      -> storefront.Api on /store with the merchant's publishable key

Plain httpx on purpose: these fixtures must not depend on the project's own client.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from .raw import RawAdmin
from .storefront import Api, Merchant, admin_api, create_publishable_key, revoke_api_key, set_up_merchant, store_api

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_SCRIPT = REPO_ROOT / "scripts" / "medusa-server"
PINNED_VERSION = json.loads((REPO_ROOT / "medusa-server" / "package.json").read_text())["dependencies"]["@medusajs/medusa"]

T = TypeVar("T")

# `up` from nothing installs PostgreSQL (apt) and ~680 MB of npm packages: minutes, not seconds.
UP_TIMEOUT_S = 1800
COMMAND_TIMEOUT_S = 120
HTTP_TIMEOUT_S = 30.0
KEY_TITLE_PREFIX = "medusa-sync-it-"  # the secret API keys this harness creates (and may revoke)

SKIP_REASON = (
    "integration tests need a real Medusa server: set MEDUSA_SYNC_IT=1 to start one with "
    "scripts/medusa-server up (the first run installs PostgreSQL and the npm packages, ~2 min)"
)


def run_server_script(command: str, *args: str, timeout: float = COMMAND_TIMEOUT_S) -> str:
    """Run ``scripts/medusa-server <command> [args]``; return stdout, fail the test run on error."""
    try:
        proc = subprocess.run(
            [str(SERVER_SCRIPT), command, *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scripts/medusa-server {command} timed out after {timeout:.0f}s: {exc.stderr!r}")
    if proc.returncode != 0:
        pytest.fail(
            f"scripts/medusa-server {command} failed (exit {proc.returncode}):\n"
            f"{proc.stderr[-4000:]}{proc.stdout[-2000:]}",
            pytrace=False,
        )
    return proc.stdout


def parse_env_lines(text: str) -> dict[str, str]:
    """Parse the ``export KEY='value'`` lines printed by ``scripts/medusa-server env``."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, _, value = words[1].partition("=")
            values[key] = value
    return values


@dataclass(frozen=True)
class MedusaServer:
    """A running Medusa server: base URL and the admin user's credentials."""

    url: str
    email: str
    password: str
    version: str

    @property
    def run_dir(self) -> Path:
        """Where scripts/medusa-server keeps this release's pid files and PostgreSQL cluster."""
        return REPO_ROOT / "medusa-server" / ".versions" / self.version / "run"

    def reset(self) -> None:
        """Empty the store (products, inventory, locations, ...); users and API keys stay."""
        run_server_script("reset")

    def login(self) -> str:
        """Log the admin user in and return a fresh JWT."""
        return admin_login(self.url, self.email, self.password)


def admin_login(url: str, email: str, password: str) -> str:
    resp = httpx.post(
        f"{url}/auth/user/emailpass",
        json={"email": email, "password": password},
        timeout=HTTP_TIMEOUT_S,
    )
    if resp.status_code != 200 or "token" not in resp.json():
        pytest.fail(f"admin login failed: {resp.status_code} {resp.text[:500]}", pytrace=False)
    return resp.json()["token"]


class BackgroundUp:
    """`scripts/medusa-server up` started when the tests are collected, awaited by the first
    integration test."""

    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    _log_file: Any = None  # open for the session: the file is deleted when pytest exits

    @classmethod
    def start(cls) -> None:
        cls._log_file = tempfile.NamedTemporaryFile(prefix="medusa-server-up-", suffix=".log")
        cls.log = Path(cls._log_file.name)
        cls.process = subprocess.Popen(
            [str(SERVER_SCRIPT), "up"], cwd=REPO_ROOT, stdout=cls._log_file, stderr=subprocess.STDOUT
        )

    @classmethod
    def wait(cls) -> None:
        assert cls.process is not None and cls.log is not None
        try:
            code = cls.process.wait(timeout=UP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            cls.process.kill()
            pytest.fail(f"scripts/medusa-server up timed out after {UP_TIMEOUT_S}s", pytrace=False)
        if code != 0:
            pytest.fail(
                f"scripts/medusa-server up failed (exit {code}):\n{cls.log.read_text()[-4000:]}", pytrace=False
            )

    @classmethod
    def timings(cls) -> list[str]:
        """The up's own timing lines (install, migrations, boot), once it has ended."""
        if cls.process is None or cls.process.poll() is None or cls.log is None:
            return []
        marks = ("done in", "migrated in", "healthy after", "installed in", "up in")
        return [line for line in cls.log.read_text().splitlines() if any(mark in line for mark in marks)]


def needs_server(item: pytest.Item) -> bool:
    """A test of the real server: marked, or using it through any fixture (a test that forgot
    the marker must not run first and wait for the whole install)."""
    return item.get_closest_marker("integration") is not None or "medusa_server" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Unit tests first (in their order), then the integration tests; with MEDUSA_SYNC_IT=1 the
    server starts now, in the background, and the first integration test waits for it."""
    items.sort(key=needs_server)
    wanted = os.environ.get("MEDUSA_SYNC_IT") == "1" and not config.option.collectonly
    if wanted and any(map(needs_server, items)) and os.access(SERVER_SCRIPT, os.X_OK):
        BackgroundUp.start()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in BackgroundUp.timings():
        terminalreporter.write_line(f"scripts/medusa-server up (in the background): {line}")


@pytest.fixture(scope="session")
def medusa_server() -> MedusaServer:
    """Start (or reuse) the real Medusa server; skip unless MEDUSA_SYNC_IT=1."""
    if os.environ.get("MEDUSA_SYNC_IT") != "1":
        pytest.skip(SKIP_REASON)
    if not os.access(SERVER_SCRIPT, os.X_OK):
        pytest.fail(f"{SERVER_SCRIPT} is missing or not executable", pytrace=False)
    if BackgroundUp.process is not None:
        BackgroundUp.wait()
    else:
        run_server_script("up", timeout=UP_TIMEOUT_S)
    env = parse_env_lines(run_server_script("env"))
    missing = {"MEDUSA_URL", "MEDUSA_EMAIL", "MEDUSA_PASSWORD", "MEDUSA_SERVER_VERSION"} - env.keys()
    if missing:
        pytest.fail(f"scripts/medusa-server env did not print {sorted(missing)}", pytrace=False)
    return MedusaServer(
        url=env["MEDUSA_URL"].rstrip("/"),
        email=env["MEDUSA_EMAIL"],
        password=env["MEDUSA_PASSWORD"],
        version=env["MEDUSA_SERVER_VERSION"],
    )


@pytest.fixture
def empty_store(medusa_server: MedusaServer) -> MedusaServer:
    """The server with an empty store: no products, inventory items, levels, reservations,
    stock locations (admin user, API keys, store and sales channels are kept)."""
    medusa_server.reset()
    return medusa_server


def use_store(patch: pytest.MonkeyPatch, server: MedusaServer, home: Path) -> None:
    """Point medusa-sync (the CLI, in this process) at `server` with the admin login (no API key,
    no notification URL), its run log, lock file and audit log in `home` — never this host's own,
    which another session on the machine may hold — and run it from `home`."""
    patch.setenv("MEDUSA_URL", server.url)
    patch.setenv("MEDUSA_EMAIL", server.email)
    patch.setenv("MEDUSA_PASSWORD", server.password)
    patch.delenv("MEDUSA_API_KEY", raising=False)
    patch.delenv("MEDUSA_SYNC_NOTIFY_URL", raising=False)
    patch.setenv("MEDUSA_SYNC_RUN_LOG", str(home / "runs.jsonl"))
    patch.setenv("MEDUSA_SYNC_LOCK_FILE", str(home / "sync.lock"))
    patch.setenv("MEDUSA_SYNC_AUDIT_LOG", str(home / "audit.jsonl"))
    patch.chdir(home)


@pytest.fixture
def store(empty_store: MedusaServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MedusaServer:
    """An empty store, and the environment that points medusa-sync at it (`use_store`)."""
    use_store(monkeypatch, empty_store, tmp_path)
    return empty_store


class SavedStores:
    """Store states built once per session and restored for each later test that asks: a test
    that starts from, say, the samples imported gets them in under a second instead of the ten
    seconds an import takes. A restore puts back the very rows the build left (same ids), so
    what the build returned (ids, ...) is returned again. Anything a build leaves outside the
    store (run log, audit log, outputs) is the first test's only."""

    def __init__(self, server: MedusaServer) -> None:
        self.server = server
        self.built: dict[str, Any] = {}

    def restore_or_build(self, name: str, build: Callable[[], T]) -> T:
        """The store as `build` leaves an empty one, and what `build` returned."""
        if name in self.built:
            run_server_script("restore", name)
        else:
            self.server.reset()
            self.built[name] = build()
            run_server_script("save", name)
        return self.built[name]


@pytest.fixture(scope="session")
def saved_stores(medusa_server: MedusaServer) -> SavedStores:
    return SavedStores(medusa_server)


@pytest.fixture(scope="session")
def medusa_admin_token(medusa_server: MedusaServer) -> str:
    """A JWT for the admin user (valid 24 h): ``Authorization: Bearer <token>``."""
    return medusa_server.login()


@pytest.fixture(scope="session")
def raw_admin(medusa_server: MedusaServer, medusa_admin_token: str) -> Iterator[RawAdmin]:
    """The store read in plain httpx, to check what the project's own client reads."""
    raw = RawAdmin(medusa_server.url, medusa_admin_token)
    yield raw
    raw.close()


@pytest.fixture(scope="session")
def medusa_api_key(medusa_server: MedusaServer, medusa_admin_token: str) -> Iterator[str]:
    """A secret API key (``sk_...``) created through the Admin API for this test session.

    Medusa returns the plaintext token only in the create response. It must be sent as HTTP
    Basic (``httpx.BasicAuth(key, "")`` or ``Authorization: Basic <key>``); as Bearer it is a 401.
    """
    headers = {"Authorization": f"Bearer {medusa_admin_token}"}

    def create() -> httpx.Response:
        return httpx.post(
            f"{medusa_server.url}/admin/api-keys",
            json={"title": f"{KEY_TITLE_PREFIX}{uuid.uuid4().hex[:8]}", "type": "secret"},
            headers=headers,
            timeout=HTTP_TIMEOUT_S,
        )

    resp = create()
    if resp.status_code == 400 and "one active secret key" in resp.text:
        # Older releases (2.3.0 seen) allow one active secret key: a session that was killed
        # before its teardown left its key behind. Revoke the harness's leftovers, then retry.
        revoke_leftover_keys(medusa_server.url, headers)
        resp = create()
    if resp.status_code != 200:
        pytest.fail(f"creating a secret API key failed: {resp.status_code} {resp.text[:500]}", pytrace=False)
    api_key = resp.json()["api_key"]
    token = api_key["token"]
    assert token.startswith("sk_"), api_key
    yield token
    # Hygiene: keys survive resets, so do not let them pile up across sessions.
    # Only a revoked key may be deleted. Best effort: the server may be gone by now.
    try:
        fresh = {"Authorization": f"Bearer {medusa_server.login()}"}
        httpx.post(
            f"{medusa_server.url}/admin/api-keys/{api_key['id']}/revoke",
            json={},
            headers=fresh,
            timeout=HTTP_TIMEOUT_S,
        )
        httpx.delete(f"{medusa_server.url}/admin/api-keys/{api_key['id']}", headers=fresh, timeout=HTTP_TIMEOUT_S)
    except (httpx.HTTPError, pytest.fail.Exception):
        pass


def revoke_leftover_keys(url: str, headers: dict[str, str]) -> None:
    """Revoke the active secret keys this harness made (by their title), and no other."""
    listed = httpx.get(
        f"{url}/admin/api-keys",
        params={"type": "secret", "limit": 100, "fields": "id,title,revoked_at"},
        headers=headers,
        timeout=HTTP_TIMEOUT_S,
    )
    if listed.status_code != 200:
        pytest.fail(f"listing the secret API keys failed: {listed.status_code} {listed.text[:500]}", pytrace=False)
    for key in listed.json()["api_keys"]:
        if key["title"].startswith(KEY_TITLE_PREFIX) and not key.get("revoked_at"):
            httpx.post(f"{url}/admin/api-keys/{key['id']}/revoke", json={}, headers=headers, timeout=HTTP_TIMEOUT_S)


# ----------------------------------------------------------------------------------------------
# A merchant's storefront, for orders placed through the Store API (helpers in storefront.py).


@pytest.fixture(scope="session")
def storefront_admin(medusa_server: MedusaServer, medusa_admin_token: str) -> Iterator[Api]:
    """The Admin API as plain httpx (admin JWT), with status-checking calls."""
    admin = admin_api(medusa_server.url, medusa_admin_token)
    yield admin
    admin.close()


@pytest.fixture(scope="session")
def merchant(storefront_admin: Api) -> Iterator[Merchant]:
    """A BRL region for Brazil paid with ``pp_system_default`` and a publishable key on the
    store's default sales channel. Region and currency survive ``reset`` and are reused; the
    key is made for this session and revoked and deleted at its end."""
    key_id, key_token = create_publishable_key(storefront_admin, f"medusa-sync-it-store-{uuid.uuid4().hex[:8]}")
    yield set_up_merchant(storefront_admin, key_id, key_token)
    revoke_api_key(storefront_admin, key_id)


@pytest.fixture(scope="session")
def storefront(medusa_server: MedusaServer, merchant: Merchant) -> Iterator[Api]:
    """The Store API as a customer's browser sees it (the merchant's publishable key)."""
    store = store_api(medusa_server.url, merchant.publishable_key)
    yield store
    store.close()
