"""Issue 10.8: the plan's last line, plural agreement and UTF-8 output are true in every case."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from medusa_sync.cli.render import plan_text
from medusa_sync.normalize.text import plural
from medusa_sync.plan import Plan, PlanOptions

from .test_plan_render import day_two_plan

SAMPLES = Path(__file__).resolve().parents[2] / "distributors"


def _last_line(plan: Plan, **kwargs) -> str:
    return plan_text(plan, **kwargs)[-1].plain


def test_a_plan_that_is_only_shown_says_changes_are_pending() -> None:
    assert _last_line(day_two_plan()) == "Changes are pending."


def test_a_plan_about_to_be_applied_does_not_say_pending() -> None:
    lines = [line.plain for line in plan_text(day_two_plan(), applying=True)]
    assert "Changes are pending." not in lines
    assert lines[-1] == "Plan: create 1 level; update 1 level; missing 1 item; unchanged 4 locations, 241 items, 243 levels."


def test_a_refused_plan_does_not_say_the_store_matches_the_feeds() -> None:
    refused = Plan(
        store="http://store.test", fingerprint="f", options=PlanOptions(), feed_digests={}, changes=[],
        refusals=["distributor odex: the feed has no records; the store holds 241 items from it"],
    )
    assert _last_line(refused) == "Refused by the shrink guard: this plan cannot be applied (reasons on stderr)."
    assert _last_line(refused, applying=True) == "Refused by the shrink guard: this plan cannot be applied (reasons on stderr)."
    forced = refused.model_copy(update={"options": PlanOptions(force=True)})
    assert _last_line(forced) == "No changes: the store matches the feeds."


@pytest.mark.parametrize(("n", "expected"), [(0, "0 items"), (1, "1 item"), (2, "2 items")])
def test_plural_agrees_with_the_count(n: int, expected: str) -> None:
    assert plural(n, "item") == expected


def test_plural_with_an_irregular_form() -> None:
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"


@pytest.mark.parametrize("environment", [{"PYTHONIOENCODING": "cp1252"}, {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}])
def test_output_is_utf8_whatever_the_locale(environment: dict[str, str], tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MEDUSA_", "PYTHONIOENCODING", "LC_", "LANG"))}
    env.update(environment)
    done = subprocess.run(
        [sys.executable, "-c", "from medusa_sync.cli.main import run; run()", "validate", str(SAMPLES)],  # lists every issue, with "→"
        env=env, capture_output=True, cwd=tmp_path, timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "→".encode() in done.stdout + done.stderr
    assert b"UnicodeEncodeError" not in done.stderr
