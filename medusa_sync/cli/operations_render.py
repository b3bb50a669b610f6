"""How stock operations, availability, reports and audit records look on a terminal (JSON goes
through `render.print_json`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from rich.table import Table
from rich.text import Text

from medusa_sync.cli.render import out
from medusa_sync.durations import format_age
from medusa_sync.normalize.text import plural
from medusa_sync.operations import Availability, Outcome, Sweep
from medusa_sync.reports import stock as stock_report
from medusa_sync.store import Reserved


def _change(before: Mapping[str, int] | None, after: Mapping[str, int] | None) -> str:
    before, after = before or {}, after or {}
    return ", ".join(f"{name} {before.get(name)} → {after.get(name)}" for name in ("stocked", "reserved", "available"))


def _head(outcome: Outcome) -> str:
    if outcome.operation == "adjust":
        return f"adjust {outcome.sku} at {outcome.location} by {outcome.quantity:+d}"
    if outcome.operation == "set":
        return f"set {outcome.sku} at {outcome.location} to {outcome.quantity}"
    if outcome.destination is not None:
        return f"transfer {outcome.quantity} of {outcome.sku}"
    reference = f" ({outcome.reference})" if outcome.reference else ""
    order = f" for order {outcome.order}" if outcome.order else ""
    return f"{outcome.operation} {outcome.quantity} of {outcome.sku}{reference}{order} at {outcome.location}"


def outcome_lines(outcome: Outcome) -> list[str]:
    if outcome.before is None and outcome.after is None and outcome.message:
        return [f"{outcome.operation} {outcome.sku}: {outcome.message}"]  # nothing was done
    if outcome.destination is None:
        lines = [f"{_head(outcome)}: {_change(outcome.before, outcome.after)}"]
    else:
        before, after = outcome.before or {}, outcome.after or {}
        lines = [
            _head(outcome),
            f"  from {outcome.location}: {_change(before.get('source'), after.get('source'))}",
            f"  to {outcome.destination}: {_change(before.get('destination'), after.get('destination'))}",
        ]
    if outcome.message:
        lines.append(f"  note: {outcome.message}")
    return lines


def print_outcomes(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        for line in outcome_lines(outcome):
            out.print(line, markup=False)


def availability_json(result: Availability) -> dict[str, Any]:
    return {**asdict(result), "confirmed": result.confirmed}


def _print_held(result: Availability) -> None:
    for reserved in result.reservations:
        out.print(f"  held: {reserved.quantity} of {reserved.sku} at {reserved.location} by {reserved.whose} ({reserved.id})", markup=False)


def print_availability(result: Availability) -> None:
    where = "every location" if result.every_location else ", ".join(result.locations)
    verdict = "can" if result.confirmed else "cannot"
    if result.kind == "item":
        out.print(f"{result.sku} ({result.title}): {result.available} available at {where}", markup=False)
        for stock in result.by_location:
            out.print(f"  {stock.location}: stocked {stock.stocked}, reserved {stock.reserved}, available {stock.available}", markup=False)
        _print_held(result)
        out.print(f"{result.quantity} {verdict} be confirmed", markup=False)
        return
    limiting = result.limiting
    assert limiting is not None
    stocked_at = ", ".join(f"{stock.location} {stock.available}" for stock in limiting.locations) or "nowhere"
    out.print(f"kit {result.sku} ({result.title}): {result.available} can be built from the stock at {where}", markup=False)
    out.print(
        f"  limited by {limiting.sku} ({limiting.title}): {limiting.available} available ({stocked_at}), {limiting.required:g} per kit",
        markup=False,
    )
    for component in result.components:
        out.print(
            f"  {component.sku}: {component.available} available, {component.required:g} per kit → {component.kits} kits",
            markup=False,
        )
    _print_held(result)
    out.print(f"{result.quantity} {verdict} be confirmed", markup=False)


def sweep_json(sweep: Sweep) -> dict[str, Any]:
    return {
        "cutoff": sweep.cutoff.isoformat(),
        "older_than": sweep.older_than,
        "dry_run": sweep.dry_run,
        "stale": [_reserved_json(reserved, sweep) for reserved in sweep.stale],
        "skipped_fulfilment_in_progress": [reserved.id for reserved in sweep.skipped],
        "spared_open_orders": [_reserved_json(reserved, sweep) for reserved in sweep.spared],
        "released": [outcome.record() for outcome in sweep.released],
    }


def _reserved_json(reserved: Reserved, sweep: Sweep) -> dict[str, Any]:
    return {
        "id": reserved.id,
        "sku": reserved.sku,
        "location": reserved.location,
        "quantity": reserved.quantity,
        "line_item_id": reserved.line_item_id,
        "kind": reserved.kind,
        "order": reserved.order.number if reserved.order else None,
        "held_for": reserved.whose,
        "created_at": reserved.created_at.isoformat() if reserved.created_at else None,
        "age": format_age(reserved.age(sweep.now)),
    }


def print_sweep(sweep: Sweep) -> None:
    verb = "would release" if sweep.dry_run else "released"
    found = (
        f"{plural(len(sweep.stale), 'manual reservation')} older than {sweep.older_than} (created before "
        f"{sweep.cutoff:%Y-%m-%d %H:%M} UTC) or orphaned"
    )
    out.print(f"{found}; {verb}:" if sweep.stale else found, markup=False)
    for reserved in sweep.stale:
        out.print(
            f"  {reserved.id}: {reserved.quantity} of {reserved.sku} at {reserved.location}, {reserved.whose}, "
            f"line item {reserved.line_item_id or '—'}, {format_age(reserved.age(sweep.now))} old",
            markup=False,
        )
    for number, spared in _by_order(sweep.spared).items():
        held = ", ".join(f"{r.quantity} of {r.sku} at {r.location}" for r in spared)
        out.print(f"  spared order {number} ({spared[0].order.status if spared[0].order else '?'}): {held}", markup=False)
    for reserved in sweep.skipped:
        out.print(f"  skipped {reserved.id}: its fulfilment is in progress (run `medusa-sync fulfill {reserved.id}`)", markup=False)
    if sweep.released:
        print_outcomes(sweep.released)


def _by_order(reservations: list[Reserved]) -> dict[str, list[Reserved]]:
    grouped: dict[str, list[Reserved]] = {}
    for reserved in reservations:
        grouped.setdefault(reserved.order.number if reserved.order else "?", []).append(reserved)
    return grouped


def audit_line(record: Mapping[str, Any]) -> str:
    """One record on one line (its message, if any, on a second)."""
    where = record.get("location") or "?"
    if record.get("destination"):
        where = f"{where} → {record['destination']}"
    before, after = _level(record.get("before")), _level(record.get("after"))
    line = (
        f"{str(record.get('time', ''))[:19]} {record.get('actor')} {record.get('operation')} "
        f"{record.get('sku')} at {where}, quantity {record.get('quantity')}: {record.get('result')}"
    )
    if before and after:
        line += f"; stocked {before.get('stocked')} → {after.get('stocked')}, reserved {before.get('reserved')} → {after.get('reserved')}"
    if record.get("reference") or record.get("operation_id"):
        line += f" [{record.get('reference') or record.get('operation_id')}]"
    return line + (f"\n    {record['message']}" if record.get("message") else "")


def print_audit(records: list[dict[str, Any]]) -> None:
    for record in records:
        out.print(audit_line(record), markup=False)
    out.print(plural(len(records), "record"), markup=False)


def _level(numbers: Any) -> Mapping[str, Any]:
    """A record's before/after: one level, or a transfer's source."""
    if not isinstance(numbers, Mapping):
        return {}
    return numbers.get("source", numbers)


def print_stock_report(report: stock_report.StockReport) -> None:
    """`report stock --format table`: the summary and the levels as terminal tables."""
    generated = f"Stock report, generated {report.generated_at:%Y-%m-%d %H:%M} UTC from the live store"
    summary = Table("Summary", "", title=generated)
    summary.columns[1].justify = "right"
    for name, figure in stock_report.figures(report).items():
        summary.add_row(Text(name), Text(str(figure)))
    out.print(summary)
    if not report.rows:
        out.print(f"{stock_report.levels_heading(report)}: none.", markup=False)
        return
    levels = Table(title=stock_report.levels_heading(report))
    for column in stock_report.COLUMNS:
        levels.add_column(column, justify="right" if column in stock_report.NUMERIC_COLUMNS else "left")
    for row in report.rows:
        levels.add_row(*(Text(str(cell)) for cell in stock_report.cells(row)))
    out.print(levels)
