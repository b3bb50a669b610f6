"""The three-way merge of a level: feed value F, store value S, base B (what medusa-sync last
wrote from the feed, `sync_base:<location id>` in the item's metadata)."""

from __future__ import annotations

import pytest

from medusa_sync.audit import last_stock_changes
from medusa_sync.models import Catalog
from medusa_sync.plan import PlanOptions, base_key, make_plan
from medusa_sync.store import ActualLevel, StoreSnapshot

from .test_plan import RULES, catalog, replace_item, synced_snapshot  # noqa: F401  (catalog: fixture)

SKU = "odex_inverters_ODEX-INV-SOLIS-3000W"  # the samples: 100 at Odex CD, incoming 0


def store_with(catalog: Catalog, stocked: int, base: list[int] | None, *, feed_stock: int | None = None) -> tuple[StoreSnapshot, Catalog, str]:
    """The synced samples with SKU's level at `stocked`, its base `base` (None: no base), and
    the feed's stock for it changed to `feed_stock` (None: unchanged, 100)."""
    snapshot = synced_snapshot(catalog)
    location_id = snapshot.locations["Odex CD"].id
    item = snapshot.items[SKU]
    level = item.levels[location_id]
    item.levels[location_id] = ActualLevel(level.id, location_id, stocked, 0, 0)
    if base is not None:
        replace_item(snapshot, SKU, metadata={**item.metadata, base_key(location_id): base})
    if feed_stock is not None:
        levels = tuple(
            lvl.model_copy(update={"stocked": feed_stock}) if lvl.sku == SKU else lvl for lvl in catalog.levels
        )
        catalog = catalog.model_copy(update={"levels": levels})
    return snapshot, catalog, location_id


def test_base_alone_is_no_change(catalog: Catalog) -> None:
    snapshot, _, _ = store_with(catalog, 100, [100, 0])
    plan = make_plan(catalog, snapshot, RULES, PlanOptions())
    assert plan.changes == []
    assert not plan.has_changes


def test_a_count_stands_when_the_feed_did_not_change(catalog: Catalog) -> None:
    snapshot, _, location_id = store_with(catalog, 42, [100, 0])
    plan = make_plan(catalog, snapshot, RULES, PlanOptions(), {(SKU, location_id): "set by ana at T (cycle count)"})
    assert not plan.has_changes
    [drift] = plan.changes
    assert (drift.kind, drift.action, drift.stocked, drift.base) == ("level", "drift", 42, None)
    assert (drift.feed.stocked, drift.changed_by) == (100, "set by ana at T (cycle count)")
    assert drift.note == (
        "drift kept: the feed did not change; store 42/0 (set by ana at T (cycle count)), "
        "feed 100/0, base 100/0 (stocked/incoming)"
    )


def test_an_untouched_level_follows_the_feed_and_records_the_new_base(catalog: Catalog) -> None:
    snapshot, changed, _ = store_with(catalog, 100, [100, 0], feed_stock=60)
    plan = make_plan(changed, snapshot, RULES, PlanOptions())
    [update] = plan.writes("level", "update")
    assert [(f.field, f.before, f.after) for f in update.fields] == [("stocked_quantity", 100, 60)]
    assert (update.stocked, update.base.stocked, update.base.incoming, update.note) == (60, 60, 0, None)


@pytest.mark.parametrize("on_drift", ["feed", "keep"])
def test_both_changed_follows_on_drift(catalog: Catalog, on_drift: str) -> None:
    snapshot, changed, _ = store_with(catalog, 42, [100, 0], feed_stock=60)
    plan = make_plan(changed, snapshot, RULES, PlanOptions(on_drift=on_drift))
    assert plan.has_changes
    [change] = plan.changes
    sides = "both the feed and the store changed; store 42/0, feed 60/0, base 100/0 (stocked/incoming)"
    if on_drift == "feed":
        assert (change.action, change.stocked, change.base.stocked) == ("update", 60, 60)
        assert change.note == f"drift overridden (--on-drift feed): {sides}"
    else:
        # The store's 42 stands and the feed's 60 becomes the base: the same feed asks nothing next time.
        assert (change.action, change.stocked, change.base.stocked) == ("drift", 42, 60)
        assert change.note == f"drift kept (--on-drift keep): {sides}"


def test_no_base_behaves_as_before_and_records_one(catalog: Catalog) -> None:
    snapshot, _, _ = store_with(catalog, 42, None)
    plan = make_plan(catalog, snapshot, RULES, PlanOptions())
    [update] = plan.writes("level", "update")
    assert (update.stocked, update.base.stocked, update.note) == (100, 100, None)
    # an older store already at the feed's value: nothing to write, and the base waits for a write
    snapshot, _, _ = store_with(catalog, 100, None)
    assert make_plan(catalog, snapshot, RULES, PlanOptions()).changes == []


def test_feed_and_store_agreeing_after_both_moved_is_no_change(catalog: Catalog) -> None:
    snapshot, changed, _ = store_with(catalog, 60, [100, 0], feed_stock=60)
    assert make_plan(changed, snapshot, RULES, PlanOptions()).changes == []


def test_last_stock_changes_names_both_levels_of_a_transfer() -> None:
    records = [
        {"operation": "set", "result": "ok", "sku": "A", "location_id": "s1", "actor": "ana", "time": "T1", "reason": "count"},
        {"operation": "transfer", "result": "ok", "sku": "A", "location_id": "s1", "destination_id": "s2", "actor": "bo", "time": "T2"},
        {"operation": "set", "result": "refused", "sku": "A", "location_id": "s1", "actor": "cy", "time": "T3"},
        {"operation": "reserve", "result": "ok", "sku": "A", "location_id": "s1", "actor": "di", "time": "T4"},
    ]
    assert last_stock_changes(iter(records)) == {("A", "s1"): "transfer by bo at T2", ("A", "s2"): "transfer by bo at T2"}


def test_a_level_zeroed_as_missing_records_its_base(catalog: Catalog) -> None:
    """So that, when the item comes back in the feed, the store (still at the 0 the sync wrote)
    is at the base and the feed's value is written, not kept as drift."""
    snapshot, _, location_id = store_with(catalog, 100, [100, 0])
    gone = catalog.model_copy(
        update={"items": tuple(i for i in catalog.items if i.sku != SKU), "levels": tuple(lvl for lvl in catalog.levels if lvl.sku != SKU)}
    )
    [zeroed] = [c for c in make_plan(gone, snapshot, RULES, PlanOptions(missing="zero")).writes("level", "update") if c.sku == SKU]
    assert (zeroed.stocked, zeroed.base.stocked) == (0, 0)
    snapshot.items[SKU].levels[location_id] = ActualLevel("ilev", location_id, 0, 0, 0)
    replace_item(snapshot, SKU, metadata={**snapshot.items[SKU].metadata, base_key(location_id): [0, 0]})
    [back] = make_plan(catalog, snapshot, RULES, PlanOptions()).writes("level", "update")
    assert (back.sku, back.stocked) == (SKU, 100)


def test_store_feed_and_base_agreeing_below_reserved_is_still_clamped(catalog: Catalog) -> None:
    """Agreement alone is no change only at or above reserved: below it, stocked is raised."""
    snapshot, _, location_id = store_with(catalog, 100, [100, 0])
    item = snapshot.items[SKU]
    replace_item(snapshot, SKU, levels={**item.levels, location_id: ActualLevel("ilev_1", location_id, 100, 120, 0)})
    plan = make_plan(catalog, snapshot, RULES, PlanOptions())
    [update] = plan.writes("level", "update")
    assert [(f.field, f.before, f.after) for f in update.fields] == [("stocked_quantity", 100, 120)]
    assert update.note == "clamped to reserved 120 (feed says 100)"
    assert plan.unchanged["level"] == 244
