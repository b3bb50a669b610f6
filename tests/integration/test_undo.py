"""Run history and undo on the real server: a sync that changed three stock values is taken
back exactly; a level an operator set after it is a conflict and left alone."""

from __future__ import annotations

import json
import shutil

import pytest

from medusa_sync.cli.main import main

from .test_sync import SAMPLES, run_json

pytestmark = pytest.mark.integration


def stocked_by_sku(raw_admin, skus) -> dict[str, int]:
    """SKU → stocked of these items' one level, read in plain HTTP."""
    return {sku: stocked for (sku, _), (stocked, _) in raw_admin.levels().items() if sku in skus}


def test_undo_a_sync_restores_three_levels_and_leaves_an_operators_change(
    store, raw_admin, capsys, tmp_path, monkeypatch  # noqa: F811
) -> None:
    monkeypatch.setenv("MEDUSA_SYNC_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    feeds = tmp_path / "feeds"
    shutil.copytree(SAMPLES, feeds)
    assert main(["import", str(feeds), "--yes", "--out", str(tmp_path / "out")]) == 0
    inverters = feeds / "odex" / "odex-inverters.json"
    records = json.loads(inverters.read_text(encoding="utf-8"))
    changed = {records[index]["id"]: quantity for index, quantity in {2: 7, 29: 11, 39: 3}.items()}
    for index, quantity in {2: 7, 29: 11, 39: 3}.items():
        records[index]["estoque"] = quantity
    inverters.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    before = stocked_by_sku(raw_admin, changed)
    assert before == {sku: 100 for sku in changed}

    assert main(["sync", str(feeds), "--out", str(tmp_path / "out")]) == 0
    assert stocked_by_sku(raw_admin, changed) == changed
    code, runs = run_json(capsys, "runs")
    assert code == 0
    assert [(run["command"], run["result"], run["counts"]) for run in runs] == [
        ("import", "ok", {"location.create": 4, "item.create": 243, "level.create": 245, "kit.create": 4}),
        ("sync", "ok", {"level.update": 3, "base.record": 3}),  # and each item's sync base (docs/operations.md)
    ]
    sync_run = runs[1]["run"]
    assert sorted(runs[1]["feed_digests"]) == sorted(str(path.relative_to(feeds)) for path in feeds.rglob("*.json"))
    code, shown = run_json(capsys, "runs", "show", sync_run)
    assert {write["sku"]: write["fields"] for write in shown["writes"]} == {
        sku: [{"field": "stocked_quantity", "before": 100, "after": quantity, "removed": False}]
        for sku, quantity in changed.items()
    }

    operator_sku = "odex_inverters_ODEX-INV-SOLIS-5000W"
    assert operator_sku in changed
    assert main(["set", operator_sku, "-l", "Odex CD", "-q", "42", "--reason", "cycle count"]) == 0

    code, dry = run_json(capsys, "undo", sync_run, "--dry-run")
    assert code == 0
    assert len(dry["plan"]["changes"]) == 2
    assert stocked_by_sku(raw_admin, changed) == {**changed, operator_sku: 42}  # a dry run writes nothing

    code, undone = run_json(capsys, "undo", sync_run, "--yes")
    assert code == 0
    assert undone["applied"]["applied"] == {"level.update": 2}
    assert undone["conflicts"] == [
        f"{operator_sku} @ Odex CD stocked_quantity: the run wrote {changed[operator_sku]}, the store now holds 42"
    ]
    assert stocked_by_sku(raw_admin, changed) == {**before, operator_sku: 42}

    code, runs = run_json(capsys, "runs", "--last", "1")
    assert [(run["command"], run["undoes"], run["counts"]) for run in runs] == [("undo", sync_run, {"level.update": 2})]
    log = tmp_path / "runs.jsonl"
    assert log.stat().st_mode & 0o777 == 0o600
    assert store.password not in log.read_text()
