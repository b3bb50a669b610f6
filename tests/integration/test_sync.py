"""medusa-sync import / plan / apply / sync against the real Medusa server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from medusa_sync.cli.main import main
from medusa_sync.client import MedusaClient
from medusa_sync.client.resources.inventory_items import InventoryItems
from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.store import owned

from .raw import RawAdmin

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "distributors"
REAL_FEEDS = REPO.parent / "shared" / "feeds-2025-10"


@pytest.fixture
def client(store):
    with MedusaClient(store.url, email=store.email, password=store.password) as medusa:
        yield medusa


@pytest.fixture
def imported_samples(store, saved_stores, tmp_path) -> Path:
    """A copy of the samples in tmp_path/feeds, imported into the store: the session's first
    import of them, restored for every later test. Returns the copy's root."""
    root = tmp_path / "feeds"
    shutil.copytree(SAMPLES, root)

    def import_samples() -> None:
        assert main(["import", str(root), "--yes", "--quiet", "--out", str(tmp_path / "out")]) == 0

    saved_stores.restore_or_build("samples", import_samples)
    return root


def run_json(capsys, *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main([*args, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}


def store_counts(client: MedusaClient, raw: RawAdmin) -> dict[str, int]:
    """`owned_counts`, checked against what plain HTTP reads (for a store nobody is writing to)."""
    counts = owned_counts(client)
    assert raw.counts() == counts
    return counts


def owned_counts(client: MedusaClient) -> dict[str, int]:
    """What medusa-sync owns in the store; fails on any duplicate SKU, level or kit."""
    items = [
        item
        for item in client.inventory_items.iter(fields="id,sku,metadata,location_levels.location_id")
        if owned(item.get("metadata"))
    ]
    assert max(Counter(item["sku"] for item in items).values(), default=1) == 1, "duplicate SKUs"
    for item in items:
        locations = [level["location_id"] for level in item.get("location_levels") or []]
        assert len(locations) == len(set(locations)), f"duplicate levels for {item['sku']}"
    products = [p for p in client.products.iter(fields="id,metadata,variants.sku") if owned(p.get("metadata"))]
    assert max(Counter(v["sku"] for p in products for v in p["variants"]).values(), default=1) == 1
    return {
        "locations": sum(1 for loc in client.stock_locations.list(fields="id,metadata") if owned(loc.get("metadata"))),
        "items": len(items),
        "levels": sum(len(item.get("location_levels") or []) for item in items),
        "kits": len(products),
    }


def test_an_import_creates_its_items_in_runs_of_medusas_item_create_workflow(store, client, raw_admin, capsys, tmp_path, monkeypatch) -> None:
    """From an empty store: one item alone (its answer tells whether the server has
    `unit_of_measure`), the other 242 in requests of ~100 through the workflow-run route, each
    item with the id medusa-sync gave it; the first run alone, its ids read back by SKU (they
    tell that the server keeps the ids given), no other's. The store is the one one create per
    item made."""
    runs: list[int] = []
    given: dict[str, str] = {}
    lookups: list[int] = []
    create_many, ids_by_sku = InventoryItems.create_many, InventoryItems._ids_by_sku

    def recorded(self, bodies):
        runs.append(len(bodies))
        given.update({body["sku"]: body["id"] for body in bodies if len(bodies) > 1})
        return create_many(self, bodies)

    def looked_up(self, skus):
        lookups.append(len(skus))
        return ids_by_sku(self, skus)

    monkeypatch.setattr(InventoryItems, "create_many", recorded)
    monkeypatch.setattr(InventoryItems, "_ids_by_sku", looked_up)
    code, result = run_json(capsys, "import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert result["applied"]["failures"] == []
    assert result["applied"]["applied"] == {"item.create": 243, "kit.create": 4, "level.create": 245, "location.create": 4}
    assert runs[0] == 1 and sum(runs) == 243 and len(runs) <= 5 and min(runs[1:]) > 1
    assert store_counts(client, raw_admin) == {"locations": 4, "items": 243, "levels": 245, "kits": 4}
    ids = {row["sku"]: row["id"] for row in raw_admin.items()}
    assert len(given) == 242 and {sku: ids[sku] for sku in given} == given
    assert lookups == [runs[1]]
    payload = json.loads((tmp_path / "out" / "inventory_items_payload.json").read_text(encoding="utf-8"))
    assert {row["sku"]: row["id"] for row in payload["inventory_items"]} == ids

    code, again = run_json(capsys, "import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out"))
    assert (code, again["applied"], again["requests"]["writes"]) == (0, None, 0)


def test_import_samples_then_reimport_sends_no_write(store, client, raw_admin, capsys, tmp_path) -> None:
    code, first = run_json(capsys, "import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert first["applied"]["applied"] == {"item.create": 243, "kit.create": 4, "level.create": 245, "location.create": 4}
    assert first["applied"]["failures"] == []
    assert store_counts(client, raw_admin) == {"locations": 4, "items": 243, "levels": 245, "kits": 4}

    code, second = run_json(capsys, "import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert second["applied"] is None
    assert second["requests"]["writes"] == 0
    assert second["counts"]["item"] == {"create": 0, "update": 0, "unchanged": 243, "missing": 0, "conflict": 0}
    assert second["counts"]["level"]["unchanged"] == 245
    assert second["counts"]["kit"]["unchanged"] == 4

    payload = json.loads((tmp_path / "out" / "inventory_items_payload.json").read_text())
    assert all(item["id"].startswith("iitem_") for item in payload["inventory_items"])
    kits = json.loads((tmp_path / "out" / "inventory_kits_definition.json").read_text())
    assert all(kit["product_id"].startswith("prod_") for kit in kits["kits"])
    # Read back in plain HTTP: every item with the title, levels and links the outputs promise.
    raw_items = {item["sku"]: item for item in raw_admin.items() if owned(item.get("metadata"))}
    assert {item["sku"]: (item["id"], item["title"]) for item in payload["inventory_items"]} == {
        sku: (item["id"], item["title"]) for sku, item in raw_items.items()
    }
    locations = {loc["id"]: loc["name"] for loc in raw_admin.all("/admin/stock-locations", "stock_locations", fields="id,name")}
    by_location = json.loads((tmp_path / "out" / "inventory_levels_by_location.json").read_text())
    promised = {
        (level["sku"], location["name"]): level["stocked_quantity"]
        for location in by_location["locations"]
        for level in location["levels"]
    }
    assert promised == {
        (sku, locations[level["location_id"]]): level["stocked_quantity"]
        for sku, item in raw_items.items()
        for level in item["location_levels"]
    }
    assert raw_admin.kits() == {
        kit["sku"]: {component["inventory_item_id"]: component["required_quantity"] for component in kit["components"]}
        for kit in kits["kits"]
    }


def test_plan_detailed_exitcode_for_ci(store, capsys, tmp_path) -> None:
    assert main(["plan", str(SAMPLES), "--detailed-exitcode", "--out", str(tmp_path / "p1")]) == 2
    assert main(["import", str(SAMPLES), "--yes", "--out", str(tmp_path / "i")]) == 0
    assert main(["plan", str(SAMPLES), "--detailed-exitcode", "--out", str(tmp_path / "p2")]) == 0


@pytest.mark.skipif(not REAL_FEEDS.is_dir(), reason="../shared/feeds-2025-10 is not present")
def test_real_feeds_import_and_noop_rerun(store, client, raw_admin, capsys, tmp_path) -> None:
    started = time.monotonic()
    code, first = run_json(capsys, "import", str(REAL_FEEDS), "--yes", "--out", str(tmp_path / "out"))
    first_s = time.monotonic() - started
    assert code == 0
    assert first["applied"]["applied"] == {"item.create": 241, "kit.create": 4, "level.create": 243, "location.create": 4}
    assert store_counts(client, raw_admin) == {"locations": 4, "items": 241, "levels": 243, "kits": 4}

    started = time.monotonic()
    code, second = run_json(capsys, "import", str(REAL_FEEDS), "--yes", "--out", str(tmp_path / "out"))
    second_s = time.monotonic() - started
    assert code == 0
    assert second["requests"]["writes"] == 0
    print(
        f"\nreal feeds: import {first_s:.2f}s {first['requests']['total']} requests; "
        f"no-op re-run {second_s:.2f}s {second['requests']['total']} requests"
    )


def test_kit_availability_is_min_over_components(store, client, capsys, tmp_path) -> None:
    assert main(["import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out")]) == 0
    items = {item["sku"]: item for item in client.inventory_items.iter(fields="id,sku,location_levels.stocked_quantity,location_levels.reserved_quantity")}
    available = {
        item["id"]: sum(l["stocked_quantity"] - l["reserved_quantity"] for l in item.get("location_levels") or [])
        for item in items.values()
    }
    kits = json.loads((tmp_path / "out" / "inventory_kits_definition.json").read_text())["kits"]
    variants = {
        v["sku"]: v["inventory_quantity"]
        for v in client.product_variants.iter(fields="id,sku,manage_inventory,inventory_quantity")
    }
    assert len(kits) == 4
    for kit in kits:
        expected = min(available[c["inventory_item_id"]] // c["required_quantity"] for c in kit["components"])
        assert variants[kit["sku"]] == expected, kit["sku"]
    # The sample KH01 needs 8 panels that have 100 in stock: 12 kits.
    assert variants["fotus_kits-hibridos_KH01"] == 12


def test_interrupted_apply_converges(store, client, raw_admin, tmp_path) -> None:
    """An import killed while it creates items (they go ~100 per request, so a catalog of 3,000
    takes a few seconds): the re-run creates exactly what is missing."""
    feeds = tmp_path / "feeds"
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), str(feeds), "--items", "3000"], check=True, stdout=subprocess.DEVNULL)
    catalog = load_catalog(feeds, Rules())
    expected = {
        "locations": len({level.location for level in catalog.levels}),
        "items": len(catalog.items),
        "levels": len(catalog.levels),
        "kits": len(catalog.kits),
    }
    env = {**os.environ, "MEDUSA_SYNC_CONCURRENCY": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "medusa_sync", "import", str(feeds), "--yes", "--out", str(tmp_path / "killed")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if sum(1 for _ in client.inventory_items.iter(fields="id")) >= 300:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    partial = owned_counts(client)  # not cross-checked: Medusa may still finish an in-flight write
    assert 300 <= partial["items"] < expected["items"], partial  # killed half-way, not before or after

    assert main(["import", str(feeds), "--yes", "--out", str(tmp_path / "out")]) == 0
    assert store_counts(client, raw_admin) == expected
    assert main(["plan", str(feeds), "--detailed-exitcode", "--out", str(tmp_path / "plan")]) == 0


def test_shrink_guard_refuses_a_feed_that_lost_half_a_file(imported_samples, client, raw_admin, capsys, tmp_path) -> None:
    feeds = imported_samples
    before = store_counts(client, raw_admin)
    stocked_before = structure_levels(client)
    raw_before = raw_admin.levels()

    structures = feeds / "odex" / "odex-structures.json"
    records = json.loads(structures.read_text(encoding="utf-8"))
    structures.write_text(json.dumps(records[:13]), encoding="utf-8")
    code, result = run_json(capsys, "import", str(feeds), "--yes", "--missing", "zero", "--out", str(tmp_path / "out"))
    assert code == 4
    assert store_counts(client, raw_admin) == before
    stocked = structure_levels(client)
    assert len(stocked) == 26
    assert stocked == stocked_before  # nothing zeroed: every level holds the value it had
    assert Counter(stocked.values()) == {100: 25, 0: 1}  # the sample's one unavailable structure
    assert raw_admin.levels() == raw_before

    # A truncated file (cut mid-record) is refused the same way.
    structures.write_text(json.dumps(records)[: len(json.dumps(records)) // 2], encoding="utf-8")
    assert main(["import", str(feeds), "--yes", "--out", str(tmp_path / "out")]) == 4
    # --force overrides the guard.
    structures.write_text(json.dumps(records[:13]), encoding="utf-8")
    assert main(["import", str(feeds), "--yes", "--force", "--missing", "zero", "--out", str(tmp_path / "out")]) == 0


def structure_levels(client: MedusaClient) -> dict[tuple[str, str], int]:
    """(SKU, location id) → stocked of every Odex structure level."""
    return {
        (item["sku"], level["location_id"]): level["stocked_quantity"]
        for item in client.inventory_items.iter(fields="sku,location_levels.location_id,location_levels.stocked_quantity")
        if item["sku"].startswith("odex_structures_")
        for level in item["location_levels"]
    }


def test_apply_saved_plan_refuses_a_changed_store(store, client, raw_admin, capsys, tmp_path) -> None:
    plan_file = tmp_path / "plan.json"
    assert main(["plan", str(SAMPLES), "--plan-out", str(plan_file), "--out", str(tmp_path / "p")]) == 0
    client.stock_locations.create("Someone else's warehouse")
    assert main(["apply", str(plan_file)]) == 5
    assert store_counts(client, raw_admin)["items"] == 0

    assert main(["plan", str(SAMPLES), "--plan-out", str(plan_file), "--out", str(tmp_path / "p")]) == 0
    assert main(["apply", str(plan_file)]) == 0
    assert store_counts(client, raw_admin) == {"locations": 4, "items": 243, "levels": 245, "kits": 4}


def test_sync_is_locked_and_logged(store, tmp_path, capsys) -> None:
    from filelock import FileLock

    with FileLock(str(tmp_path / "sync.lock")):
        assert main(["sync", str(SAMPLES), "--out", str(tmp_path / "out")]) == 6
    assert main(["sync", str(SAMPLES), "--out", str(tmp_path / "out")]) == 0
    events = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert [event["event"] for event in events] == ["start", "plan", "end"]
    assert events[2]["applied"]["item.create"] == 243
    assert events[2]["errors"] == []
    assert len({event["run"] for event in events}) == 1


def test_not_owned_item_is_left_alone(store, client, capsys, tmp_path) -> None:
    foreign = client.inventory_items.create({"sku": "odex_inverters_ODEX-INV-SOLIS-3000W", "title": "theirs"})
    code, result = run_json(capsys, "import", str(SAMPLES), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert result["counts"]["item"]["conflict"] == 1
    assert result["applied"]["applied"]["item.create"] == 242
    after = client.inventory_items.retrieve(foreign["id"])
    assert after["title"] == "theirs"
    assert after["metadata"] in (None, {})


def admin_get(store, token: str, path: str, **params) -> dict:
    """A raw Admin API read (not the project's client), so a read bug cannot hide a write bug."""
    response = httpx.get(f"{store.url}{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def admin_post(store, token: str, path: str, body: dict) -> dict:
    response = httpx.post(f"{store.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_medusa_merges_metadata_and_deletes_a_key_sent_as_empty(store, medusa_admin_token, client) -> None:
    """What the plan's metadata removal meets on the live server, release by release, and that
    medusa-sync's client removes a key on each without losing another tool's key.

    Raw HTTP: an item update merges the keys it sends (2.21.2 and 2.3.0 alike); a key sent as ""
    is deleted (2.21.2) or kept as "" (2.3.0). A product update merges and deletes a key sent as
    "" (2.21.2) or replaces the whole metadata, keeping "" (2.3.0). Detected, not looked up by version."""
    item = admin_post(store, medusa_admin_token, "/admin/inventory-items", {"sku": "probe-1", "metadata": {"a": "1", "b": "2"}})
    path = f"/admin/inventory-items/{item['inventory_item']['id']}"
    after_removal = admin_post(store, medusa_admin_token, path, {"metadata": {"b": ""}})["inventory_item"]["metadata"]
    item_keeps_empty = after_removal == {"a": "1", "b": ""}
    assert item_keeps_empty or after_removal == {"a": "1"}
    expected = {"a": "1", "c": "3", **({"b": ""} if item_keeps_empty else {})}
    assert admin_post(store, medusa_admin_token, path, {"metadata": {"c": "3"}})["inventory_item"]["metadata"] == expected

    body = {"title": "probe", "options": [{"title": "Default", "values": ["Default"]}], "metadata": {"roof_type": "Cerâmico", "x": "1"}}
    product = admin_post(store, medusa_admin_token, "/admin/products", body)
    path = f"/admin/products/{product['product']['id']}"
    after_removal = admin_post(store, medusa_admin_token, path, {"metadata": {"roof_type": ""}})["product"]["metadata"]
    product_merges = after_removal == {"x": "1"}
    assert product_merges or after_removal == {"roof_type": ""}  # merged and deleted / replaced, "" kept

    # medusa-sync's client: a removal leaves the key absent (or "" where the server can only
    # keep it, items on 2.3.0), keys another tool wrote kept.
    item_id = item["inventory_item"]["id"]
    client.inventory_items.update(item_id, {"metadata": {"a": "", "d": "4"}})
    held = admin_get(store, medusa_admin_token, f"/admin/inventory-items/{item_id}", fields="id,metadata")["inventory_item"]["metadata"]
    assert held == {"c": "3", "d": "4", **({"a": "", "b": ""} if item_keeps_empty else {})}
    product_id = product["product"]["id"]
    admin_post(store, medusa_admin_token, path, {"metadata": {"managed_by": "medusa-sync", "roof_type": "Cerâmico", "other_tool": "z"}})
    client.products.update(product_id, {"metadata": {"managed_by": "medusa-sync", "other_tool": "z", "roof_type": ""}})
    client.products.update(product_id, {"metadata": {"power_kwp": "2.46"}})
    held = admin_get(store, medusa_admin_token, path, fields="id,metadata")["product"]["metadata"]
    assert held == {"managed_by": "medusa-sync", "other_tool": "z", "power_kwp": "2.46", **({"x": "1"} if product_merges else {})}


def test_a_kit_key_the_feed_drops_is_removed_from_the_store(imported_samples, store, capsys, tmp_path, medusa_admin_token) -> None:
    feeds = imported_samples
    kits_file = feeds / "fotus" / "fotus-kits.json"
    records = json.loads(kits_file.read_text(encoding="utf-8"))
    assert (records[0]["id"], records[0]["estrutura"]) == ("FOTUS-KP05-kits", "Cerâmico")
    records[0]["estrutura"] = None
    kits_file.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")

    code, result = run_json(capsys, "import", str(feeds), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    [change] = result["plan"]["changes"]
    assert (change["kind"], change["action"], change["sku"]) == ("kit", "update", "fotus_kits_KP05")
    assert change["fields"] == [{"field": "metadata.roof_type", "before": "Cerâmico", "after": None, "removed": True}]
    assert result["applied"]["applied"] == {"kit.update": 1}

    products = admin_get(store, medusa_admin_token, "/admin/products", fields="id,metadata,variants.sku", limit=50)["products"]
    metadata = {p["variants"][0]["sku"]: p["metadata"] for p in products}
    assert "roof_type" not in metadata["fotus_kits_KP05"]
    assert metadata["fotus_kits_KP05"]["distribution_centre"] == "Fotus CD ESPÍRITO SANTO"
    assert metadata["fotus_kits_KP06"]["roof_type"] == "Metálico"
    assert main(["plan", str(feeds), "--detailed-exitcode", "--out", str(tmp_path / "p")]) == 0


def test_day_two_plan_lists_only_real_changes(imported_samples, store, capsys, tmp_path, medusa_admin_token) -> None:
    """One record removed from the middle of odex-inverters.json and three stock values changed:
    exactly 3 level updates and 1 missing item; the 24 records after the removed one moved
    (source_record, feed_digest) and are not updates."""
    feeds = imported_samples
    inverters = feeds / "odex" / "odex-inverters.json"
    records = json.loads(inverters.read_text(encoding="utf-8"))
    removed = records.pop(20)
    assert removed["id"] == "odex_inverters_ODEX-INV-GOODWE-10000W"
    stock = {2: 7, 29: 11, 39: 3}
    for index, quantity in stock.items():
        records[index]["estoque"] = quantity
    inverters.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    changed = {records[index]["id"]: quantity for index, quantity in stock.items()}
    assert sorted(changed) == [
        "odex_inverters_ODEX-INV-APSYSTEMS-2000W", "odex_inverters_ODEX-INV-SOLIS-5000W", "odex_inverters_ODEX-INV-SOLIS-5000W-1"
    ]

    code, result = run_json(capsys, "plan", str(feeds), "--detailed-exitcode", "--out", str(tmp_path / "p"))
    assert code == 2
    counts = result["counts"]
    assert counts["item"] == {"create": 0, "update": 0, "unchanged": 242, "missing": 1, "conflict": 0}
    assert counts["level"] == {"create": 0, "update": 3, "unchanged": 241, "missing": 0, "conflict": 0}
    assert counts["kit"] == {"create": 0, "update": 0, "unchanged": 4, "missing": 0, "conflict": 0}
    changes = result["plan"]["changes"]
    assert [(c["kind"], c["action"], c["sku"]) for c in changes if c["kind"] == "item"] == [
        ("item", "missing", "odex_inverters_ODEX-INV-GOODWE-10000W")
    ]
    levels = {c["sku"]: c["fields"] for c in changes if c["kind"] == "level"}
    assert levels == {
        sku: [{"field": "stocked_quantity", "before": 100, "after": quantity, "removed": False}]
        for sku, quantity in changed.items()
    }

    code, applied = run_json(capsys, "import", str(feeds), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert applied["applied"]["applied"] == {"level.update": 3, "base.record": 3}
    assert applied["requests"]["writes"] == 1 + 1  # one level batch, then the three items' new sync bases in one request
    items = admin_get(
        store, medusa_admin_token, "/admin/inventory-items", fields="sku,location_levels.stocked_quantity", limit=500
    )["inventory_items"]
    stocked = {item["sku"]: [level["stocked_quantity"] for level in item["location_levels"]] for item in items}
    assert {sku: stocked[sku] for sku in changed} == {sku: [quantity] for sku, quantity in changed.items()}
    assert stocked["odex_inverters_ODEX-INV-GOODWE-10000W"] == [100]  # missing: kept
    assert main(["plan", str(feeds), "--detailed-exitcode", "--out", str(tmp_path / "p")]) == 0
