"""Issue 11.6: store and feed text in the .md and .csv reports is data. Control characters are
removed, Markdown cannot be broken or injected, and no CSV cell is read as a formula."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone

import pytest

from medusa_sync.reports import reservations, spreadsheet, stock
from medusa_sync.reports.markdown import cell, inline
from medusa_sync.store import Reserved

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE = "A\x1b[2J|B\x1b]0;title\x07\n[x](file:///etc/passwd) <img src=x> `c` \\ \x9b31m"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("odex_inverters_ODEX-INV-5K", "odex_inverters_ODEX-INV-5K"),  # emphasis characters are left alone
        ("CD | SUL", "CD \\| SUL"),
        ("line\nbreak\r\n  folded", "line break folded"),
        ("\x1b[2Jclear\x1b]0;title\x07\x08", "clear"),  # whole escape sequences go
        ("[click](file:///etc/passwd)", "\\[click\\](file:///etc/passwd)"),
        ("![img](http://x)", "!\\[img\\](http://x)"),
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        ("`code` and \\", "\\`code\\` and \\\\"),
        ("[link=file:///etc/passwd]x[/link]", "\\[link=file:///etc/passwd\\]x\\[/link\\]"),
    ],
)
def test_a_markdown_cell_is_inert(value: str, shown: str) -> None:
    assert inline(value) == shown
    assert cell(value) == shown


def test_an_empty_cell_is_a_dash() -> None:
    assert cell(None) == cell("") == "—"
    assert cell(0) == "0"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\x1b[2J=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),  # a formula once the escape sequence is gone
        ("\x07@1", "'@1"),
        ("tab\there", "tab here"),
        ("two\nlines", "two\nlines"),  # data: the csv module quotes it
        ("odex_inverters_X", "odex_inverters_X"),
        (-3, -3),  # a number is a number
        (None, None),
    ],
)
def test_a_csv_cell_is_inert(value: object, written: object) -> None:
    assert spreadsheet.cell(value) == written


def test_csv_rows_read_back_as_the_data() -> None:
    text = spreadsheet.render(["a", "b", "c"], [["=1+1", -3, "x\x1b]0;t\x07\ny"]])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b", "c"], ["'=1+1", "-3", "x\ny"]]


def _reserved() -> Reserved:
    return Reserved(
        id="resitem_1", item_id="iitem_1", sku="=SKU\x1b[2J", title=HOSTILE, location_id="sloc_1",
        location="CD \x1b]0;pwned\x07 | [x](y)", quantity=2, line_item_id=None, description="@evil\x9b",
        created_at=NOW, metadata={},
    )


def test_the_reservations_report_is_inert() -> None:
    report = reservations.ReservationsReport(generated_at=NOW, stale_after_days=7, reservations=[_reserved()])
    report.levels = reservations._levels(report.reservations, _context())
    report.filters["location"] = "CD \x1b]0;pwned\x07 | [x](y)"
    markdown = reservations.render_markdown(report)
    assert not CONTROL.search(markdown)
    assert "## CD \\| \\[x\\](y)\n" in markdown
    assert "Filters: location CD \\| \\[x\\](y)." in markdown
    title = "A\\|B \\[x\\](file:///etc/passwd) \\<img src=x\\> \\`c\\` \\\\"  # one cell: no pipe of the data splits it
    assert [line for line in markdown.splitlines() if line.startswith("| =SKU")] == [
        f"| =SKU | {title} | 0 | 0 | 0 | 0 | no stock |",
        f"| =SKU | {title} | 2 | manual | — | — | — | — | @evil | 0m | resitem_1 |",
    ]
    rows = list(csv.reader(io.StringIO(reservations.render_csv(report))))
    assert rows[1][:4] == ["resitem_1", "CD  | [x](y)", "'=SKU", "A|B\n[x](file:///etc/passwd) <img src=x> `c` \\ "]
    assert rows[1][11] == "'@evil"


def _context():
    class Context:
        items: dict = {}

    return Context()


def test_the_stock_report_is_inert() -> None:
    row = stock.StockRow(
        sku="+SKU", title=HOSTILE, location="CD \x1b[2J", location_id="sloc_1", stocked=1, reserved=4,
        available=-3, incoming=0, low_stock_threshold=5, status="backordered",
    )
    report = stock.StockReport(generated_at=NOW, status=None, rows=[row], summary=_summary())
    markdown = stock.render_markdown(report)
    assert not CONTROL.search(markdown)
    line = next(line for line in markdown.splitlines() if line.startswith("| +SKU"))
    assert line == (
        "| +SKU | A\\|B \\[x\\](file:///etc/passwd) \\<img src=x\\> \\`c\\` \\\\ | CD "
        "| 1 | 4 | -3 | 0 | 5 | backordered |"
    )
    text = stock.render_csv(report)
    assert not CONTROL.search(text)
    assert list(csv.reader(io.StringIO(text)))[1] == [
        "'+SKU", "A|B\n[x](file:///etc/passwd) <img src=x> `c` \\ ", "CD ", "sloc_1",
        "1", "4", "-3", "0", "5", "backordered",
    ]


def _summary() -> dict:
    return {
        "items": 1, "items_without_levels": 0, "locations": 1, "levels": 1,
        "totals": {"stocked": 1, "reserved": 4, "available": -3, "incoming": 0},
        "by_status": {"in_stock": 0, "low_stock": 0, "out_of_stock": 0, "backordered": 1},
    }
