"""The reservations report (`inventory_reservations_report.md`): active reservations by location
and item, each one's holder (an order: its number, status, fulfilment status and the SKU ordered;
manual; or orphaned), each reserved level's allocation, the kits whose components are reserved,
the stale reservations, and totals. Also as CSV (one row per reservation) and JSON.

Requests: GET locations · GET reservations (trimmed fields, page by page; location and minimum
age filtered by Medusa) · GET the reserved items by id (with their variants) · GET orders
(trimmed, only when a reservation has an order line item) · GET those variants by id (to find
the kits) · GET the kits' other components by id. Id lists are chunked,
so requests grow with pages and chunks, never with reservations. The same store state and `now`
always give the same Markdown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from medusa_sync.audit import utc_now
from medusa_sync.config import Rules
from medusa_sync.durations import format_age
from medusa_sync.store import (
    MANUAL,
    ORDER,
    ORPHANED,
    Locations,
    Reserved,
    StockContext,
    StockItem,
    items_by_ids,
    kit_components,
    kits_by_variant_ids,
    order_lines,
    read_reservations,
)

from . import spreadsheet
from .markdown import inline, table

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient

COVERED, OVER_COMMITTED, NO_STOCK = "covered", "over-committed", "no stock"


@dataclass(frozen=True)
class LevelRow:
    location_id: str
    location: str
    sku: str
    title: str
    stocked: int
    reserved: int
    available: int
    incoming: int

    @property
    def allocation(self) -> str:
        if self.available < 0:
            return OVER_COMMITTED
        return NO_STOCK if self.stocked == 0 else COVERED


@dataclass(frozen=True)
class AffectedKit:
    sku: str
    title: str
    reserved_components: list[str]  # "SKU: N reserved, M per kit"
    buildable: int  # from the stock available now at every location
    limited_by: str


@dataclass
class ReservationsReport:
    generated_at: datetime
    stale_after_days: int
    filters: dict[str, str] = field(default_factory=dict)
    reservations: list[Reserved] = field(default_factory=list)  # by location name, SKU, age
    levels: list[LevelRow] = field(default_factory=list)  # by location name, SKU
    kits: list[AffectedKit] = field(default_factory=list)  # by SKU

    def is_stale(self, reserved: Reserved) -> bool:
        return reserved.age(self.generated_at) > timedelta(days=self.stale_after_days)

    @property
    def stale(self) -> list[Reserved]:
        return [reserved for reserved in self.reservations if self.is_stale(reserved)]

    def totals(self) -> dict[str, int]:
        return {
            "reservations": len(self.reservations),
            "reserved_units": sum(reserved.quantity for reserved in self.reservations),
            "items": len({reserved.item_id for reserved in self.reservations}),
            "locations": len({reserved.location_id for reserved in self.reservations}),
            "over_committed_levels": sum(level.allocation == OVER_COMMITTED for level in self.levels),
            "levels_without_stock": sum(level.allocation == NO_STOCK for level in self.levels),
            "order_reservations": sum(reserved.kind == ORDER for reserved in self.reservations),
            "manual_reservations": sum(reserved.kind == MANUAL for reserved in self.reservations),
            "orphaned_reservations": sum(reserved.kind == ORPHANED for reserved in self.reservations),
            "stale_reservations": len(self.stale),
            "stale_units": sum(reserved.quantity for reserved in self.stale),
            "kits_affected": len(self.kits),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "stale_after_days": self.stale_after_days,
            "filters": self.filters,
            "totals": self.totals(),
            "reservations": [self._reservation_json(reserved) for reserved in self.reservations],
            "levels": [{**vars(level), "allocation": level.allocation} for level in self.levels],
            "kits": [vars(kit) for kit in self.kits],
        }

    def _reservation_json(self, reserved: Reserved) -> dict[str, Any]:
        age = reserved.age(self.generated_at)
        return {
            "id": reserved.id,
            "location": reserved.location,
            "location_id": reserved.location_id,
            "sku": reserved.sku,
            "title": reserved.title,
            "inventory_item_id": reserved.item_id,
            "quantity": reserved.quantity,
            "line_item_id": reserved.line_item_id,
            "description": reserved.description,
            "kind": reserved.kind,
            "order": _order_json(reserved),
            "created_at": reserved.created_at.isoformat() if reserved.created_at else None,
            "age_seconds": int(age.total_seconds()),
            "stale": self.is_stale(reserved),
        }


def _order_json(reserved: Reserved) -> dict[str, Any] | None:
    order = reserved.order
    if order is None:
        return None
    return {
        "id": order.order_id,
        "display_id": order.display_id,
        "number": order.number,
        "status": order.status,
        "fulfillment_status": order.fulfillment_status,
        "sku_ordered": order.sku,
        "quantity_ordered": order.quantity,
    }


def holder(reserved: Reserved) -> str:
    """The report's "Held for" cell: "order #12", "manual", "orphaned: order #9 canceled"."""
    if reserved.kind == MANUAL:
        return "manual"
    if reserved.order is None:
        return "orphaned: order gone"
    if reserved.kind == ORPHANED:
        return f"orphaned: order {reserved.order.number} {reserved.order.status}"
    return f"order {reserved.order.number}"


CSV_COLUMNS = (
    "reservation", "location", "sku", "title", "quantity", "held_for", "order", "order_status",
    "fulfillment_status", "sku_ordered", "line_item_id", "description", "created_at", "age", "stale",
)


def render_csv(report: ReservationsReport) -> str:
    """One row per reservation, in the report's order (cells made inert: reports.spreadsheet)."""
    return spreadsheet.render(
        CSV_COLUMNS,
        (
            [
                r.id, r.location, r.sku, r.title, r.quantity, r.kind,
                r.order.number if r.order else "", r.order.status if r.order else "",
                r.order.fulfillment_status if r.order else "", r.order.sku if r.order else "",
                r.line_item_id or "", r.description or "",
                r.created_at.isoformat() if r.created_at else "", format_age(r.age(report.generated_at)),
                "yes" if report.is_stale(r) else "no",
            ]
            for r in report.reservations
        ),
    )


def build_reservations_report(
    client: MedusaClient,
    rules: Rules,
    *,
    location: str | None = None,
    sku_prefix: str | None = None,
    distributor: str | None = None,
    min_age_days: float | None = None,
    now: datetime | None = None,
) -> ReservationsReport:
    """Read the store and build the report; `location` is an id or a name, `min_age_days` keeps
    reservations at least that old, `now` fixes the time ages are counted from."""
    report = ReservationsReport(generated_at=now or utc_now(), stale_after_days=rules.report.stale_after_days)
    locations = Locations.read(client)
    query: dict[str, Any] = {}
    if location is not None:
        query["location_id"] = locations.resolve(location)
        report.filters["location"] = locations.name(query["location_id"])
    if min_age_days is not None:
        query["created_at[$lte]"] = (report.generated_at - timedelta(days=min_age_days)).isoformat()
        report.filters["minimum age"] = format_age(timedelta(days=min_age_days))
    if sku_prefix:
        report.filters["SKU prefix"] = sku_prefix
    if distributor:
        report.filters["distributor"] = distributor
    rows = read_reservations(client, **query)
    context = StockContext(
        locations,
        items_by_ids(client, {row["inventory_item_id"] for row in rows}, with_variants=True),
        order_lines(client, (row.get("line_item_id") for row in rows)),
    )
    kept = [
        reserved
        for reserved in map(context.describe, rows)
        if _wanted(context.items.get(reserved.item_id), sku_prefix, distributor)
    ]
    report.reservations = sorted(kept, key=lambda r: (r.location, r.location_id, r.sku, r.created_at or report.generated_at, r.id))
    report.levels = _levels(report.reservations, context)
    report.kits = _affected_kits(client, report.reservations, context)
    return report


def _wanted(item: StockItem | None, sku_prefix: str | None, distributor: str | None) -> bool:
    if item is None:
        return not (sku_prefix or distributor)
    if sku_prefix and not item.sku.startswith(sku_prefix):
        return False
    return not distributor or str(item.metadata.get("distributor", "")).casefold() == distributor.casefold()


def _levels(reservations: Iterable[Reserved], context: StockContext) -> list[LevelRow]:
    rows = {}
    for reserved in reservations:
        item = context.items.get(reserved.item_id)
        level = item.level(reserved.location_id) if item else None
        rows[(reserved.location, reserved.location_id, reserved.sku)] = LevelRow(
            location_id=reserved.location_id,
            location=reserved.location,
            sku=reserved.sku,
            title=reserved.title,
            stocked=level.stocked if level else 0,
            reserved=level.reserved if level else 0,
            available=level.available if level else 0,
            incoming=level.incoming if level else 0,
        )
    return [rows[key] for key in sorted(rows)]


def _affected_kits(client: MedusaClient, reservations: list[Reserved], context: StockContext) -> list[AffectedKit]:
    reserved_units: dict[str, int] = {}
    for reserved in reservations:
        reserved_units[reserved.item_id] = reserved_units.get(reserved.item_id, 0) + reserved.quantity
    variant_ids = {
        variant_id for item_id in reserved_units if (item := context.items.get(item_id)) for variant_id in item.variant_ids
    }
    kits = kits_by_variant_ids(client, variant_ids)
    items = dict(context.items)
    items.update(items_by_ids(client, {item_id for kit in kits for item_id in kit.components} - items.keys()))
    affected = []
    for kit in kits:
        components = kit_components(kit, items, context.locations.names, context.locations)
        reserved_here = sorted(
            f"{component.sku}: {reserved_units[component.item_id]} reserved, {component.required:g} per kit"
            for component in components
            if component.item_id in reserved_units
        )
        affected.append(AffectedKit(kit.sku, kit.title, reserved_here, components[0].kits, components[0].sku))
    return affected


_TOTALS = {
    "reservations": "Reservations",
    "reserved_units": "Units reserved",
    "items": "Items",
    "locations": "Locations",
    "over_committed_levels": "Over-committed levels",
    "levels_without_stock": "Levels without stock",
    "order_reservations": "For orders",
    "manual_reservations": "Manual",
    "orphaned_reservations": "Orphaned",
    "stale_reservations": "Stale",
    "kits_affected": "Kits affected",
}


def render_markdown(report: ReservationsReport) -> str:
    totals = report.totals()
    lines = ["# Inventory reservations", "", _preamble(report), ""]
    lines += ["## Totals", ""]
    lines += table(list(_TOTALS.values()), [[totals[key] for key in _TOTALS]], numeric=list(_TOTALS.values()))
    if not report.reservations:
        lines += ["", "No active reservations."]
    for location_id in dict.fromkeys(reserved.location_id for reserved in report.reservations):
        lines += ["", *_location_section(report, location_id)]
    lines += ["", "## Kits affected by reserved components", ""]
    lines += _kits_section(report) if report.kits else ["No kit has a reserved component."]
    lines += ["", f"## Stale reservations (older than {report.stale_after_days} days)", ""]
    lines += _stale_section(report) if report.stale else ["None."]
    return "\n".join(lines) + "\n"


def _preamble(report: ReservationsReport) -> str:
    text = f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC from the live store."
    if report.filters:
        text += " Filters: " + ", ".join(f"{name} {inline(value)}" for name, value in report.filters.items()) + "."
    return text


_LEVEL_NUMBERS = ("Stocked", "Reserved", "Available", "Incoming")


def _location_section(report: ReservationsReport, location_id: str) -> list[str]:
    levels = [level for level in report.levels if level.location_id == location_id]
    reservations = [reserved for reserved in report.reservations if reserved.location_id == location_id]
    lines = [f"## {inline(levels[0].location)}", ""]
    lines += table(
        ["SKU", "Title", *_LEVEL_NUMBERS, "Allocation"],
        [[row.sku, row.title, row.stocked, row.reserved, row.available, row.incoming, row.allocation] for row in levels],
        numeric=_LEVEL_NUMBERS,
    )
    lines.append("")
    lines += table(
        ["SKU", "Title", "Quantity", "Held for", "Order status", "Fulfilment", "SKU ordered", "Line item", "Description", "Age", "Reservation"],
        [
            [
                r.sku, r.title, r.quantity, holder(r),
                r.order.status if r.order else None, r.order.fulfillment_status if r.order else None, r.order.sku if r.order else None,
                r.line_item_id, r.description, format_age(r.age(report.generated_at)), r.id,
            ]
            for r in reservations
        ],
        numeric=("Quantity",),
    )
    return lines


def _kits_section(report: ReservationsReport) -> list[str]:
    return [
        "Kits buildable now count the stock available at every location.",
        "",
        *table(
            ["Kit SKU", "Kit", "Reserved components", "Kits buildable now", "Limited by"],
            [[kit.sku, kit.title, "; ".join(kit.reserved_components), kit.buildable, kit.limited_by] for kit in report.kits],
            numeric=("Kits buildable now",),
        ),
    ]


def _stale_section(report: ReservationsReport) -> list[str]:
    stale = sorted(report.stale, key=lambda r: (r.created_at or report.generated_at, r.id))
    return table(
        ["Reservation", "Location", "SKU", "Quantity", "Held for", "Line item", "Age"],
        [[r.id, r.location, r.sku, r.quantity, holder(r), r.line_item_id, format_age(r.age(report.generated_at))] for r in stale],
        numeric=("Quantity",),
    )
