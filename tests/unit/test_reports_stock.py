"""report stock: statuses, thresholds (metadata, prefix, default), summary, Markdown and CSV."""

from __future__ import annotations

import pytest

from medusa_sync.config import Rules
from medusa_sync.errors import UsageError
from medusa_sync.reports.stock import build_stock_report, render_csv, render_markdown

from .medusa_fake import NOW, locations_call

RULES = Rules.model_validate({"report": {"low_stock": 2, "reorder_points": {"PNL": 8, "PNL-1": 12}}})


@pytest.fixture
def stocked(fake):
    fake.item("iitem_bat", "BAT-1", title="Battery", metadata={"reorder_point": "4"}, sloc_a=4)
    fake.item("iitem_cbl", "CBL-1", title="Cable", sloc_b=0)
    fake.item("iitem_new", "NEW-1", title="Not stocked anywhere")
    fake.level("iitem_inv", "sloc_b", stocked=2, reserved=3)
    return fake


def _statuses(report):
    return [(row.sku, row.location, row.available, row.low_stock_threshold, row.status) for row in report.rows]


def test_each_level_gets_a_status_from_its_threshold(stocked, client):
    report = build_stock_report(client, RULES, now=NOW)
    assert stocked.calls[0] == locations_call()
    assert [call[1] for call in stocked.calls] == ["/admin/stock-locations", "/admin/inventory-items"]
    assert _statuses(report) == [
        ("BAT-1", "Odex CD", 4, 4, "low_stock"),  # metadata reorder_point wins
        ("CBL-1", "Solfacil CD", 0, 2, "out_of_stock"),
        ("INV-1", "Odex CD", 3, 2, "in_stock"),  # the default low_stock
        ("INV-1", "Solfacil CD", -1, 2, "backordered"),
        ("PNL-1", "Odex CD", 10, 12, "low_stock"),  # the longest prefix wins
    ]
    assert report.summary == {
        "items": 5,
        "items_without_levels": 1,
        "locations": 2,
        "levels": 5,
        "totals": {"stocked": 19, "reserved": 3, "available": 16, "incoming": 0},
        "by_status": {"in_stock": 1, "low_stock": 2, "out_of_stock": 1, "backordered": 1},
    }


def test_the_status_filter_keeps_the_summary_of_everything(stocked, client):
    report = build_stock_report(client, RULES, status="backordered", now=NOW)
    assert [row.sku for row in report.rows] == ["INV-1"]
    assert report.summary["levels"] == 5
    with pytest.raises(UsageError, match="choose one of in_stock, low_stock, out_of_stock, backordered"):
        build_stock_report(client, RULES, status="sold_out")


def test_default_thresholds(stocked, client):
    report = build_stock_report(client, Rules(), now=NOW)
    assert [row.low_stock_threshold for row in report.rows if row.sku != "BAT-1"] == [5, 5, 5, 5]


def test_csv_and_markdown(stocked, client):
    report = build_stock_report(client, RULES, status="out_of_stock", now=NOW)
    assert render_csv(report) == (
        "sku,title,location,location_id,stocked,reserved,available,incoming,low_stock_threshold,status\n"
        "CBL-1,Cable,Solfacil CD,sloc_b,0,0,0,0,2,out_of_stock\n"
    )
    markdown = render_markdown(report)
    assert "## Levels with status out_of_stock" in markdown
    assert "| CBL-1 | Cable | Solfacil CD | 0 | 0 | 0 | 0 | 2 | out_of_stock |" in markdown
    assert "| 5 | 1 | 2 | 5 | 19 | 3 | 16 | 0 | 1 | 2 | 1 | 1 |" in markdown
