"""The command line with no server: validate, and the offline dry-run import, run in-process."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from medusa_sync.cli.main import arrange_global_options, main

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_ROOT = REPO_ROOT / "distributors"
OUTPUT_FILES = [
    "inventory_items_payload.json",
    "inventory_kits_definition.json",
    "inventory_levels_by_location.json",
    "inventory_reservations_report.md",
    "validation_report.json",
]


@pytest.fixture(autouse=True)
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No server, no credentials, no rules file, no state outside tmp_path."""
    for name in list(os.environ):
        if name.startswith(("MEDUSA_", "MEDUSA_SYNC_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def small_root(feeds, odex_record, solfacil_record, fotus_kit) -> Path:
    """One record per distributor plus one bad record: 3 items + 2 kit components, 1 kit, 1 issue."""
    feeds.write("odex/odex-inverters.json", [odex_record(), {"name": "no id"}])
    feeds.write("solfacil/solfacil-inverters.json", [solfacil_record()])
    feeds.write("fotus/fotus-kits.json", [fotus_kit()])
    return feeds.root


def test_validate_prints_a_table_and_the_issues(small_root: Path, capsys) -> None:
    assert main(["validate", str(small_root)]) == 0
    out, err = capsys.readouterr()
    rows = [tuple(cell.strip() for cell in line.strip()[1:-1].split("│")) for line in out.splitlines() if line.startswith("│")]
    assert rows == [
        ("fotus", "inverters", "1", ""),
        ("fotus", "panels", "1", ""),
        ("fotus", "kits", "", "1"),
        ("odex", "inverters", "1", ""),
        ("solfacil", "inverters", "1", ""),
        ("total", "", "4", "1"),
    ]
    assert "4 stock levels at 3 locations: Fotus CD ESPÍRITO SANTO, Odex CD, Solfacil CD" in out
    assert "1 issue in the feeds" in out
    assert "error: odex/odex-inverters.json record 1: missing_id: record has no id → record skipped" in err


def test_validate_json_has_exact_counts(small_root: Path, capsys) -> None:
    assert main(["validate", str(small_root), "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    summary = data["summary"]
    assert (summary["items"], summary["kits"], summary["levels"], summary["issues"]) == (4, 1, 4, 1)
    assert summary["by_distributor"]["odex"] == {
        "items": 1,
        "kits": 0,
        "issues": 1,
        "categories": {"inverters": 1},
        "kit_types": {},
    }
    assert summary["by_distributor"]["fotus"]["categories"] == {"inverters": 1, "panels": 1}
    assert summary["by_distributor"]["fotus"]["kit_types"] == {"kits": 1}
    assert data["issues"] == [
        {
            "file": "odex/odex-inverters.json",
            "record": 1,
            "sku": None,
            "severity": "error",
            "code": "missing_id",
            "reason": "record has no id",
            "action": "record skipped",
        }
    ]
    assert "missing_id" in err  # issues also go to stderr, never into the JSON on stdout


def test_validate_json_on_the_sample_feeds(capsys) -> None:
    assert main(["validate", str(SAMPLE_ROOT), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert (summary["items"], summary["kits"], summary["issues"]) == (243, 4, 55)
    assert {d: v["items"] for d, v in summary["by_distributor"].items()} == {"fotus": 8, "odex": 93, "solfacil": 142}


def test_validate_strict_fails_on_any_issue(small_root: Path, capsys) -> None:
    assert main(["validate", str(small_root), "--strict"]) == 3
    assert "error: --strict: the feeds have 1 issue;" in capsys.readouterr().err


def test_validate_strict_passes_clean_feeds(feeds, odex_record, capsys) -> None:
    feeds.write("odex/odex-inverters.json", [odex_record()])
    assert main(["validate", str(feeds.root), "--strict"]) == 0


def _import(root: Path, out: Path, *extra: str) -> int:
    return main(["import", "--dry-run", str(root), "--out", str(out), *extra])


def test_dry_run_import_writes_the_five_files(small_root: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert _import(small_root, out) == 0
    assert sorted(path.name for path in out.iterdir()) == OUTPUT_FILES

    items = json.loads((out / "inventory_items_payload.json").read_text())
    assert items["count"] == 4
    assert items["store"] is None
    assert [item["sku"] for item in items["inventory_items"]] == [
        "fotus_inverters_SUN-M225G4-EU-Q0-I",
        "fotus_panels_SOLAR-N-PLUS-570W",
        "odex_inverters_ODEX-INV-SAJ-3000W",
        "solfacil_inverters_1",
    ]
    saj = items["inventory_items"][2]
    assert saj["id"] is None  # nothing created: a dry run
    assert (saj["origin_country"], saj["material"], saj["requires_shipping"], saj["unit_of_measure"]) == (
        "BR",
        "photovoltaic equipment",
        True,
        "unit",
    )
    assert saj["location_levels"] == [{"location": "Odex CD", "location_id": None, "stocked_quantity": 100, "incoming_quantity": 0}]

    levels = json.loads((out / "inventory_levels_by_location.json").read_text())
    assert [(loc["name"], loc["count"]) for loc in levels["locations"]] == [
        ("Fotus CD ESPÍRITO SANTO", 2),
        ("Odex CD", 1),
        ("Solfacil CD", 1),
    ]
    odex_level = levels["locations"][1]["levels"][0]
    assert (odex_level["sku"], odex_level["stocked_quantity"], odex_level["reserved_quantity"], odex_level["incoming_quantity"]) == (
        "odex_inverters_ODEX-INV-SAJ-3000W",
        100,
        0,
        0,
    )

    kits = json.loads((out / "inventory_kits_definition.json").read_text())
    assert kits["count"] == 1
    (kit,) = kits["kits"]
    assert kit["sku"] == "fotus_kits_KP04"
    assert kit["price"] == {"amount": "2507.99", "currency_code": "brl"}
    assert [(c["sku"], c["required_quantity"]) for c in kit["components"]] == [
        ("fotus_panels_SOLAR-N-PLUS-570W", 2),
        ("fotus_inverters_SUN-M225G4-EU-Q0-I", 1),
    ]

    report = json.loads((out / "validation_report.json").read_text())
    assert report["issue_count"] == 1
    assert [(i["code"], i["file"], i["record"]) for i in report["issues"]] == [("missing_id", "odex/odex-inverters.json", 1)]
    assert [(f["path"], f["records"], f["complete"]) for f in report["files"]] == [
        ("odex/odex-inverters.json", 2, True),
        ("solfacil/solfacil-inverters.json", 1, True),
        ("fotus/fotus-kits.json", 1, True),
    ]

    reservations = (out / "inventory_reservations_report.md").read_text()
    assert reservations.startswith("# Inventory reservations")
    assert "No reservations" in reservations and "MEDUSA_URL" in reservations


def test_dry_run_outputs_are_byte_identical_across_runs(tmp_path: Path, capsys) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert _import(SAMPLE_ROOT, first) == 0
    assert _import(SAMPLE_ROOT, second) == 0
    for name in OUTPUT_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # ... and a re-run into the same folder rewrites the same bytes
    before = {name: (first / name).read_bytes() for name in OUTPUT_FILES}
    assert _import(SAMPLE_ROOT, first) == 0
    assert {name: (first / name).read_bytes() for name in OUTPUT_FILES} == before


def test_dry_run_on_the_sample_feeds_has_the_sample_counts(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert _import(SAMPLE_ROOT, out) == 0
    assert json.loads((out / "inventory_items_payload.json").read_text())["count"] == 243
    assert json.loads((out / "inventory_kits_definition.json").read_text())["count"] == 4
    levels = json.loads((out / "inventory_levels_by_location.json").read_text())
    assert {loc["name"]: loc["count"] for loc in levels["locations"]} == {
        "Fotus CD ESPÍRITO SANTO": 6,
        "Fotus CD SUDESTE | PRONTA ENTREGA": 4,
        "Odex CD": 93,
        "Solfacil CD": 142,
    }
    assert json.loads((out / "validation_report.json").read_text())["issue_count"] == 55
    err = capsys.readouterr().err
    assert "55 feed issues" in err
    # summarised: one line per code, errors first, the full list in the report
    assert err.splitlines()[:6] == [
        f"55 feed issues; every one in {out}/validation_report.json",
        "  error: bad_price (1): not a price: 'Consulte': solfacil/solfacil-accessories.json record 9 [solfacil_accessories_10]",
        "  warning: id_prefix_mismatch (48): id prefix says 'inverters' but the record is 'panels': "
        "odex/odex-panels.json record 0 [odex_panels_ODEX-PAINEL-ODEX-575W], odex/odex-panels.json record 1 "
        "[odex_panels_ODEX-PAINEL-ODEX-620W], odex/odex-panels.json record 2 [odex_panels_ODEX-PAINEL-ODEX-715W], and 45 more",
        "  warning: shifted_columns (4): columns are shifted: 'price' holds the product name, 'description' the model: "
        "solfacil/solfacil-panels.json record 0 [solfacil_panels_1], solfacil/solfacil-panels.json record 2 [solfacil_panels_3], "
        "solfacil/solfacil-panels.json record 3 [solfacil_panels_4], and 1 more",
        "  warning: centre_respelled (1): distribution centre 'CD SUDESTE| PRONTA ENTREGA' is irregularly spaced: "
        "fotus/fotus-kits.json record 1 [fotus_kits_KP06]",
        "  warning: price_mismatch (1): numeric price 384165.00 and text price 38416.50 disagree: "
        "odex/odex-inverters.json record 17 [odex_inverters_ODEX-INV-SUNGROW-110000W]",
    ]


def test_ignored_issue_codes_leave_the_console_but_not_the_report_nor_strict(tmp_path: Path, capsys) -> None:
    (tmp_path / "medusa-sync.toml").write_text('[issues]\nignore = ["id_prefix_mismatch", "shifted_columns"]\n')
    out = tmp_path / "out"
    assert _import(SAMPLE_ROOT, out) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "issue" in line or line.startswith("  ")] == [
        f"55 feed issues, 52 ignored by the rules file: id_prefix_mismatch (48), shifted_columns (4); every one in {out}/validation_report.json",
        "  error: bad_price (1): not a price: 'Consulte': solfacil/solfacil-accessories.json record 9 [solfacil_accessories_10]",
        "  warning: centre_respelled (1): distribution centre 'CD SUDESTE| PRONTA ENTREGA' is irregularly spaced: "
        "fotus/fotus-kits.json record 1 [fotus_kits_KP06]",
        "  warning: price_mismatch (1): numeric price 384165.00 and text price 38416.50 disagree: "
        "odex/odex-inverters.json record 17 [odex_inverters_ODEX-INV-SUNGROW-110000W]",
        "55 feed issues; outputs written to " + str(out),
    ]
    assert json.loads((out / "validation_report.json").read_text())["issue_count"] == 55
    assert _import(SAMPLE_ROOT, out, "--strict") == 3
    assert "--strict: the feeds have 55 issues" in capsys.readouterr().err


def test_dry_run_writes_to_outputs_by_default(small_root: Path, tmp_path: Path, capsys) -> None:
    assert main(["import", "--dry-run", str(small_root)]) == 0
    assert sorted(path.name for path in (tmp_path / "outputs").iterdir()) == OUTPUT_FILES


def test_import_without_dry_run_and_without_a_server_is_a_config_error(small_root: Path, tmp_path: Path, capsys) -> None:
    assert main(["import", str(small_root), "--out", str(tmp_path / "out")]) == 7
    assert "MEDUSA_URL" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_plan_without_a_server_is_a_config_error_unless_offline(small_root: Path, tmp_path: Path, capsys) -> None:
    assert main(["plan", str(small_root), "--detailed-exitcode", "--out", str(tmp_path / "out")]) == 7
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "error: plan needs a Medusa server and MEDUSA_URL is not set\n"
        "hint: set MEDUSA_URL (and the credentials), or pass --offline to plan against an empty store\n"
    )
    assert not (tmp_path / "out").exists()
    assert main(["plan", str(small_root), "--offline", "--detailed-exitcode", "--out", str(tmp_path / "out")]) == 2
    assert "Plan: create 3 locations, 4 items, 4 levels, 1 kit." in capsys.readouterr().out


def test_detailed_exitcode_reports_pending_changes(small_root: Path, tmp_path: Path, capsys) -> None:
    assert _import(small_root, tmp_path / "out", "--detailed-exitcode") == 2
    assert "Changes are pending." in capsys.readouterr().out


def test_dry_run_strict_fails_on_issues(small_root: Path, tmp_path: Path, capsys) -> None:
    assert _import(small_root, tmp_path / "out", "--strict") == 3


def test_an_unknown_command_is_a_usage_error(capsys) -> None:
    assert main(["frobnicate"]) == 64
    assert "usage error" in capsys.readouterr().err


def test_an_unknown_option_is_a_usage_error(small_root: Path, capsys) -> None:
    assert main(["validate", str(small_root), "--no-such-option"]) == 64


@pytest.mark.parametrize("command", [["validate"], ["import", "--dry-run"]])
def test_a_feed_root_that_does_not_exist_is_named(tmp_path: Path, capsys, command: list[str]) -> None:
    missing = tmp_path / "no-such-feeds"
    code = main([*command, str(missing)])
    assert code == 1
    assert str(missing) in capsys.readouterr().err


def test_a_bad_rules_file_is_exit_7_naming_it(small_root: Path, tmp_path: Path, capsys) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[stock]\nnot_a_setting = 1\n")
    assert main(["--config", str(rules), "validate", str(small_root)]) == 7
    assert str(rules) in capsys.readouterr().err


def test_the_rules_file_in_the_working_directory_is_used(small_root: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "medusa-sync.toml").write_text('[locations]\nodex = "Odex Curitiba"\n', encoding="utf-8")
    assert main(["validate", str(small_root), "--json"]) == 0
    assert "Odex Curitiba" in json.loads(capsys.readouterr().out)["summary"]["locations"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["--json", "validate", "ROOT"], ["validate", "ROOT", "--json"]),
        (["--config", "rules.toml", "validate", "ROOT"], ["validate", "ROOT", "--config", "rules.toml"]),
        (["-v", "--config=rules.toml", "validate", "ROOT"], ["validate", "-v", "ROOT", "--config=rules.toml"]),
    ],
)
def test_global_options_may_stand_before_or_after_the_command(before, after) -> None:
    assert arrange_global_options(before) == arrange_global_options(after)


def test_global_options_are_arranged_for_click() -> None:
    assert arrange_global_options(["report", "--json", "stock", "-vv", "--config", "r.toml", "--status", "low_stock"]) == [
        "-vv", "--config", "r.toml", "report", "stock", "--status", "low_stock", "--json",
    ]
    assert arrange_global_options(["--json", "reserve", "SKU", "--", "-v"]) == ["reserve", "SKU", "--json", "--", "-v"]


@pytest.mark.parametrize("placement", ["before", "after"])
def test_json_config_and_verbose_work_in_either_place(small_root: Path, tmp_path: Path, capsys, placement: str) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[locations]\nodex = "Odex Curitiba"\n', encoding="utf-8")
    options = ["--json", "--config", str(rules), "-v"]
    command = ["validate", str(small_root)]
    args = [*options, *command] if placement == "before" else [*command, *options]
    assert main(args) == 0
    assert "Odex Curitiba" in json.loads(capsys.readouterr().out)["summary"]["locations"]
    assert logging.getLogger().level == logging.INFO


@pytest.mark.parametrize("command", [["import", "--dry-run"], ["plan", "--offline"]])
def test_the_plan_options_reach_the_plan(small_root: Path, tmp_path: Path, capsys, command: list[str]) -> None:
    out = str(tmp_path / "out")
    assert main([*command, str(small_root), "--out", out, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plan"]["options"] == {"missing": "keep", "allow_below_reserved": False, "force": False, "on_drift": "feed"}
    args = [*command, str(small_root), "--out", out, "--missing", "zero", "--allow-below-reserved", "--force", "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["plan"]["options"] == {"missing": "zero", "allow_below_reserved": True, "force": True, "on_drift": "feed"}


def test_quiet_prints_one_line(tmp_path: Path, capsys) -> None:
    assert _import(SAMPLE_ROOT, tmp_path / "out", "--quiet") == 0
    out, err = capsys.readouterr()
    assert out == "Plan: create 4 locations, 243 items, 245 levels, 4 kits.\n"
    assert err == ""
    assert json.loads((tmp_path / "out" / "validation_report.json").read_text())["issue_count"] == 55  # outputs still written


def test_quiet_real_import_needs_yes(small_root: Path, tmp_path: Path, capsys) -> None:
    assert main(["import", str(small_root), "--quiet", "--out", str(tmp_path / "out")]) == 64
    assert "--quiet with a real import needs --yes" in capsys.readouterr().err
