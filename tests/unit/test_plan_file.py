"""The saved plan (--plan-out, read by `apply FILE`): format_version 3, a lossless round trip."""

from __future__ import annotations

from pathlib import Path

import orjson

from medusa_sync.cli.main import main
from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.outputs import dump_json
from medusa_sync.plan import Plan, PlanOptions, make_plan
from medusa_sync.store import StoreSnapshot

SAMPLES = Path(__file__).resolve().parents[2] / "distributors"


def sample_plan() -> Plan:
    rules = Rules()
    return make_plan(load_catalog(SAMPLES, rules), StoreSnapshot(), rules, PlanOptions())


def test_a_saved_plan_reads_back_equal() -> None:
    plan = sample_plan()
    data = orjson.loads(dump_json(plan.model_dump(mode="json")))
    assert data["format_version"] == 3
    assert {(c["kind"], c["action"]) for c in data["changes"]} == {
        ("location", "create"), ("item", "create"), ("level", "create"), ("kit", "create")
    }
    assert Plan.from_saved(data, "plan.json") == plan


def test_apply_refuses_a_plan_of_another_format_version(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("MEDUSA_URL", "http://127.0.0.1:9")  # never reached: the file is refused first
    monkeypatch.setenv("MEDUSA_API_KEY", "sk_test")
    saved = sample_plan().model_dump(mode="json") | {"format_version": 1}
    plan_file = tmp_path / "plan.json"
    plan_file.write_bytes(dump_json(saved))

    assert main(["apply", str(plan_file)]) == 7
    err = capsys.readouterr().err
    assert f"{plan_file} is a plan of format_version 1; this medusa-sync reads format_version 3 only" in err


def test_apply_refuses_a_file_that_is_not_a_plan(tmp_path: Path, capsys) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_bytes(dump_json({"format_version": 3, "changes": [{"kind": "item", "action": "explode"}]}))
    assert main(["apply", str(plan_file)]) == 7
    assert f"{plan_file} is not a medusa-sync plan" in capsys.readouterr().err
