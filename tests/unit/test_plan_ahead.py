"""Items and their levels planned while the store is read (`ItemsAhead`): the same plan, made earlier."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import httpx
import orjson
import pytest

from bench.offline import synced_snapshot
from medusa_sync import pipeline
from medusa_sync.client import MedusaClient
from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.plan import ItemDigests, ItemsAhead, PlanOptions, base_key, base_value, make_plan, planners
from .test_pipeline_timing import SAMPLE_FEEDS, synced_store


def changed_store(root: Path = SAMPLE_FEEDS):
    """The samples' catalog, and a synced snapshot in which two items' titles were edited and the
    third item's stock was counted down by 1 (an operator's change: a drift)."""
    rules = Rules()
    catalog = load_catalog(root, rules)
    snapshot = synced_snapshot(catalog, rules)
    for sku in [item.sku for item in catalog.items[:2]]:
        actual = snapshot.items[sku]
        snapshot.items[sku] = dataclasses.replace(actual, fields={**actual.fields, "title": "edited in the admin"})
    counted = snapshot.items[catalog.levels[2].sku]
    (location_id, level), *others = counted.levels.items()
    levels = {location_id: dataclasses.replace(level, stocked=level.stocked - 1), **dict(others)}
    snapshot.items[counted.sku] = dataclasses.replace(counted, levels=levels)
    return catalog, snapshot, rules


def planned_ahead(catalog, snapshot, digests, *, locations_first: bool = True) -> ItemsAhead:
    """Each of `snapshot`'s items handed to an `ItemsAhead` as a read hands them, the locations
    first (as they usually arrive) or last."""
    ahead = ItemsAhead(catalog, digests)
    if locations_first:
        ahead.know_locations(snapshot.locations)
    for actual in snapshot.items.values():
        ahead.plan(actual)
    if not locations_first:
        ahead.know_locations(snapshot.locations)
    return ahead


def _checked_after_the_read(monkeypatch) -> list[str]:
    """The SKUs whose item or level `make_plan` compares (an item planned ahead never is)."""
    checked: list[str] = []
    agrees = planners._agrees

    def not_again(*args):
        raise AssertionError("an item planned ahead was compared again")

    def recorded(level, actual, location_id, current):
        checked.append(level.sku)
        return agrees(level, actual, location_id, current)

    monkeypatch.setattr(planners, "_item_update", not_again)
    monkeypatch.setattr(planners, "_agrees", recorded)
    return checked


@pytest.mark.parametrize("locations_first", [True, False], ids=["locations first", "locations after the items"])
def test_a_plan_with_the_items_and_levels_planned_ahead_is_the_plan_made_after_the_read(monkeypatch, locations_first) -> None:
    catalog, snapshot, rules = changed_store()
    digests = ItemDigests()
    ahead = planned_ahead(catalog, snapshot, digests, locations_first=locations_first)
    checked = _checked_after_the_read(monkeypatch)
    with_ahead = make_plan(catalog, snapshot, rules, PlanOptions(), None, digests, ahead)
    monkeypatch.undo()
    after = make_plan(catalog, snapshot, rules, PlanOptions(), None, digests)
    assert with_ahead.model_dump() == after.model_dump()
    assert [change.sku for change in after.writes("item", "update")] == [item.sku for item in catalog.items[:2]]
    assert [change.sku for change in after.changes if change.kind == "level"] == [catalog.levels[2].sku]
    assert (after.unchanged["level"], len(catalog.levels)) == (244, 245)
    assert checked == [catalog.levels[2].sku]  # only the counted level: the others were checked ahead


def test_levels_checked_against_other_locations_than_the_snapshots_are_planned_again(monkeypatch) -> None:
    """Here no level is found at its location's new id: each is planned as a create, as without `ahead`."""
    catalog, snapshot, rules = changed_store()
    digests = ItemDigests()
    ahead = planned_ahead(catalog, snapshot, digests)
    snapshot.locations = {
        name: dataclasses.replace(location, id=f"{location.id}-moved") for name, location in snapshot.locations.items()
    }
    _checked_after_the_read(monkeypatch)
    with_ahead = make_plan(catalog, snapshot, rules, PlanOptions(), None, digests, ahead)
    assert (len(with_ahead.writes("level", "create")), with_ahead.unchanged["level"]) == (245, 0)
    monkeypatch.undo()
    assert with_ahead.model_dump() == make_plan(catalog, snapshot, rules, PlanOptions(), None, digests).model_dump()


def test_an_item_read_again_after_it_was_planned_is_planned_against_what_the_snapshot_holds() -> None:
    catalog, snapshot, rules = changed_store()
    digests = ItemDigests()
    first = catalog.items[0].sku
    ahead = planned_ahead(catalog, synced_snapshot(catalog, rules), digests)  # the pages as first read: unedited
    plan = make_plan(catalog, snapshot, rules, PlanOptions(), None, digests, ahead)
    (update, _) = plan.writes("item", "update")
    assert update.sku == first and update.set == {"title": catalog.items[0].title}
    assert plan.model_dump() == make_plan(catalog, snapshot, rules, PlanOptions(), None, digests).model_dump()


def synced_store_with_bases(request: httpx.Request) -> httpx.Response:
    """`synced_store`, its items' metadata holding each level's sync base, as an import writes it
    now (the recording predates the bases)."""
    response = synced_store(request)
    if request.url.path != "/admin/inventory-items":
        return response
    body = orjson.loads(response.content)
    for row in body["inventory_items"]:
        for level in row["location_levels"]:
            row["metadata"][base_key(level["location_id"])] = base_value(level["stocked_quantity"], level["incoming_quantity"])
    return httpx.Response(200, json=body)


def test_the_sync_compares_each_item_and_level_while_the_store_is_read_not_after(monkeypatch) -> None:
    compared: list[tuple[str, bool]] = []
    levels: list[tuple[str, bool]] = []
    planning = threading.Event()
    item_update, agrees = planners._item_update, planners._agrees

    def recorded(item, actual, digest):
        compared.append((item.sku, planning.is_set()))
        return item_update(item, actual, digest)

    def level_recorded(level, actual, location_id, current):
        levels.append((level.sku, planning.is_set()))
        return agrees(level, actual, location_id, current)

    plan = pipeline.make_plan

    def flagged(*args):
        planning.set()
        return plan(*args)

    monkeypatch.setattr(planners, "_item_update", recorded)
    monkeypatch.setattr(planners, "_agrees", level_recorded)
    monkeypatch.setattr(pipeline, "make_plan", flagged)
    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(synced_store_with_bases)) as client:
        result = pipeline.plan_import(SAMPLE_FEEDS, Rules(), PlanOptions(), client=client)
    assert not result.plan.has_changes and (result.plan.unchanged["item"], result.plan.unchanged["level"]) == (243, 245)
    assert sorted(sku for sku, _ in compared) == sorted(item.sku for item in result.catalog.items)
    assert sorted(sku for sku, _ in levels) == sorted(level.sku for level in result.catalog.levels)
    assert [sku for sku, after_the_read in compared + levels if after_the_read] == []
