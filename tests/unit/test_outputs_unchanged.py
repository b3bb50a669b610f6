"""The items payload is not written again when it was made from the same inputs, and is written
again when any of them changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.offline import synced_snapshot
from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.outputs import ITEMS_FILE, LEVELS_FILE, items_inputs, write_outputs
from medusa_sync.plan import PlanOptions, StoreIds, make_plan

SAMPLE = Path(__file__).resolve().parents[2] / "distributors"


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


def test_a_rerun_with_the_same_inputs_leaves_the_items_payload_and_rewrites_the_rest(tmp_path: Path) -> None:
    run = synced_run(SAMPLE)
    write(tmp_path / "out", run)
    items, levels = tmp_path / "out" / ITEMS_FILE, tmp_path / "out" / LEVELS_FILE
    before_items, before_levels = identity(items), identity(levels)
    write(tmp_path / "out", synced_run(SAMPLE))
    assert identity(items) == before_items
    assert identity(levels) != before_levels
    write(tmp_path / "fresh", run)
    assert items.read_bytes() == (tmp_path / "fresh" / ITEMS_FILE).read_bytes()
    catalog, _, plan, ids, rules = run
    assert f'\n  "inputs_digest": "{items_inputs(catalog, plan, ids, rules)}",\n'.encode() in items.read_bytes()[:4096]


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
def test_any_changed_input_writes_the_items_payload_again(tmp_path: Path, changed) -> None:
    root = tmp_path / "feeds"
    shutil.copytree(SAMPLE, root)
    write(tmp_path / "out", synced_run(root))
    items = tmp_path / "out" / ITEMS_FILE
    before = identity(items)
    run = changed(root)
    write(tmp_path / "out", run)
    assert identity(items) != before
    write(tmp_path / "fresh", run)
    assert items.read_bytes() == (tmp_path / "fresh" / ITEMS_FILE).read_bytes()


def _edited(root: Path) -> Path:
    """One feed file with one byte more (a trailing newline): the same records, other bytes."""
    feed = sorted(root.rglob("*.json"))[0]
    feed.write_bytes(feed.read_bytes() + b"\n")
    return root


@pytest.mark.parametrize("head", [b"", b"not json at all", b'{\n  "count": 1,\n  "inputs_digest": "edited",\n'], ids=["empty", "garbage", "edited-digest"])
def test_an_items_payload_that_does_not_name_these_inputs_is_written_again(tmp_path: Path, head: bytes) -> None:
    run = synced_run(SAMPLE)
    write(tmp_path / "fresh", run)
    items = tmp_path / "out" / ITEMS_FILE
    items.parent.mkdir()
    items.write_bytes(head)
    write(tmp_path / "out", run)
    assert items.read_bytes() == (tmp_path / "fresh" / ITEMS_FILE).read_bytes()
