"""`report stock`: every level's stocked / reserved / available / incoming and its health.

Status of a level, from available = stocked − reserved:
    backordered    available < 0 (reserved beyond stock)
    out_of_stock   available = 0
    low_stock      0 < available ≤ the item's low-stock threshold
    in_stock       above it
The threshold is the item's metadata `reorder_point` when it is a whole number ≥ 0, else the
longest matching SKU prefix in `[report.reorder_points]` of the rules file, else
`report.low_stock` (default 5).

Requests: GET locations · GET every item with its levels (page by page).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from medusa_sync.audit import utc_now
from medusa_sync.config import Rules, StockReportRules
from medusa_sync.errors import UsageError
from medusa_sync.store import Locations, StockItem, all_items

from . import spreadsheet
from .markdown import table

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

STATUSES = ("in_stock", "low_stock", "out_of_stock", "backordered")


@dataclass(frozen=True)
class StockRow:
    sku: str
    title: str
    location: str
    location_id: str
    stocked: int
    reserved: int
    available: int
    incoming: int
    low_stock_threshold: int
    status: str


@dataclass
class StockReport:
    generated_at: datetime
    status: str | None  # the --status filter
    rows: list[StockRow] = field(default_factory=list)  # the rows shown
    summary: dict[str, Any] = field(default_factory=dict)  # of every level, before --status

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "status": self.status,
            "summary": self.summary,
            "rows": [asdict(row) for row in self.rows],
        }


def low_stock_threshold(item: StockItem, rules: StockReportRules) -> int:
    point = item.metadata.get("reorder_point")
    if isinstance(point, int | str) and not isinstance(point, bool) and str(point).strip().isdigit():
        return int(point)
    prefixes = [prefix for prefix in rules.reorder_points if item.sku.startswith(prefix)]
    return rules.reorder_points[max(prefixes, key=len)] if prefixes else rules.low_stock


def status_of(available: int, threshold: int) -> str:
    if available < 0:
        return "backordered"
    if available == 0:
        return "out_of_stock"
    return "low_stock" if available <= threshold else "in_stock"


def build_stock_report(
    client: MedusaClient, rules: Rules, *, status: str | None = None, now: datetime | None = None
) -> StockReport:
    if status is not None and status not in STATUSES:
        raise UsageError(f"--status {status!r}: choose one of {', '.join(STATUSES)}")
    locations = Locations.read(client)
    items = sorted(all_items(client), key=lambda item: (item.sku, item.id))
    rows = [
        _row(item, level_location, locations, low_stock_threshold(item, rules.report))
        for item in items
        for level_location in sorted(item.levels, key=lambda location_id: (locations.name(location_id), location_id))
    ]
    return StockReport(
        generated_at=now or utc_now(),
        status=status,
        rows=[row for row in rows if status is None or row.status == status],
        summary=_summary(rows, items),
    )


def _row(item: StockItem, location_id: str, locations: Locations, threshold: int) -> StockRow:
    level = item.levels[location_id]
    return StockRow(
        sku=item.sku,
        title=item.title,
        location=locations.name(location_id),
        location_id=location_id,
        stocked=level.stocked,
        reserved=level.reserved,
        available=level.available,
        incoming=level.incoming,
        low_stock_threshold=threshold,
        status=status_of(level.available, threshold),
    )


_TOTALS = ("stocked", "reserved", "available", "incoming")


def _summary(rows: list[StockRow], items: list[StockItem]) -> dict[str, Any]:
    counts = Counter(row.status for row in rows)
    return {
        "items": len(items),
        "items_without_levels": sum(not item.levels for item in items),
        "locations": len({row.location_id for row in rows}),
        "levels": len(rows),
        "totals": {name: sum(getattr(row, name) for row in rows) for name in _TOTALS},
        "by_status": {name: counts[name] for name in STATUSES},
    }


COLUMNS = ("SKU", "Title", "Location", "Stocked", "Reserved", "Available", "Incoming", "Low at", "Status")
NUMERIC_COLUMNS = COLUMNS[3:8]


def cells(row: StockRow) -> list[object]:
    """A row's values in the order of COLUMNS (the Markdown and the terminal table)."""
    return [row.sku, row.title, row.location, row.stocked, row.reserved, row.available, row.incoming, row.low_stock_threshold, row.status]


def figures(report: StockReport) -> dict[str, int]:
    """The summary as named figures (the Markdown and the terminal table)."""
    summary = report.summary
    return {
        "Items": summary["items"],
        "Items without levels": summary["items_without_levels"],
        "Locations": summary["locations"],
        "Levels": summary["levels"],
        **{name.capitalize(): summary["totals"][name] for name in _TOTALS},
        **{name: summary["by_status"][name] for name in STATUSES},
    }


def levels_heading(report: StockReport) -> str:
    return f"Levels with status {report.status}" if report.status else "Levels"


def render_markdown(report: StockReport) -> str:
    summary = figures(report)
    lines = ["# Stock report", "", f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC from the live store.", ""]
    lines += ["## Summary", ""]
    lines += table(list(summary), [list(summary.values())], numeric=list(summary))
    lines += ["", f"## {levels_heading(report)}", ""]
    lines += table(COLUMNS, map(cells, report.rows), numeric=NUMERIC_COLUMNS) if report.rows else ["None."]
    return "\n".join(lines) + "\n"


def render_csv(report: StockReport) -> str:
    """One row per level (cells made inert: reports.spreadsheet)."""
    return spreadsheet.render(list(StockRow.__dataclass_fields__), (asdict(row).values() for row in report.rows))


ALERT_STATUSES = ("low_stock", "out_of_stock")


def level_statuses(report: StockReport) -> dict[str, str]:
    """Each level's status keyed `SKU@location id`: the state `report stock --notify` keeps."""
    return {f"{row.sku}@{row.location_id}": row.status for row in report.rows}


def crossings(report: StockReport, previous: dict[str, str]) -> list[tuple[StockRow, str | None]]:
    """The levels now low or out of stock that were not in that status at the last report
    (`previous`, from `level_statuses`), each with its status then (None: not seen before)."""
    crossed = []
    for row in report.rows:
        before = previous.get(f"{row.sku}@{row.location_id}")
        if row.status in ALERT_STATUSES and before != row.status:
            crossed.append((row, before))
    return crossed
