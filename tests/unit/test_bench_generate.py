"""The benchmark's catalog generator (bench/generate.py): deterministic, exact counts, real shapes.

A smoke test of the generator only; the benchmark itself is reported, never timed in tests.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.models import Category

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "generate.py"


@pytest.fixture(scope="module")
def generate():
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        del sys.modules[spec.name]
    return module.generate


def _files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*.json"))}


def test_the_same_seed_gives_the_same_bytes(generate, tmp_path: Path) -> None:
    generate(tmp_path / "a", 400, seed=7)
    generate(tmp_path / "b", 400, seed=7)
    generate(tmp_path / "c", 400, seed=8)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


@pytest.mark.parametrize("items", [60, 600, 2500])
def test_the_feeds_normalize_to_the_requested_counts(generate, tmp_path: Path, items: int) -> None:
    summary = generate(tmp_path, items, seed=3)
    catalog = load_catalog(tmp_path, Rules())
    assert len(catalog.items) == summary.items == items
    assert len(catalog.levels) == summary.levels
    assert len(catalog.kits) == summary.kits == max(1, round(items * 4 / 241))
    assert not [issue for issue in catalog.issues if issue.code in ("duplicate_sku", "invalid_json", "missing_id")]
    assert Counter(item.distributor for item in catalog.items) == summary.by_distributor


def test_the_three_distributors_real_shapes(generate, tmp_path: Path) -> None:
    summary = generate(tmp_path, 2500, seed=3)
    assert set(summary.records) == {
        "odex/odex-inverters.json",
        "odex/odex-panels.json",
        "odex/odex-stringboxes.json",
        "odex/odex-structures.json",
        "solfacil/solfacil-accessories.json",
        "solfacil/solfacil-batteries.json",
        "solfacil/solfacil-cables.json",
        "solfacil/solfacil-inverters.json",
        "solfacil/solfacil-panels.json",
        "solfacil/solfacil-structures.json",
        "fotus/fotus-kits.json",
        "fotus/fotus-kits-hibridos.json",
    }
    odex = [record for path in tmp_path.glob("odex/*.json") for record in json.loads(path.read_text())]
    assert all(record["id"].startswith("odex_inverters_") for record in odex)  # whatever the product
    catalog = load_catalog(tmp_path, Rules())
    codes = Counter(issue.code for issue in catalog.issues)
    assert codes["id_prefix_mismatch"] > 0  # Odex panels, string boxes, structures
    assert codes["shifted_columns"] > 0  # Solfacil panels with the name in "price"
    assert codes["centre_respelled"] > 0  # "CD SUDESTE| PRONTA ENTREGA"
    cables = Counter(item.unit.kind for item in catalog.items if item.category is Category.CABLES)
    assert cables["roll"] > 0 and cables["metre"] > 0
    uses = Counter(component.sku for kit in catalog.kits for component in kit.components)
    assert max(uses.values()) >= 2  # components shared between kits are one item
    assert {kit.category for kit in catalog.kits} == {Category.KITS, Category.HYBRID_KITS}


def test_changed_levels_differ_in_exactly_that_many_levels(generate, tmp_path: Path) -> None:
    generate(tmp_path / "base", 1000, seed=5)
    summary = generate(tmp_path / "next", 1000, seed=5, changed_levels=0.1)
    base, changed = load_catalog(tmp_path / "base", Rules()), load_catalog(tmp_path / "next", Rules())
    assert base.items == changed.items and base.kits == changed.kits
    assert summary.changed_levels == round(0.1 * len(base.levels))
    assert sum(before != after for before, after in zip(base.levels, changed.levels, strict=True)) == summary.changed_levels
