"""One writer at a time across hosts (the store lease), and stock locations never duplicated,
on the real server (issue 11, points 1 and 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from medusa_sync.client import MedusaClient
from medusa_sync.lease import LEASE_HANDLE

from .conftest import use_store
from .slow_proxy import SlowProxy
from .test_sync import SAMPLES, store_counts

pytestmark = pytest.mark.integration

FULL = {"locations": 4, "items": 243, "levels": 245, "kits": 4}


@pytest.fixture
def store(empty_store, tmp_path):
    return empty_store


@pytest.fixture
def client(store):
    with MedusaClient(store.url, email=store.email, password=store.password) as medusa:
        yield medusa


def start(store, tmp_path: Path, name: str, *args: str, url: str | None = None, timeout: str = "30") -> subprocess.Popen:
    """medusa-sync in its own process, as on another host: its own lock file and run log."""
    env = {
        **os.environ,
        "MEDUSA_URL": url or store.url,
        "MEDUSA_EMAIL": store.email,
        "MEDUSA_PASSWORD": store.password,
        "MEDUSA_SYNC_LOCK_FILE": str(tmp_path / f"{name}.lock"),
        "MEDUSA_SYNC_RUN_LOG": str(tmp_path / f"{name}.runs.jsonl"),
        "MEDUSA_SYNC_TIMEOUT": timeout,
    }
    env.pop("MEDUSA_API_KEY", None)
    command = [sys.executable, "-m", "medusa_sync", *args, "--out", str(tmp_path / f"{name}-out")]
    return subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    _, err = process.communicate(timeout=300)
    return process.returncode, err


def lease_records(client: MedusaClient) -> list[dict]:
    return list(client.products.iter(handle=LEASE_HANDLE, fields="id"))


@pytest.mark.parametrize("trial", range(3))
def test_two_syncs_on_two_hosts_one_writes_the_other_exits_6_naming_it(store, client, raw_admin, tmp_path, trial) -> None:
    started = time.monotonic()
    first = start(store, tmp_path, "host-a", "sync", str(SAMPLES))
    second = start(store, tmp_path, "host-b", "sync", str(SAMPLES))
    (code_a, err_a), (code_b, err_b) = finish(first), finish(second)
    elapsed = time.monotonic() - started
    assert sorted([code_a, code_b]) == [0, 6], (err_a[-2000:], err_b[-2000:])
    loser = err_a if code_a == 6 else err_b
    assert "another medusa-sync writer holds the store: `sync` on host " in loser
    assert "since " in loser and "lease expires " in loser
    assert store_counts(client, raw_admin) == FULL
    assert lease_records(client) == []  # released at the end
    print(f"\ntrial {trial}: two syncs at once, exits {code_a}/{code_b}, {elapsed:.1f} s")


def test_a_waiting_sync_runs_after_the_holder_and_finds_nothing_to_do(store, client, raw_admin, tmp_path) -> None:
    started = time.monotonic()
    first = start(store, tmp_path, "host-a", "sync", str(SAMPLES))
    time.sleep(1.0)
    second = start(store, tmp_path, "host-b", "sync", str(SAMPLES), "--wait", "240")
    (code_a, err_a), (code_b, err_b) = finish(first), finish(second)
    assert (code_a, code_b) == (0, 0), (err_a[-2000:], err_b[-2000:])
    ends = [
        json.loads(line)
        for name in ("host-a", "host-b")
        for line in (tmp_path / f"{name}.runs.jsonl").read_text().splitlines()
        if json.loads(line)["event"] == "end"
    ]
    assert sorted(sum(end["applied"].values()) for end in ends) == [0, 4 + 243 + 245 + 4]
    assert store_counts(client, raw_admin) == FULL
    print(f"\n--wait: both exit 0, one applied everything, {time.monotonic() - started:.1f} s")


def test_sync_and_import_at_once_never_duplicate_locations(store, client, raw_admin, tmp_path) -> None:
    started = time.monotonic()
    sync = start(store, tmp_path, "cron", "sync", str(SAMPLES), "--wait", "240")
    engineer = start(store, tmp_path, "engineer", "import", str(SAMPLES), "--yes", "--json", "--wait", "240")
    (code_s, err_s), (code_i, err_i) = finish(sync), finish(engineer)
    assert (code_s, code_i) == (0, 0), (err_s[-2000:], err_i[-2000:])
    assert store_counts(client, raw_admin) == FULL
    print(f"\nsync + import --yes: 4 locations, {time.monotonic() - started:.1f} s")


def test_a_location_create_answered_after_the_timeout_is_not_re_sent(store, client, raw_admin, tmp_path) -> None:
    started = time.monotonic()
    with SlowProxy(store.url, hold={("POST", "/admin/stock-locations"): 5.0}) as proxy:
        process = start(store, tmp_path, "slow", "import", str(SAMPLES), "--yes", url=proxy.url, timeout="3")
        code, err = finish(process)
    assert code == 0, err[-3000:]
    assert "waiting 3 s for a create still in flight before re-sending" in err
    assert len(proxy.held) == 4  # one create per location, none re-sent
    names = sorted(row["name"] for row in client.stock_locations.list(fields="id,name"))
    assert names == sorted(set(names)) and len(names) == 4
    assert store_counts(client, raw_admin) == FULL
    print(f"\nslow server: {len(proxy.held)} location creates held 5 s, 4 locations, {time.monotonic() - started:.1f} s")


def test_has_levels_sees_a_level_at_the_location(store, client) -> None:
    empty = client.stock_locations.create("Empty")
    stocked = client.stock_locations.create("Stocked")
    item = client.inventory_items.create({"sku": "LEVELS-1"})
    client.inventory_items.batch_levels(create=[{"inventory_item_id": item["id"], "location_id": stocked["id"], "stocked_quantity": 1}])
    assert (client.stock_locations.has_levels(empty["id"]), client.stock_locations.has_levels(stocked["id"])) == (False, True)


def totals(client: MedusaClient) -> dict[str, tuple[int, int, int]]:
    """Each item's stocked, reserved and incoming summed over all locations."""
    fields = "sku,location_levels.stocked_quantity,location_levels.reserved_quantity,location_levels.incoming_quantity"
    return {
        item["sku"]: tuple(sum(int(level[f"{q}_quantity"]) for level in item["location_levels"]) for q in ("stocked", "reserved", "incoming"))
        for item in client.inventory_items.iter(fields=fields)
    }


def test_a_duplicate_location_is_reported_by_plan_and_merged_with_stock_preserved(store, client, tmp_path, monkeypatch, capsys) -> None:
    from medusa_sync.cli.main import main

    use_store(monkeypatch, store, tmp_path)
    assert main(["import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out")]) == 0
    (kept,) = client.stock_locations.list(name="Odex CD", fields="id")
    duplicate = client.stock_locations.create("Odex  cd")  # another spelling, made later
    odex = client.inventory_items.list_by_skus(["odex_inverters_ODEX-INV-SOLIS-3000W"], fields="id")[0]["id"]
    solfacil = next(item["id"] for item in client.inventory_items.iter(fields="id,sku") if item["sku"].startswith("solfacil_"))
    client.inventory_items.batch_levels(
        create=[
            {"inventory_item_id": odex, "location_id": duplicate["id"], "stocked_quantity": 7, "incoming_quantity": 3},
            {"inventory_item_id": solfacil, "location_id": duplicate["id"], "stocked_quantity": 5},
        ]
    )
    reservation = client.reservations.create(duplicate["id"], odex, 2)
    before = totals(client)

    capsys.readouterr()
    assert main(["plan", str(SAMPLES), "--detailed-exitcode", "--json", "--out", str(tmp_path / "p")]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["duplicate_locations"] == {"Odex CD": [kept["id"], duplicate["id"]]}
    assert f"DUPLICATE STOCK LOCATIONS: 2 locations are 'Odex CD' ({kept['id']}, {duplicate['id']})" in captured.err

    assert main(["locations", "merge", "odex cd", "--yes", "--json"]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert merged["kept"] == kept["id"]
    assert merged["merged"] == {"levels moved": 2, "reservations moved": 1, "locations deleted": 1}
    assert totals(client) == before  # stocked, reserved and incoming of every item, exactly
    assert sorted(row["id"] for row in client.stock_locations.list(fields="id") if row["id"] in (kept["id"], duplicate["id"])) == [kept["id"]]
    (moved,) = client.reservations.iter(fields="id,location_id,quantity,metadata")
    assert (moved["location_id"], moved["quantity"], moved["metadata"]) == (kept["id"], 2, {"medusa_sync_moved_from": reservation["id"]})
    levels = {
        item["id"]: {level["location_id"]: level["stocked_quantity"] for level in item["location_levels"]}
        for item in client.inventory_items.list_by_ids([odex, solfacil], fields="id,location_levels.location_id,location_levels.stocked_quantity")
    }
    assert levels[odex][kept["id"]] == 107 and levels[solfacil][kept["id"]] == 5
    assert main(["locations", "merge", "Odex CD", "--yes", "--json"]) == 0  # nothing left to merge
    assert json.loads(capsys.readouterr().out)["merged"] == {}
    assert main(["plan", str(SAMPLES), "--json", "--out", str(tmp_path / "p")]) == 0
    assert json.loads(capsys.readouterr().out)["duplicate_locations"] == {}
