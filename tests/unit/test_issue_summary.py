"""Feed issues on the console of a run: one line per code, counts, up to 3 examples, the full list named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from medusa_sync.cli.main import main
from medusa_sync.cli.render import issue_summary_lines
from medusa_sync.models import ValidationIssue

REAL_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "feeds-2025-10"


def _issue(code: str, record: int, reason: str = "bad", severity: str = "warning", sku: str | None = None) -> ValidationIssue:
    return ValidationIssue(file="odex/a.json", record=record, sku=sku, severity=severity, code=code, reason=reason, action="kept")


def test_no_issues_print_nothing() -> None:
    assert issue_summary_lines([], full_list="out/validation_report.json") == []


def test_one_line_per_code_errors_first_then_the_most_frequent() -> None:
    issues = [
        *(_issue("often", n, sku=f"sku{n}") for n in range(5)),
        _issue("rare", 7, reason="one"),
        _issue("rare", 8, reason="two"),
        _issue("bad_price", 9, reason="not a price: 'Consulte'", severity="error"),
    ]
    assert issue_summary_lines(issues, full_list="out/validation_report.json") == [
        "8 feed issues; every one in out/validation_report.json",
        "  error: bad_price (1): not a price: 'Consulte': odex/a.json record 9",
        "  warning: often (5): bad: odex/a.json record 0 [sku0], odex/a.json record 1 [sku1], odex/a.json record 2 [sku2], and 2 more",
        "  warning: rare (2): odex/a.json record 7: one; odex/a.json record 8: two",
    ]


def test_ignored_codes_are_counted_in_the_head_line_only() -> None:
    issues = [_issue("often", n) for n in range(3)] + [_issue("rare", 9)]
    assert issue_summary_lines(issues, full_list="r.json", ignore=["often", "never_seen"]) == [
        "4 feed issues, 3 ignored by the rules file: often (3); every one in r.json",
        "  warning: rare (1): bad: odex/a.json record 9",
    ]
    assert issue_summary_lines([_issue("often", 1)], full_list="r.json", ignore=["often"]) == [
        "1 feed issue, 1 ignored by the rules file: often (1); every one in r.json"
    ]


@pytest.mark.skipif(not REAL_ROOT.is_dir(), reason=f"the real feed snapshot is absent: {REAL_ROOT}")
def test_the_real_feeds_print_at_most_4_issue_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for name in list(os.environ):
        if name.startswith("MEDUSA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert main(["import", "--dry-run", str(REAL_ROOT), "--out", str(out)]) == 0
    lines = capsys.readouterr().err.splitlines()
    issue_lines = lines[: lines.index("55 feed issues; outputs written to " + str(out))]
    assert len(issue_lines) == 4  # before: 55 lines, 48 of them id_prefix_mismatch
    assert issue_lines[0] == f"55 feed issues; every one in {out}/validation_report.json"
    assert [line.split(":")[1].strip() for line in issue_lines[1:]] == [
        "id_prefix_mismatch (48)",
        "shifted_columns (6)",
        "centre_respelled (1)",
    ]

    (tmp_path / "medusa-sync.toml").write_text('[issues]\nignore = ["id_prefix_mismatch"]\n')
    assert main(["import", "--dry-run", str(REAL_ROOT), "--out", str(out)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"55 feed issues, 48 ignored by the rules file: id_prefix_mismatch (48); every one in {out}/validation_report.json"
    assert [line.split(":")[1].strip() for line in lines[1:3]] == ["shifted_columns (6)", "centre_respelled (1)"]
    assert lines[3] == "55 feed issues; outputs written to " + str(out)
