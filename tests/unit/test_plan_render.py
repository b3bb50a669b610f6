"""The plan as people read it: summary first and last, grouped, compact, coloured on demand."""

from __future__ import annotations

from pathlib import Path

import pytest

from medusa_sync.cli.render import render_plan
from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.plan import (
    FieldChange,
    ItemMissing,
    LevelCreate,
    LevelUpdate,
    Plan,
    PlanOptions,
    make_plan,
)
from medusa_sync.store import StoreSnapshot

SAMPLES = Path(__file__).resolve().parents[2] / "distributors"
ESC = "\x1b["


def day_two_plan() -> Plan:
    return Plan(
        store="http://store.test",
        fingerprint="f",
        options=PlanOptions(),
        feed_digests={},
        changes=[
            LevelUpdate(
                sku="odex_inverters_A",
                location="Odex CD",
                location_id="sloc_1",
                item_id="iitem_a",
                stocked=7,
                incoming=0,
                fields=[FieldChange(field="stocked_quantity", before=100, after=7)],
            ),
            ItemMissing(sku="odex_inverters_B", item_id="iitem_b", note="no longer in the feed: kept (--missing keep)"),
            LevelCreate(sku="odex_inverters_C", location="Odex CD", location_id="sloc_1", item_id="iitem_c", stocked=5, incoming=2),
        ],
        unchanged={"location": 4, "item": 241, "level": 243},
    )


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def test_full_plan_groups_by_kind_and_action_with_the_summary_first_and_last(capsys) -> None:
    render_plan(day_two_plan())
    lines = capsys.readouterr().out.splitlines()
    summary = "Plan: create 1 level; update 1 level; missing 1 item; unchanged 4 locations, 241 items, 243 levels."
    assert lines == [
        "medusa-sync plan against http://store.test",
        summary,
        "",
        "Inventory items: missing (1)",
        "  - item odex_inverters_B  (no longer in the feed: kept (--missing keep))",
        "",
        "Stock levels: create (1)",
        "  + level odex_inverters_C @ Odex CD: stocked 5, incoming 2",
        "",
        "Stock levels: update (1)",
        "  ~ level odex_inverters_A @ Odex CD",
        "      stocked_quantity: 100 → 7",
        "",
        summary,
        "Changes are pending.",
    ]


def test_compact_plan_is_one_line_per_change(capsys) -> None:
    render_plan(day_two_plan(), compact=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[2:5] == [
        "- item odex_inverters_B  (no longer in the feed: kept (--missing keep))",
        "+ level odex_inverters_C @ Odex CD: stocked 5, incoming 2",
        "~ level odex_inverters_A @ Odex CD: stocked_quantity: 100 → 7",
    ]
    assert len(lines) == 3 + 2 + 2  # header + summary, 3 changes, summary + verdict


def test_a_removed_metadata_key_reads_removed(capsys) -> None:
    plan = day_two_plan()
    plan.changes[0].fields.append(FieldChange(field="metadata.roof_type", before="Cerâmico", removed=True))
    render_plan(plan)
    assert '      metadata.roof_type: "Cerâmico" → (removed)' in capsys.readouterr().out.splitlines()


def test_item_and_kit_creates_show_what_they_set(capsys) -> None:
    rules = Rules()
    plan = make_plan(load_catalog(SAMPLES, rules), StoreSnapshot(), rules, PlanOptions())
    render_plan(plan, compact=True)
    lines = capsys.readouterr().out.splitlines()
    assert "+ level odex_inverters_ODEX-INV-SOLIS-3000W @ Odex CD: stocked 100, incoming 0  (created with the item)" in lines
    kit = next(line for line in lines if line.startswith("+ kit fotus_kits_KP05: "))
    assert kit.endswith("; components: 4 × fotus_panels_ASTRONERGY-615W, 1 × fotus_inverters_SUN-M200G4-EU-Q0-I")
    assert len([line for line in lines if line.startswith("+ ")]) == 4 + 243 + 245 + 4
    assert "+ location Odex CD" in lines


def test_no_colour_when_stdout_is_not_a_terminal(capsys) -> None:
    render_plan(day_two_plan())
    assert ESC not in capsys.readouterr().out


def test_force_color_forces_it_and_no_color_wins_over_it(capsys, monkeypatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    render_plan(day_two_plan())
    coloured = capsys.readouterr().out
    assert f"{ESC}33m  ~ level odex_inverters_A @ Odex CD" in coloured  # updates in yellow
    assert f"{ESC}32m  + level odex_inverters_C" in coloured  # creates in green

    monkeypatch.setenv("NO_COLOR", "1")
    render_plan(day_two_plan())
    assert ESC not in capsys.readouterr().out


def test_the_verdict_is_true_of_what_is_shown(capsys) -> None:
    """Shown only: pending. About to be applied: no verdict (the apply's own line follows).
    Nothing to do: the caller's words (an undo has nothing to do with the feeds)."""
    render_plan(day_two_plan())
    assert capsys.readouterr().out.splitlines()[-1] == "Changes are pending."
    render_plan(day_two_plan(), applying=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == lines[1] and lines[-1].startswith("Plan: ")  # the summary closes it, no verdict
    empty = Plan(store="http://store.test", fingerprint="f", options=PlanOptions(), feed_digests={}, changes=[])
    render_plan(empty)
    assert capsys.readouterr().out.splitlines()[-1] == "No changes: the store matches the feeds."
    render_plan(empty, no_changes="Nothing to undo: nothing that run wrote is still in the store as it left it.")
    assert capsys.readouterr().out.splitlines()[-1] == "Nothing to undo: nothing that run wrote is still in the store as it left it."
