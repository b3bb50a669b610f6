"""The output files are written in pieces (bounded memory) with the bytes of one whole-document
dump."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.offline import synced_snapshot
from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.outputs import PlainRows, dump_json, items_inputs, items_payload, json_chunks, levels_by_location, validation_report
from medusa_sync.plan import PlanOptions, StoreIds, make_plan
from medusa_sync.store import StoreSnapshot

REPO_ROOT = Path(__file__).resolve().parents[2]
ROOTS = [REPO_ROOT / "distributors", REPO_ROOT.parent / "shared" / "feeds-2025-10"]


def _whole(value: Any) -> Any:
    """The document as the outputs built it before they were streamed: every list materialised."""
    if isinstance(value, Iterator):
        return [_whole(element) for element in value]
    if isinstance(value, dict):
        return {key: _whole(member) for key, member in value.items()}
    return value


@pytest.mark.parametrize("synced", [False, True], ids=["empty-store", "synced-store"])
@pytest.mark.parametrize("root", ROOTS, ids=["sample", "real"])
def test_streamed_outputs_are_the_whole_document_dump(root: Path, synced: bool) -> None:
    if not root.is_dir():
        pytest.skip(f"feeds absent: {root}")
    rules = Rules()
    catalog = load_catalog(root, rules)
    snapshot = synced_snapshot(catalog, rules) if synced else StoreSnapshot()
    plan = make_plan(catalog, snapshot, rules, PlanOptions())
    ids = StoreIds.from_snapshot(snapshot)
    assert all(ids.items.values()) and len(ids.items) == len(catalog.items) if synced else not ids.items
    documents = {
        "inventory_items": lambda: items_payload(catalog, plan, ids, items_inputs(catalog, plan, ids, rules)),
        "locations": lambda: levels_by_location(catalog, snapshot, plan, ids, "0" * 64),
        "issues": lambda: validation_report(catalog, "0" * 64),
    }
    rows = {}
    for streamed_key, build in documents.items():
        streamed = b"".join(json_chunks(build()))
        assert streamed == dump_json(_whole(build()))
        rows[streamed_key] = orjson.loads(streamed)[streamed_key]
    assert len(rows["inventory_items"]) == len(catalog.items)
    assert sum(len(location["levels"]) for location in rows["locations"]) == len(catalog.levels)
    assert len(rows["issues"]) == len(catalog.issues) > 0


@pytest.mark.parametrize(
    "document",
    [
        lambda: {"rows": iter([])},
        lambda: {"a": 1, "rows": iter([{"b": [1, {"c": "x\ny"}], "a": None}, 2, []]), "z": {}},
        lambda: {"outer": iter([{"inner": iter([{"k": 1}, {"k": 2}]), "n": 2}, {"inner": iter([]), "n": 0}])},
        lambda: iter([]),
        lambda: [{"b": 1, "a": [2]}],
        lambda: {"rows": iter([*range(1200), {"inner": iter([{"k": [1]}])}, *({"k": n} for n in range(700)), {"inner": iter([])}])},
        lambda: {"a": 1, "rows": PlainRows({"k": n, "s": "x\ny", "l": [n]} for n in range(1203)), "z": PlainRows([])},
        lambda: iter([{"inner": PlainRows([{"k": 1}, [2, {"m": None}]])}, 3, {"inner": PlainRows(range(3)), "n": 3}]),
    ],
    ids=["empty", "mixed", "nested", "top-level-iterator", "plain", "batches-around-nested", "plain-rows", "plain-rows-nested"],
)
def test_json_chunks_match_dump_json(document: Callable[[], Any]) -> None:
    assert b"".join(json_chunks(document())) == dump_json(_whole(document()))
