"""The harness itself, against the real Medusa server: health, auth, API keys, reset, loopback."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import time
import uuid

import httpx
import pytest

from .conftest import PINNED_VERSION, SERVER_SCRIPT, MedusaServer, parse_env_lines, run_server_script

pytestmark = pytest.mark.integration

TIMEOUT = 30.0


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(server: MedusaServer, token: str, resource: str) -> int:
    resp = httpx.get(
        f"{server.url}/admin/{resource}", params={"limit": 1}, headers=bearer(token), timeout=TIMEOUT
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["count"]


def post(server: MedusaServer, token: str, path: str, body: dict) -> dict:
    resp = httpx.post(f"{server.url}{path}", json=body, headers=bearer(token), timeout=TIMEOUT)
    assert resp.status_code == 200, f"POST {path}: {resp.status_code} {resp.text}"
    return resp.json()


def test_health(medusa_server: MedusaServer) -> None:
    resp = httpx.get(f"{medusa_server.url}/health", timeout=TIMEOUT)
    assert resp.status_code == 200
    assert resp.text == "OK"


def test_env_command_exports_to_child_processes(medusa_server: MedusaServer) -> None:
    out = run_server_script("env")
    assert all(re.fullmatch(r"export [A-Z_]+='[^\s'\"$`;&|]*'", line) for line in out.splitlines()), out
    expected = {
        "MEDUSA_URL": medusa_server.url,
        "MEDUSA_EMAIL": medusa_server.email,
        "MEDUSA_PASSWORD": medusa_server.password,
        "MEDUSA_SERVER_VERSION": medusa_server.version,
    }
    assert parse_env_lines(out) == expected
    assert medusa_server.url.startswith("http://127.0.0.1:")
    # what the README promises: eval "$(scripts/medusa-server env)" reaches a child process
    child = subprocess.run(
        ["bash", "-c", f'eval "$("{SERVER_SCRIPT}" env)" && env'],
        capture_output=True, text=True, check=True, env={"PATH": os.environ["PATH"], **_server_ports()},
    )
    seen = dict(line.split("=", 1) for line in child.stdout.splitlines() if "=" in line)
    assert {key: seen.get(key) for key in expected} == expected


def _server_ports() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key.startswith("MEDUSA_SERVER_")}


def test_jwt_login(medusa_server: MedusaServer, medusa_admin_token: str) -> None:
    me = httpx.get(f"{medusa_server.url}/admin/users/me", headers=bearer(medusa_admin_token), timeout=TIMEOUT)
    assert me.status_code == 200, me.text
    assert me.json()["user"]["email"] == medusa_server.email

    bad = httpx.post(
        f"{medusa_server.url}/auth/user/emailpass",
        json={"email": medusa_server.email, "password": "wrong-password"},
        timeout=TIMEOUT,
    )
    assert bad.status_code == 401
    assert bad.json()["message"] == "Invalid email or password"


def test_unauthenticated_admin_call_is_401(medusa_server: MedusaServer) -> None:
    resp = httpx.get(f"{medusa_server.url}/admin/stock-locations", timeout=TIMEOUT)
    assert resp.status_code == 401
    assert resp.json() == {"message": "Unauthorized"}


def test_api_key_works_as_basic_and_is_refused_as_bearer(medusa_server: MedusaServer, medusa_api_key: str) -> None:
    url = f"{medusa_server.url}/admin/stock-locations"
    assert medusa_api_key.startswith("sk_")

    # what httpx / js-sdk send: base64("sk_...:")
    as_basic = httpx.get(url, params={"limit": 1}, auth=httpx.BasicAuth(medusa_api_key, ""), timeout=TIMEOUT)
    assert as_basic.status_code == 200, as_basic.text
    assert "stock_locations" in as_basic.json()
    expected = "Basic " + base64.b64encode(f"{medusa_api_key}:".encode()).decode()
    assert as_basic.request.headers["Authorization"] == expected

    # the raw key after "Basic " is accepted too
    raw = httpx.get(url, params={"limit": 1}, headers={"Authorization": f"Basic {medusa_api_key}"}, timeout=TIMEOUT)
    assert raw.status_code == 200, raw.text

    as_bearer = httpx.get(url, params={"limit": 1}, headers=bearer(medusa_api_key), timeout=TIMEOUT)
    assert as_bearer.status_code == 401
    # 2.21 says why (use Basic); older releases (2.3.0 seen) answer a bare "Unauthorized"
    message = as_bearer.json()["message"]
    assert "Basic" in message or (medusa_server.version != PINNED_VERSION and message == "Unauthorized"), message


def test_reset_empties_the_store(empty_store: MedusaServer, medusa_admin_token: str, medusa_api_key: str) -> None:
    server, token = empty_store, medusa_admin_token
    resources = ["inventory-items", "stock-locations", "reservations", "products", "product-variants"]
    assert {r: count(server, token, r) for r in resources} == dict.fromkeys(resources, 0)

    sku = f"IT-HARNESS-{uuid.uuid4().hex[:8]}"
    location = post(server, token, "/admin/stock-locations", {"name": "IT warehouse"})["stock_location"]
    item = post(server, token, "/admin/inventory-items", {"sku": sku})["inventory_item"]
    post(
        server,
        token,
        f"/admin/inventory-items/{item['id']}/location-levels",
        {"location_id": location["id"], "stocked_quantity": 5},
    )
    post(
        server,
        token,
        "/admin/reservations",
        {"location_id": location["id"], "inventory_item_id": item["id"], "quantity": 2},
    )
    post(
        server,
        token,
        "/admin/products",
        {
            "title": "IT kit",
            "options": [{"title": "Default", "values": ["Default"]}],
            "variants": [
                {
                    "title": "IT kit",
                    "sku": f"{sku}-KIT",
                    "options": {"Default": "Default"},
                    "prices": [],
                    "inventory_items": [{"inventory_item_id": item["id"], "required_quantity": 2}],
                }
            ],
        },
    )
    assert {r: count(server, token, r) for r in resources} == dict.fromkeys(resources, 1)

    started = time.monotonic()
    server.reset()
    assert time.monotonic() - started < 10

    assert {r: count(server, token, r) for r in resources} == dict.fromkeys(resources, 0)
    by_sku = httpx.get(
        f"{server.url}/admin/inventory-items", params={"sku": sku}, headers=bearer(token), timeout=TIMEOUT
    )
    assert by_sku.json()["count"] == 0

    # The server keeps working after a reset (no stale in-memory state): the same SKU, location
    # and product can be created again; the login and the session's API key are still valid.
    again = post(server, token, "/admin/inventory-items", {"sku": sku})["inventory_item"]
    assert again["id"] != item["id"]
    loc2 = post(server, token, "/admin/stock-locations", {"name": "IT warehouse"})["stock_location"]
    level = post(
        server,
        token,
        f"/admin/inventory-items/{again['id']}/location-levels",
        {"location_id": loc2["id"], "stocked_quantity": 3},
    )["inventory_item"]
    assert [lvl["stocked_quantity"] for lvl in level["location_levels"]] == [3]
    assert count(server, token, "inventory-items") == 1
    assert server.login()
    with_key = httpx.get(
        f"{server.url}/admin/inventory-items",
        params={"limit": 1},
        auth=httpx.BasicAuth(medusa_api_key, ""),
        timeout=TIMEOUT,
    )
    assert with_key.status_code == 200 and with_key.json()["count"] == 1


def test_a_saved_store_is_restored_row_for_row(empty_store: MedusaServer, medusa_admin_token: str, raw_admin) -> None:
    server, token = empty_store, medusa_admin_token
    location = post(server, token, "/admin/stock-locations", {"name": "IT saved"})["stock_location"]["id"]
    item = post(server, token, "/admin/inventory-items", {"sku": "IT-SAVED", "metadata": {"managed_by": "medusa-sync"}})
    item = item["inventory_item"]["id"]
    post(server, token, f"/admin/inventory-items/{item}/location-levels", {"location_id": location, "stocked_quantity": 5})
    reservation = post(server, token, "/admin/reservations", {"location_id": location, "inventory_item_id": item, "quantity": 2})
    kit = {
        "title": "IT saved kit",
        "metadata": {"managed_by": "medusa-sync"},
        "options": [{"title": "Default", "values": ["Default"]}],
        "variants": [
            {
                "title": "IT saved kit",
                "sku": "IT-SAVED-KIT",
                "options": {"Default": "Default"},
                "prices": [],
                "inventory_items": [{"inventory_item_id": item, "required_quantity": 2}],
            }
        ],
    }
    product = post(server, token, "/admin/products", kit)["product"]["id"]
    saved = (raw_admin.levels(), raw_admin.reservations([item]), raw_admin.kits())
    assert saved[0] == {("IT-SAVED", location): (5, 2)}
    assert saved[2] == {"IT-SAVED-KIT": {item: 2}}
    run_server_script("save", "harness")

    # Everything changed after the save: the level, the reservation gone, the kit renamed, another
    # item and location.
    post(server, token, f"/admin/inventory-items/{item}/location-levels/{location}", {"stocked_quantity": 9})
    gone = httpx.delete(f"{server.url}/admin/reservations/{reservation['reservation']['id']}", headers=bearer(token), timeout=TIMEOUT)
    assert gone.status_code == 200, gone.text
    post(server, token, f"/admin/products/{product}", {"title": "renamed"})
    other = post(server, token, "/admin/stock-locations", {"name": "IT other"})["stock_location"]["id"]
    post(server, token, "/admin/inventory-items", {"sku": "IT-OTHER"})

    started = time.monotonic()
    run_server_script("restore", "harness")
    assert time.monotonic() - started < 10
    assert (raw_admin.levels(), raw_admin.reservations([item]), raw_admin.kits()) == saved
    title = httpx.get(f"{server.url}/admin/products/{product}", params={"fields": "title"}, headers=bearer(token), timeout=TIMEOUT)
    assert title.json()["product"]["title"] == "IT saved kit"
    resources = ["inventory-items", "stock-locations", "reservations", "products"]
    assert {r: count(server, token, r) for r in resources} == dict.fromkeys(resources, 1)
    # The server goes on writing on the restored rows, and the one it made after the save is gone.
    post(server, token, f"/admin/inventory-items/{item}/location-levels/{location}", {"stocked_quantity": 7})
    assert raw_admin.levels() == {("IT-SAVED", location): (7, 2)}
    missing = httpx.get(f"{server.url}/admin/stock-locations/{other}", headers=bearer(token), timeout=TIMEOUT)
    assert missing.status_code == 404


def test_up_again_is_quick_and_changes_nothing(medusa_server: MedusaServer) -> None:
    pid_file = medusa_server.run_dir / "medusa.pid"
    pid_before = pid_file.read_text().strip()
    started = time.monotonic()
    run_server_script("up")
    assert time.monotonic() - started < 5
    assert pid_file.read_text().strip() == pid_before
    status = subprocess.run([str(SERVER_SCRIPT), "status"], capture_output=True, text=True, check=False)
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"pid {pid_before}" in status.stdout


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
def test_server_listens_on_loopback_only(medusa_server: MedusaServer) -> None:
    run_dir = medusa_server.run_dir
    pids = {
        (run_dir / "medusa.pid").read_text().strip(),
        (run_dir / "pgdata" / "postmaster.pid").read_text().splitlines()[0].strip(),
    }
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    ours = [line for line in out.splitlines() if any(f"pid={pid}," in line for pid in pids)]
    assert len(ours) >= 2, out  # Medusa's HTTP port and PostgreSQL's
    for line in ours:
        local = line.split()[3]
        assert local.startswith("127.0.0.1:"), line
