"""Run history and undo: the exact write records a run leaves, the exact undo plan and requests,
and conflicts (medusa_sync.history)."""

from __future__ import annotations

import threading
from decimal import Decimal

import orjson
import pytest

from medusa_sync.apply import apply_plan
from medusa_sync.errors import NotFoundError
from medusa_sync.history import Run, find_run, plan_undo, read_runs, write_record
from medusa_sync.plan import FieldChange, ItemUpdate, LevelCreate, LevelUpdate, StoreIds
from medusa_sync.runlog import RunLog, previous_part
from medusa_sync.store import ActualItem, ActualKit, ActualLevel, ActualLocation, StoreSnapshot

from .test_apply import FakeMedusa, client_for

SKU = "odex_inverters_ODEX-INV-A-3000W"
OWNED = {"managed_by": "medusa-sync"}


def level_update(stocked_before: int, stocked_after: int) -> LevelUpdate:
    return LevelUpdate(
        sku=SKU, location="Odex CD", location_id="sloc_odex", item_id="iitem_a", stocked=stocked_after, incoming=0,
        fields=[FieldChange(field="stocked_quantity", before=stocked_before, after=stocked_after)],
    )


def snapshot(stocked: int, *, incoming: int = 0, title: str = "Inversor A") -> StoreSnapshot:
    level = ActualLevel(id="ilev_1", location_id="sloc_odex", stocked=stocked, reserved=0, incoming=incoming)
    item = ActualItem(id="iitem_a", sku=SKU, fields={"title": title}, metadata=OWNED, levels={"sloc_odex": level})
    return StoreSnapshot(
        url="http://medusa.test",
        locations={"Odex CD": ActualLocation(id="sloc_odex", name="Odex CD", metadata={})},
        items={SKU: item},
    )


def test_a_level_update_is_recorded_with_its_ids_and_before_after() -> None:
    assert write_record(level_update(100, 7), StoreIds()) == {
        "kind": "level", "action": "update", "key": f"{SKU} @ Odex CD", "sku": SKU, "location": "Odex CD",
        "item_id": "iitem_a", "location_id": "sloc_odex",
        "fields": [{"field": "stocked_quantity", "before": 100, "after": 7, "removed": False}],
    }


def test_a_level_created_with_its_item_is_recorded_with_the_ids_the_apply_made() -> None:
    created = LevelCreate(sku=SKU, location="Odex CD", stocked=5, incoming=2, with_item=True)
    ids = StoreIds(items={SKU: "iitem_new"}, locations={"Odex CD": "sloc_new"})
    assert write_record(created, ids)["item_id"] == "iitem_new"
    assert write_record(created, ids)["location_id"] == "sloc_new"
    assert write_record(created, ids)["fields"] == [
        {"field": "stocked_quantity", "before": None, "after": 5, "removed": False},
        {"field": "incoming_quantity", "before": None, "after": 2, "removed": False},
    ]


def test_the_run_log_tells_each_run_its_command_result_counts_and_writes(tmp_path) -> None:
    path = tmp_path / "runs.jsonl"
    ok, refused = RunLog(path), RunLog(path)
    refused.run_id = "refused-run"
    record = write_record(level_update(100, 7), StoreIds())
    ok.event("start", command="sync", store="http://medusa.test")
    ok.event("plan", feed_digests={"odex/odex-inverters.json": "abc"})
    ok.event("end", applied={"level.update": 1}, errors=[], writes=[record])
    refused.event("start", command="import")
    refused.event("error", error="GuardError", message="the shrink guard refuses")
    path.open("ab").write(b"not json\n")

    runs = read_runs(path)
    assert [(run.command, run.result, run.counts, run.write_count, run.writes) for run in runs] == [
        ("sync", "ok", {"level.update": 1}, 1, []),
        ("import", "refused", {}, 0, []),
    ]
    assert runs[0].summary()["writes"] == 1
    assert runs[0].feed_digests == {"odex/odex-inverters.json": "abc"}
    assert find_run(path, ok.run_id).writes == [record]
    assert find_run(path, "refused-run").error == "the shrink guard refuses"
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(NotFoundError):
        find_run(path, "nope")


def test_a_run_starting_on_a_full_run_log_moves_it_to_its_previous_part_and_both_are_read(tmp_path) -> None:
    path = tmp_path / "runs.jsonl"
    first = RunLog(path, max_bytes=300)
    first.event("start", command="import")
    first.event("end", applied={"level.update": 1}, errors=[], writes=[write_record(level_update(100, 7), StoreIds())])
    assert path.stat().st_size > 300
    second, third = RunLog(path, max_bytes=300), RunLog(path, max_bytes=300)
    second.event("start", command="sync")
    assert previous_part(path).read_bytes().count(b"\n") == 2  # the first run, moved whole
    second.event("end", applied={}, errors=[], writes=[])
    third.event("start", command="sync")  # under 300 bytes: not moved again
    assert path.read_bytes().count(b"\n") == 3
    assert [(run.id, run.result, run.write_count) for run in read_runs(path)] == [
        (first.run_id, "ok", 1),
        (second.run_id, "ok", 0),
        (third.run_id, "running", 0),
    ]
    assert len(find_run(path, first.run_id).writes) == 1
    assert previous_part(path).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("attempt", range(20))  # a race: without the lock, some of 20 attempts lose the moved part
def test_runs_starting_together_on_a_full_run_log_move_it_once(tmp_path, attempt: int) -> None:
    path = tmp_path / "runs.jsonl"
    full = b'{"run": "old", "event": "start", "command": "import"}\n' * 100
    path.write_bytes(full)
    together = threading.Barrier(8, timeout=10)

    def start() -> None:
        log = RunLog(path, max_bytes=1000)
        together.wait()
        log.event("start", command="sync")

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert previous_part(path).read_bytes() == full  # never replaced by the part just begun
    assert [run.command for run in read_runs(path)] == ["import"] + ["sync"] * 8


def test_a_run_log_that_cannot_be_moved_is_left_to_grow_and_the_run_goes_on(tmp_path, monkeypatch, caplog) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_bytes(b"x" * 1000 + b"\n")

    def refused(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("medusa_sync.runlog.os.replace", refused)
    RunLog(path, max_bytes=300).event("start", command="sync")
    assert path.read_bytes().count(b"\n") == 2
    assert not previous_part(path).exists()
    assert f"the run log {path} could not be moved to {previous_part(path)}: [Errno 13] Permission denied" in caplog.text


def test_a_run_log_is_never_rotated_without_a_limit(tmp_path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_bytes(b"x" * 1000 + b"\n")
    RunLog(path).event("start", command="sync")
    assert not previous_part(path).exists()
    assert path.read_bytes().count(b"\n") == 2


def test_two_runs_of_one_process_in_the_same_second_are_two_runs(tmp_path) -> None:
    """An import now ends within a second; the sync the same process runs next must not be
    merged into it (the run id once was the second and the pid)."""
    path = tmp_path / "runs.jsonl"
    first, second = RunLog(path), RunLog(path)
    assert first.run_id != second.run_id
    first.event("start", command="import")
    first.event("end", applied={"item.create": 243}, errors=[], writes=[])
    second.event("start", command="sync")
    second.event("end", applied={"level.update": 3}, errors=[], writes=[])
    assert [(run.id, run.command, run.counts) for run in read_runs(path)] == [
        (first.run_id, "import", {"item.create": 243}),
        (second.run_id, "sync", {"level.update": 3}),
    ]


def run_of(*changes, ids: StoreIds | None = None) -> Run:
    return Run(id="run-1", command="sync", result="ok", writes=[write_record(c, ids or StoreIds()) for c in changes])


def test_undo_writes_back_the_before_value_where_the_store_holds_the_after_value() -> None:
    undo = plan_undo(run_of(level_update(100, 7)), snapshot(7))
    assert undo.conflicts == []
    assert [change.model_dump(mode="json") for change in undo.plan.changes] == [
        {
            "kind": "level", "action": "update", "sku": SKU, "location": "Odex CD", "location_id": "sloc_odex",
            "item_id": "iitem_a", "stocked": 100, "incoming": 0, "base": None, "note": "undo of run-1",
            "fields": [{"field": "stocked_quantity", "before": 7, "after": 100, "removed": False}],
        }
    ]


def test_a_level_changed_since_the_run_is_a_conflict_and_left_alone() -> None:
    undo = plan_undo(run_of(level_update(100, 7)), snapshot(9))
    assert undo.plan.changes == []
    assert undo.conflicts == [f"{SKU} @ Odex CD stocked_quantity: the run wrote 7, the store now holds 9"]


def test_undo_of_a_created_level_sets_it_to_zero_and_keeps_the_item() -> None:
    created = LevelCreate(sku=SKU, location="Odex CD", stocked=7, incoming=0, with_item=True)
    item_create = {"kind": "item", "action": "create", "key": SKU, "sku": SKU, "item_id": "iitem_a", "fields": []}
    run = run_of(created, ids=StoreIds(items={SKU: "iitem_a"}, locations={"Odex CD": "sloc_odex"}))
    run.writes.insert(0, item_create)
    undo = plan_undo(run, snapshot(7))
    assert [(c.kind, c.action, c.stocked, c.incoming) for c in undo.plan.changes] == [("level", "update", 0, 0)]
    assert undo.kept == [f"item {SKU} (created by the run; undo does not delete)"]


def test_undo_of_item_fields_and_a_removed_metadata_key() -> None:
    update = ItemUpdate(
        sku=SKU, item_id="iitem_a", set={"title": "Inversor A2"}, metadata={**OWNED, "note": ""},
        fields=[
            FieldChange(field="title", before="Inversor A", after="Inversor A2"),
            FieldChange(field="metadata.note", before="old", after=None, removed=True),
        ],
    )
    undo = plan_undo(run_of(update), snapshot(7, title="Inversor A2"))
    (change,) = undo.plan.changes
    assert (change.set, change.metadata) == ({"title": "Inversor A"}, {**OWNED, "note": "old"})


def test_undo_of_a_kit_price_and_links() -> None:
    from medusa_sync.plan import Component, KitUpdate, LinkEdits, Price

    store = snapshot(7)
    store.items["fotus_panels_P"] = ActualItem(id="iitem_p", sku="fotus_panels_P", fields={}, metadata=OWNED, levels={})
    store.kits["fotus_kits_K"] = ActualKit(
        product_id="prod_k", variant_id="variant_k", sku="fotus_kits_K", title="K", status="published",
        prices={"brl": Decimal("2600.00")}, links={"iitem_a": 1, "iitem_p": 3}, metadata=OWNED,
    )
    update = KitUpdate(
        sku="fotus_kits_K", product_id="prod_k", variant_id="variant_k",
        price=Price(currency_code="brl", amount=Decimal("2600.00")),
        links=LinkEdits(create=[Component(sku=SKU, required_quantity=1)], update=[Component(sku="fotus_panels_P", required_quantity=3)]),
        fields=[
            FieldChange(field="price.brl", before="2500.50", after="2600.00"),
            FieldChange(field=f"component.{SKU}", before=None, after=1),
            FieldChange(field="component.fotus_panels_P", before=2, after=3),
        ],
    )
    (change,) = plan_undo(run_of(update), store).plan.changes
    assert change.price == Price(currency_code="brl", amount=Decimal("2500.50"))
    assert change.links == LinkEdits(update=[Component(sku="fotus_panels_P", required_quantity=2)], delete=["iitem_a"])


def test_the_undo_plan_applies_as_exactly_one_level_batch_request() -> None:
    undo = plan_undo(run_of(level_update(100, 7), level_update(3, 100)), snapshot(7))
    # the later write (3 → 100) conflicts (the store holds 7), the earlier one is written back
    assert len(undo.conflicts) == 1
    fake = FakeMedusa()
    with client_for(fake) as client:
        result = apply_plan(client, undo.plan, StoreIds.from_snapshot(snapshot(7)), concurrency=1)
    assert fake.requests == [
        ("POST", "/admin/inventory-items/location-levels/batch",
         {"update": [{"inventory_item_id": "iitem_a", "location_id": "sloc_odex", "stocked_quantity": 100, "incoming_quantity": 0}]}),
    ]
    assert [write_record(change, result.ids)["fields"] for change in result.written] == [
        [{"field": "stocked_quantity", "before": 7, "after": 100, "removed": False}]
    ]


def test_undo_refuses_a_run_made_on_another_store(tmp_path) -> None:
    from medusa_sync.config import Settings
    from medusa_sync.errors import StoreChangedError
    from medusa_sync.pipeline import run_undo

    runlog = RunLog(tmp_path / "runs.jsonl")
    runlog.event("start", command="sync", store="http://127.0.0.1:9")
    runlog.event("end", applied={}, errors=[], writes=[])
    settings = Settings(medusa_url="http://127.0.0.1:10", run_log=tmp_path / "runs.jsonl", lock_file=tmp_path / "lock")
    with pytest.raises(StoreChangedError, match="wrote to http://127.0.0.1:9, not to http://127.0.0.1:10"):
        run_undo(runlog.run_id, settings, dry_run=True)
