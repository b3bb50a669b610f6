"""`report stock --notify`: the levels that crossed into low or out of stock since the last report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medusa_sync.cli.commands.reports import STOCK_STATE_FILE, _notify_crossings
from medusa_sync.config import Rules, Settings
from medusa_sync.notify import stock_document
from medusa_sync.reports.stock import build_stock_report, crossings, level_statuses

from .medusa_fake import NOW

RULES = Rules.model_validate({"report": {"low_stock": 2}})


@pytest.fixture
def stocked(fake):
    fake.item("iitem_bat", "BAT-1", title="Battery", metadata={"reorder_point": "4"}, sloc_a=4)
    fake.item("iitem_cbl", "CBL-1", title="Cable", sloc_b=0)
    return fake


def test_only_new_low_and_out_of_stock_levels_cross(stocked, client) -> None:
    report = build_stock_report(client, RULES, now=NOW)
    statuses = level_statuses(report)
    assert statuses == {
        "BAT-1@sloc_a": "low_stock",
        "CBL-1@sloc_b": "out_of_stock",
        "INV-1@sloc_a": "in_stock",
        "INV-1@sloc_b": "low_stock",
        "PNL-1@sloc_a": "in_stock",
    }
    assert [(row.sku, before) for row, before in crossings(report, {})] == [("BAT-1", None), ("CBL-1", None), ("INV-1", None)]
    previous = {**statuses, "BAT-1@sloc_a": "in_stock"}
    assert [(row.sku, row.status, before) for row, before in crossings(report, previous)] == [("BAT-1", "low_stock", "in_stock")]
    assert crossings(report, statuses) == []  # nothing new since the last report


def test_the_stock_document(stocked, client) -> None:
    report = build_stock_report(client, RULES, now=NOW)
    crossed = crossings(report, {"BAT-1@sloc_a": "in_stock", "CBL-1@sloc_b": "out_of_stock", "INV-1@sloc_b": "low_stock"})
    assert stock_document(store="https://u:p@shop.example", crossed=crossed) == {
        "text": "medusa-sync stock: 1 level crossed into low or out of stock on https://***@shop.example\n"
        "low_stock: BAT-1 (Battery) at Odex CD: available 4, reorder point 4",
        "store": "https://***@shop.example",
        "crossed": [
            {
                "sku": "BAT-1",
                "title": "Battery",
                "location": "Odex CD",
                "available": 4,
                "reorder_point": 4,
                "status": "low_stock",
                "previous_status": "in_stock",
            }
        ],
    }


def test_each_crossing_is_posted_once_and_the_state_kept_next_to_the_run_log(stocked, client, listener, tmp_path: Path, capsys) -> None:
    settings = Settings(medusa_url="http://127.0.0.1:9", run_log=tmp_path / "state" / "runs.jsonl")
    report = build_stock_report(client, RULES, now=NOW)
    _notify_crossings(report, listener.url, settings)
    assert [body["crossed"][0]["sku"] for body in listener.bodies] == ["BAT-1"]
    assert [(row["sku"], row["status"]) for row in listener.bodies[0]["crossed"]] == [
        ("BAT-1", "low_stock"),
        ("CBL-1", "out_of_stock"),
        ("INV-1", "low_stock"),
    ]
    state = json.loads((tmp_path / "state" / STOCK_STATE_FILE).read_text())
    assert state == level_statuses(report)
    assert capsys.readouterr().err == f"3 levels crossed into low or out of stock; alert sent to {listener.url}\n"

    _notify_crossings(build_stock_report(client, RULES, now=NOW), listener.url, settings)
    assert len(listener.bodies) == 1  # the same levels, still low: no second alert
    assert capsys.readouterr().err == "0 levels crossed into low or out of stock\n"


def test_an_undelivered_alert_keeps_the_old_state(stocked, client, tmp_path: Path) -> None:
    settings = Settings(medusa_url="http://127.0.0.1:9", run_log=tmp_path / "runs.jsonl")
    _notify_crossings(build_stock_report(client, RULES, now=NOW), "http://127.0.0.1:9/nothing-listens", settings)
    assert not (tmp_path / STOCK_STATE_FILE).exists()  # the next report alerts again
