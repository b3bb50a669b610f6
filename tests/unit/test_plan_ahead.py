"""Item updates planned while the store is read (`ItemsAhead`): the same plan, made earlier."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import httpx

from bench.offline import synced_snapshot
from medusa_sync import pipeline
from medusa_sync.client import MedusaClient
from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.plan import ItemsAhead, PlanOptions, item_digests, make_plan, planners
from .test_pipeline_timing import SAMPLE_FEEDS, synced_store


def changed_store(root: Path = SAMPLE_FEEDS):
    """The samples' catalog, and a synced snapshot in which two items' titles were edited."""
    rules = Rules()
    catalog = load_catalog(root, rules)
    snapshot = synced_snapshot(catalog, rules)
    for sku in [item.sku for item in catalog.items[:2]]:
        actual = snapshot.items[sku]
        snapshot.items[sku] = dataclasses.replace(actual, fields={**actual.fields, "title": "edited in the admin"})
    return catalog, snapshot, rules


def test_a_plan_with_the_items_planned_ahead_is_the_plan_made_after_the_read(monkeypatch) -> None:
    catalog, snapshot, rules = changed_store()
    digests = item_digests(catalog.items)
    ahead = ItemsAhead(catalog, digests)
    for actual in snapshot.items.values():
        ahead.plan(actual)

    def not_again(*args):
        raise AssertionError("an item planned ahead was compared again")

    monkeypatch.setattr(planners, "_item_update", not_again)
    planned_ahead = make_plan(catalog, snapshot, rules, PlanOptions(), None, digests, ahead)
    monkeypatch.undo()
    after = make_plan(catalog, snapshot, rules, PlanOptions(), None, digests)
    assert planned_ahead.model_dump() == after.model_dump()
    assert [change.sku for change in after.writes("item", "update")] == [item.sku for item in catalog.items[:2]]


def test_an_item_read_again_after_it_was_planned_is_planned_against_what_the_snapshot_holds() -> None:
    catalog, snapshot, rules = changed_store()
    digests = item_digests(catalog.items)
    first = catalog.items[0].sku
    ahead = ItemsAhead(catalog, digests)
    for actual in synced_snapshot(catalog, rules).items.values():  # the pages as first read: unedited
        ahead.plan(actual)
    plan = make_plan(catalog, snapshot, rules, PlanOptions(), None, digests, ahead)
    (update, _) = plan.writes("item", "update")
    assert update.sku == first and update.set == {"title": catalog.items[0].title}
    assert plan.model_dump() == make_plan(catalog, snapshot, rules, PlanOptions(), None, digests).model_dump()


def test_the_sync_compares_each_item_while_the_store_is_read_not_after(monkeypatch) -> None:
    compared: list[tuple[str, bool]] = []
    planning = threading.Event()
    item_update = planners._item_update

    def recorded(item, actual, digest):
        compared.append((item.sku, planning.is_set()))
        return item_update(item, actual, digest)

    plan = pipeline.make_plan

    def flagged(*args):
        planning.set()
        return plan(*args)

    monkeypatch.setattr(planners, "_item_update", recorded)
    monkeypatch.setattr(pipeline, "make_plan", flagged)
    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(synced_store)) as client:
        result = pipeline.plan_import(SAMPLE_FEEDS, Rules(), PlanOptions(), client=client)
    assert not result.plan.has_changes and result.plan.unchanged["item"] == 243
    assert sorted(sku for sku, _ in compared) == sorted(item.sku for item in result.catalog.items)
    assert [sku for sku, after_the_read in compared if after_the_read] == []
