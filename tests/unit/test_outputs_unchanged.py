"""The JSON outputs (items payload, levels file, kits file, validation report) are not written
again when they were made from the same inputs, and are written again when any of theirs changed."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bench.offline import synced_snapshot
from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.outputs import (
    ITEMS_FILE,
    KITS_FILE,
    LEVELS_FILE,
    RESERVATIONS_FILE,
    VALIDATION_FILE,
    items_inputs,
    kits_inputs,
    levels_inputs,
    write_outputs,
)
from medusa_sync.plan import PlanOptions, StoreIds, make_plan
from medusa_sync.store import ActualLevel

SAMPLE = Path(__file__).resolve().parents[2] / "distributors"
JSON_FILES = (ITEMS_FILE, LEVELS_FILE, KITS_FILE, VALIDATION_FILE)


def synced_run(feed_root: Path, rules: Rules | None = None, store: str = "http://medusa.test"):
    rules = rules or Rules()
    catalog = load_catalog(feed_root, rules)
    snapshot = synced_snapshot(catalog, rules)
    snapshot.url = store
    plan = make_plan(catalog, snapshot, rules, PlanOptions())
    return catalog, snapshot, plan, StoreIds.from_snapshot(snapshot), rules


def write(out: Path, run) -> None:
    catalog, snapshot, plan, ids, rules = run
    write_outputs(out, catalog, snapshot, plan, ids, rules, "# report\n")


def identity(path: Path) -> tuple[int, int]:
    """A rename-written file gets a new inode: the same inode and mtime mean it was left alone."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def test_a_rerun_with_the_same_inputs_leaves_the_json_files_and_rewrites_the_report(tmp_path: Path) -> None:
    run = synced_run(SAMPLE)
    write(tmp_path / "out", run)
    out = tmp_path / "out"
    before = {name: identity(out / name) for name in (*JSON_FILES, RESERVATIONS_FILE)}
    write(out, synced_run(SAMPLE))
    for name in JSON_FILES:
        assert identity(out / name) == before[name], name
    assert identity(out / RESERVATIONS_FILE) != before[RESERVATIONS_FILE]
    write(tmp_path / "fresh", run)
    for name in JSON_FILES:
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()
    catalog, _, plan, ids, rules = run
    digest = items_inputs(catalog, plan, ids, rules)
    assert f'\n  "inputs_digest": "{digest}",\n'.encode() in (out / ITEMS_FILE).read_bytes()[:4096]
    assert (out / LEVELS_FILE).read_bytes().startswith(f'{{\n  "inputs_digest": "{levels_inputs(digest, plan)}",\n'.encode())
    assert f'\n  "inputs_digest": "{kits_inputs(digest, catalog, ids)}",\n'.encode() in (out / KITS_FILE).read_bytes()[:4096]
    assert f'\n  "inputs_digest": "{digest}",\n'.encode() in (out / VALIDATION_FILE).read_bytes()[:65536]


def _reserved_in_the_store(root: Path):
    """The store's reserved quantity of one level moved (an order): the plan's fingerprint moves."""
    catalog, snapshot, plan, ids, rules = run = synced_run(root)
    sku = catalog.levels[0].sku
    item = snapshot.items[sku]
    location_id, level = next(iter(item.levels.items()))
    levels = {**item.levels, location_id: ActualLevel(level.id, location_id, level.stocked, level.reserved + 1, level.incoming)}
    snapshot.items[sku] = dataclasses.replace(item, levels=levels)
    return catalog, snapshot, make_plan(catalog, snapshot, rules, PlanOptions()), ids, rules


def test_a_store_whose_levels_moved_writes_the_levels_file_again_and_leaves_the_items_payload(tmp_path: Path) -> None:
    write(tmp_path / "out", synced_run(SAMPLE))
    out = tmp_path / "out"
    items, levels = identity(out / ITEMS_FILE), identity(out / LEVELS_FILE)
    others = {name: identity(out / name) for name in (KITS_FILE, VALIDATION_FILE)}
    run = _reserved_in_the_store(SAMPLE)
    write(out, run)
    assert identity(out / ITEMS_FILE) == items
    assert identity(out / LEVELS_FILE) != levels
    assert {name: identity(out / name) for name in (KITS_FILE, VALIDATION_FILE)} == others
    write(tmp_path / "fresh", run)
    assert (out / LEVELS_FILE).read_bytes() == (tmp_path / "fresh" / LEVELS_FILE).read_bytes()
    assert b'"reserved_quantity": 1,' in (out / LEVELS_FILE).read_bytes()


def _counted_in_the_store(run):
    """One level's stocked moved in the store, with no base recorded: the plan sets it back."""
    catalog, snapshot, _, ids, rules = run
    sku = catalog.levels[0].sku
    item = snapshot.items[sku]
    location_id, level = next(iter(item.levels.items()))
    edited = {**item.levels, location_id: ActualLevel(level.id, location_id, level.stocked + 5, level.reserved, level.incoming)}
    snapshot.items[sku] = dataclasses.replace(item, levels=edited, metadata={k: v for k, v in item.metadata.items() if not k.startswith("sync_base:")})
    return catalog, snapshot, make_plan(catalog, snapshot, rules, PlanOptions()), ids, rules


def test_a_plan_that_sets_other_stock_writes_the_levels_file_again(tmp_path: Path) -> None:
    run = synced_run(SAMPLE)
    write(tmp_path / "out", run)
    levels = identity(tmp_path / "out" / LEVELS_FILE)
    catalog, _, plan, _, _ = run = _counted_in_the_store(run)
    assert [change.sku for change in plan.changes if change.kind == "level"] == [catalog.levels[0].sku]
    write(tmp_path / "out", run)
    assert identity(tmp_path / "out" / LEVELS_FILE) != levels


def _other_id(run):
    catalog, snapshot, plan, ids, rules = run
    ids.items[catalog.items[0].sku] = "iitem_recreated"
    return run


def _other_location_id(run):
    catalog, snapshot, plan, ids, rules = run
    name = next(iter(ids.locations))
    ids.locations[name] = "sloc_recreated"
    return run


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(lambda root: _other_id(synced_run(root)), id="an-item-id"),
        pytest.param(lambda root: _other_location_id(synced_run(root)), id="a-location-id"),
        pytest.param(lambda root: synced_run(root, store="http://other.test"), id="the-store"),
        pytest.param(lambda root: synced_run(root, Rules.model_validate({"stock": {"default_quantity": 7}})), id="the-rules"),
        pytest.param(lambda root: synced_run(_edited(root)), id="a-feed-file"),
    ],
)
def test_any_changed_input_writes_the_json_files_again(tmp_path: Path, changed) -> None:
    root = tmp_path / "feeds"
    shutil.copytree(SAMPLE, root)
    write(tmp_path / "out", synced_run(root))
    out = tmp_path / "out"
    before = {name: identity(out / name) for name in JSON_FILES}
    run = changed(root)
    write(out, run)
    write(tmp_path / "fresh", run)
    for name in JSON_FILES:
        assert identity(out / name) != before[name], name
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()


def _edited(root: Path) -> Path:
    """One feed file with one byte more (a trailing newline): the same records, other bytes."""
    feed = sorted(root.rglob("*.json"))[0]
    feed.write_bytes(feed.read_bytes() + b"\n")
    return root


@pytest.mark.parametrize("head", [b"", b"not json at all", b'{\n  "count": 1,\n  "inputs_digest": "edited",\n'], ids=["empty", "garbage", "edited-digest"])
@pytest.mark.parametrize("name", JSON_FILES)
def test_a_file_that_does_not_name_these_inputs_is_written_again(tmp_path: Path, head: bytes, name: str) -> None:
    run = synced_run(SAMPLE)
    write(tmp_path / "fresh", run)
    written = tmp_path / "out" / name
    written.parent.mkdir()
    written.write_bytes(head)
    write(tmp_path / "out", run)
    assert written.read_bytes() == (tmp_path / "fresh" / name).read_bytes()


def test_the_levels_digest_names_the_stock_the_plan_sets() -> None:
    catalog, _, plan, ids, rules = _counted_in_the_store(synced_run(SAMPLE))
    (change,) = [change for change in plan.changes if change.kind == "level"]
    other = plan.model_copy(update={"changes": [change.model_copy(update={"stocked": change.stocked + 1})]})
    digest = items_inputs(catalog, plan, ids, rules)
    assert other.fingerprint == plan.fingerprint
    assert levels_inputs(digest, other) != levels_inputs(digest, plan)
    assert levels_inputs(digest, plan.model_copy()) == levels_inputs(digest, plan)


def test_a_kit_recreated_in_the_store_writes_the_kits_file_again_and_leaves_the_items_payload(tmp_path: Path) -> None:
    run = synced_run(SAMPLE)
    write(tmp_path / "out", run)
    out = tmp_path / "out"
    before = {name: identity(out / name) for name in JSON_FILES}
    catalog, _, _, ids, _ = run
    sku = catalog.kits[0].sku
    ids.kits[sku] = ("prod_recreated", "variant_recreated")
    write(out, run)
    assert identity(out / KITS_FILE) != before[KITS_FILE]
    assert b'"product_id": "prod_recreated",' in (out / KITS_FILE).read_bytes()
    assert {name: identity(out / name) for name in (ITEMS_FILE, LEVELS_FILE, VALIDATION_FILE)} == {
        name: before[name] for name in (ITEMS_FILE, LEVELS_FILE, VALIDATION_FILE)
    }
