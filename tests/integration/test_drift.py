"""The sync respects operators: a three-way merge per level on the real server (issue 9).

The base (what medusa-sync last wrote to a level from the feed) lives in the item's metadata,
`sync_base:<location id>` → [stocked, incoming]: Medusa 2.21.2 does not store level metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medusa_sync.client import MedusaClient

from .test_sync import admin_post, client, imported_samples, run_json  # noqa: F401  (fixtures)

pytestmark = pytest.mark.integration

SKU = "odex_inverters_ODEX-INV-SOLIS-3000W"  # the samples: 100 at Odex CD
MOVED = "odex_inverters_ODEX-INV-SOLIS-5000W"  # the samples: 100 at Odex CD
ODEX = "Odex CD"
ELSEWHERE = "Solfacil CD"  # a location the feed does not stock either SKU at


@pytest.fixture
def feeds(imported_samples, monkeypatch) -> Path:
    """The samples imported (`imported_samples`), the operator named."""
    monkeypatch.setenv("MEDUSA_SYNC_ACTOR", "ana")
    return imported_samples


def stocked(client: MedusaClient, sku: str) -> dict[str, int]:
    """Location name → stocked quantity of `sku`."""
    names = {row["id"]: row["name"] for row in client.stock_locations.list(fields="id,name")}
    [item] = client.inventory_items.list_by_skus([sku], fields="id,sku,location_levels.location_id,location_levels.stocked_quantity")
    return {names[level["location_id"]]: level["stocked_quantity"] for level in item["location_levels"]}


def item_metadata(client: MedusaClient, sku: str) -> dict:
    [item] = client.inventory_items.list_by_skus([sku], fields="id,sku,metadata")
    return item["metadata"]


def location_id(client: MedusaClient, name: str) -> str:
    return next(row["id"] for row in client.stock_locations.list(fields="id,name") if row["name"] == name)


def set_feed_stock(root: Path, sku: str, quantity: int) -> None:
    path = root / "odex" / "odex-inverters.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    [record] = [r for r in records if r["id"] == sku]
    record["estoque"] = quantity
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def drifts(result: dict) -> dict[str, dict]:
    return {c["sku"]: c for c in result["plan"]["changes"] if c["kind"] == "level" and c["action"] == "drift"}


def test_import_records_the_base_with_the_item(feeds, client) -> None:
    assert item_metadata(client, SKU)[f"sync_base:{location_id(client, ODEX)}"] == [100, 0]


def test_a_count_and_a_transfer_survive_a_sync_of_the_unchanged_feed(feeds, client, capsys, tmp_path) -> None:
    assert run_json(capsys, "set", SKU, "-l", ODEX, "-q", "42", "--reason", "cycle count")[0] == 0
    assert run_json(capsys, "transfer", MOVED, "--from", ODEX, "--to", ELSEWHERE, "-q", "10", "--reason", "rebalance")[0] == 0
    assert (stocked(client, SKU), stocked(client, MOVED)) == ({ODEX: 42}, {ODEX: 90, ELSEWHERE: 10})

    code, plan = run_json(capsys, "plan", str(feeds), "--detailed-exitcode", "--out", str(tmp_path / "p"))
    assert code == 0  # nothing to write
    assert [(c["kind"], c["action"]) for c in plan["plan"]["changes"]] == [("level", "drift")] * 2
    kept = drifts(plan)
    assert (kept[SKU]["stocked"], kept[SKU]["feed"], kept[SKU]["base"]) == (42, {"stocked": 100, "incoming": 0}, None)
    assert kept[SKU]["changed_by"].startswith("set by ana at ")
    assert kept[SKU]["note"].startswith("drift kept: the feed did not change; store 42/0 (set by ana at ")
    assert kept[MOVED]["stocked"] == 90
    assert kept[MOVED]["changed_by"].startswith("transfer by ana at ")
    assert plan["counts"]["level"] == {"create": 0, "update": 0, "unchanged": 243, "missing": 0, "conflict": 0}

    code, synced = run_json(capsys, "import", str(feeds), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert synced["applied"] is None
    assert synced["requests"]["writes"] == 0
    assert (stocked(client, SKU), stocked(client, MOVED)) == ({ODEX: 42}, {ODEX: 90, ELSEWHERE: 10})


@pytest.mark.parametrize("on_drift, expected", [("feed", 60), ("keep", 42)])
def test_a_changed_feed_on_a_drifted_level_follows_on_drift(feeds, client, capsys, tmp_path, on_drift, expected) -> None:
    assert run_json(capsys, "set", SKU, "-l", ODEX, "-q", "42", "--reason", "cycle count")[0] == 0
    set_feed_stock(feeds, SKU, 60)

    code, plan = run_json(capsys, "plan", str(feeds), "--on-drift", on_drift, "--detailed-exitcode", "--out", str(tmp_path / "p"))
    assert code == 2
    [change] = plan["plan"]["changes"]
    sides = "both the feed and the store changed; store 42/0 (set by ana at "
    if on_drift == "feed":
        assert (change["action"], change["stocked"], change["base"]) == ("update", 60, {"stocked": 60, "incoming": 0})
        assert change["fields"] == [{"field": "stocked_quantity", "before": 42, "after": 60, "removed": False}]
        assert change["note"].startswith(f"drift overridden (--on-drift feed): {sides}")
    else:
        assert (change["action"], change["stocked"], change["base"]) == ("drift", 42, {"stocked": 60, "incoming": 0})
        assert change["note"].startswith(f"drift kept (--on-drift keep): {sides}")

    code, synced = run_json(capsys, "import", str(feeds), "--on-drift", on_drift, "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    # feed: one level batch + the item's base; keep: the base only
    assert synced["requests"]["writes"] == (2 if on_drift == "feed" else 1)
    assert stocked(client, SKU) == {ODEX: expected}
    assert item_metadata(client, SKU)[f"sync_base:{location_id(client, ODEX)}"] == [60, 0]

    # The same feed again: nothing to write either way (keep: the 42 is listed as drift kept).
    code, again = run_json(capsys, "import", str(feeds), "--yes", "--out", str(tmp_path / "out"))
    assert (code, again["applied"], again["requests"]["writes"]) == (0, None, 0)
    assert stocked(client, SKU) == {ODEX: expected}
    assert list(drifts(again)) == ([] if on_drift == "feed" else [SKU])


def test_an_older_store_without_base_behaves_as_before_and_records_it(feeds, client, capsys, store, medusa_admin_token, tmp_path) -> None:
    odex = location_id(client, ODEX)
    [item] = client.inventory_items.list_by_skus([SKU], fields="id,sku")
    admin_post(store, medusa_admin_token, f"/admin/inventory-items/{item['id']}", {"metadata": {f"sync_base:{odex}": ""}})
    # No base: the key is gone (2.21.2 deletes a key sent as "") or "" (2.3.0 keeps it as "").
    held = item_metadata(client, SKU)
    assert held.get(f"sync_base:{odex}", "") == "" and held["managed_by"] == "medusa-sync"
    assert run_json(capsys, "set", SKU, "-l", ODEX, "-q", "42", "--reason", "cycle count")[0] == 0

    code, synced = run_json(capsys, "import", str(feeds), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert synced["applied"]["applied"] == {"level.update": 1, "base.record": 1}
    assert synced["requests"]["writes"] == 2  # the level batch, the item's base
    assert stocked(client, SKU) == {ODEX: 100}  # as before: the feed wins where nothing is known
    assert item_metadata(client, SKU)[f"sync_base:{odex}"] == [100, 0]

    # From now on the base protects the next count.
    assert run_json(capsys, "set", SKU, "-l", ODEX, "-q", "41", "--reason", "cycle count")[0] == 0
    code, again = run_json(capsys, "import", str(feeds), "--yes", "--out", str(tmp_path / "out"))
    assert (code, again["applied"], again["requests"]["writes"]) == (0, None, 0)
    assert stocked(client, SKU) == {ODEX: 41}


CHANGED = ("odex_inverters_ODEX-INV-SOLIS-3000W", "odex_inverters_ODEX-INV-SOLIS-4000W", "odex_inverters_ODEX-INV-SOLIS-6000W")


def test_the_bases_of_many_levels_go_in_one_request_and_protect_the_next_count(feeds, client, capsys, tmp_path) -> None:
    """Three levels moved by the feed: one level batch and one run of Medusa's item update
    workflow record the three bases, merged into each item's metadata (its other keys kept)."""
    odex = location_id(client, ODEX)
    before = {sku: item_metadata(client, sku) for sku in CHANGED}
    for quantity, sku in enumerate(CHANGED, start=60):
        set_feed_stock(feeds, sku, quantity)

    code, synced = run_json(capsys, "import", str(feeds), "--yes", "--out", str(tmp_path / "out"))
    assert code == 0
    assert synced["applied"]["applied"] == {"level.update": 3, "base.record": 3}
    assert synced["requests"]["writes"] == 2  # the level batch, the three bases
    for quantity, sku in enumerate(CHANGED, start=60):
        assert stocked(client, sku) == {ODEX: quantity}
        assert item_metadata(client, sku) == {**before[sku], f"sync_base:{odex}": [quantity, 0]}

    # The recorded base tells a count from a feed change: the count stays.
    assert run_json(capsys, "set", CHANGED[0], "-l", ODEX, "-q", "42", "--reason", "cycle count")[0] == 0
    code, again = run_json(capsys, "import", str(feeds), "--yes", "--out", str(tmp_path / "out"))
    assert (code, again["applied"], again["requests"]["writes"]) == (0, None, 0)
    assert list(drifts(again)) == [CHANGED[0]]
    assert stocked(client, CHANGED[0]) == {ODEX: 42}


def test_a_metadata_batch_naming_a_deleted_item_changes_nothing(feeds, client) -> None:
    """Medusa's workflow is all or none: the live server refuses the whole request (404) and
    the other item's metadata is as it was; the route is still taken to work."""
    [item] = client.inventory_items.list_by_skus([SKU], fields="id,sku")
    before = item_metadata(client, SKU)
    [outcome] = client.inventory_items.each_metadata_batch(
        {item["id"]: {"sync_base:sloc_test": [1, 0]}, "iitem_01DELETEDMEANWHILE0000000": {"sync_base:sloc_test": [1, 0]}}
    )
    assert outcome.error is not None and outcome.error.status == 404
    assert "iitem_01DELETEDMEANWHILE0000000" in outcome.error.message
    assert item_metadata(client, SKU) == before
    assert client.inventory_items.metadata_batch_supported()
