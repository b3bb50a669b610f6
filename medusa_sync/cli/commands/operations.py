"""Stock operations on the live store: availability, reserve, release (and the stale sweeper),
fulfill, adjust, set, transfer; `register` also adds `report …` and `audit`.

Each command parses, calls one function of medusa_sync.operations, and renders; `--json` prints
the audit record(s) of what was done. Refusals exit 4 and give the SKU, location and numbers;
`availability` exits 1 when the quantity cannot be confirmed. See docs/operations.md.
"""

from __future__ import annotations

from typing import Annotated

import typer

from medusa_sync import operations
from medusa_sync.cli import operations_render as show
from medusa_sync.cli.commands import audit, reports
from medusa_sync.cli.exit_codes import ExitCode
from medusa_sync.cli.live import audit_log, store_client, writer_client
from medusa_sync.cli.options import Json, Wait, examples
from medusa_sync.cli.render import print_json
from medusa_sync.durations import parse_duration
from medusa_sync.errors import UsageError
from medusa_sync.store import channel_location_ids

Sku = Annotated[str, typer.Argument(help="Inventory item SKU (for availability also a kit SKU).")]
Location = Annotated[str, typer.Option("--location", "-l", help="Stock location id or name.")]
# Far above any real stock, far below what Medusa's integers hold: a typo, not a quantity.
MAX_QUANTITY = 10**9
Quantity = Annotated[int, typer.Option("--quantity", "-q", max=MAX_QUANTITY, help="Units, a whole number > 0.")]
Reason = Annotated[str, typer.Option("--reason", help="Why; kept in the audit log.")]
OptionalReason = Annotated[str | None, typer.Option("--reason", help="Why; kept in the audit log.")]
ReservationId = Annotated[str | None, typer.Argument(help="Reservation id (resitem_…).")]
Ref = Annotated[
    str | None,
    typer.Option("--ref", help="Idempotency key: a second run with the same key reports 'already done' and writes nothing."),
]
LineItem = Annotated[str | None, typer.Option("--line-item", help="Every reservation of this line item.")]


def _show(outcomes: list[operations.Outcome], json: bool) -> None:
    if json:
        print_json([outcome.record() for outcome in outcomes])
    else:
        show.print_outcomes(outcomes)


def availability(
    ctx: typer.Context,
    sku: Sku,
    quantity: Annotated[int, typer.Option("--quantity", "-q", min=0, max=MAX_QUANTITY, help="Units (or kits) to confirm.")] = 1,
    location: Annotated[list[str] | None, typer.Option("--location", "-l", help="Count only these locations (repeatable; default all).")] = None,
    sales_channel: Annotated[
        str | None,
        typer.Option("--sales-channel", help="Count only the locations in this sales channel (name or id), as its storefront does."),
    ] = None,
    json: Json = False,
) -> int:
    """Units of an item (or kits of a kit SKU) available now; exit 0 when QUANTITY can be confirmed, 1 when not."""
    if location and sales_channel:
        raise UsageError("give --location or --sales-channel, not both")
    with store_client(ctx) as client:
        locations = location or ()
        if sales_channel is not None:
            locations = channel_location_ids(client, sales_channel)
            if not locations:
                raise UsageError(f"sales channel {sales_channel!r} has no stock location: its storefront can sell nothing")
        result = operations.check_availability(client, sku, quantity=quantity, locations=locations)
    if json:
        print_json(show.availability_json(result))
    else:
        show.print_availability(result)
    return ExitCode.OK if result.confirmed else ExitCode.ERROR


def reserve(
    ctx: typer.Context,
    sku: Sku,
    location: Location,
    quantity: Quantity,
    line_item: Annotated[str | None, typer.Option("--line-item", help="The order line item this is for.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Reservation description; kept in the audit log.")] = None,
    ref: Ref = None,
    json: Json = False,
    wait: Wait = 0.0,
) -> None:
    """Reserve units at a location; refuses ≤ 0 and more than is available there (exit 4)."""
    with writer_client(ctx, "reserve", wait) as client:
        outcome = operations.reserve(client, audit_log(ctx), sku, location, quantity, line_item_id=line_item, note=note, ref=ref)
    _show([outcome], json)


def release(
    ctx: typer.Context,
    reservation_id: ReservationId = None,
    line_item: LineItem = None,
    quantity: Annotated[
        int | None, typer.Option("--quantity", "-q", max=MAX_QUANTITY, help="Release only this many units of one reservation.")
    ] = None,
    stale_older_than: Annotated[str | None, typer.Option("--stale-older-than", help="Sweeper: release every reservation older than this (7d, 12h).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --stale-older-than: list, release nothing.")] = False,
    reason: OptionalReason = None,
    force: Annotated[bool, typer.Option("--force", help="Release even an open order's reservation (the order then cannot be fulfilled in Medusa).")] = False,
    json: Json = False,
    wait: Wait = 0.0,
) -> None:
    """Release a reservation (all or --quantity), a line item's reservations, or the stale ones.
    An open order's reservation is refused (exit 4) without --force; the sweeper never releases one."""
    if stale_older_than is None:
        if dry_run:
            raise UsageError("--dry-run goes with --stale-older-than")
        with writer_client(ctx, "release", wait) as client:
            outcomes = operations.release(
                client, audit_log(ctx), reservation_id=reservation_id, line_item_id=line_item, amount=quantity, reason=reason, force=force
            )
        _show(outcomes, json)
        return
    if reservation_id or line_item or quantity is not None or force:
        raise UsageError("--stale-older-than releases whole reservations by age: give no id, --line-item, --quantity or --force")
    older_than = parse_duration(stale_older_than)  # a bad age is refused before the store is contacted
    with store_client(ctx) if dry_run else writer_client(ctx, "release", wait) as client:
        sweep = operations.sweep_stale(client, audit_log(ctx), older_than, dry_run=dry_run)
    if json:
        print_json(show.sweep_json(sweep))
    else:
        show.print_sweep(sweep)


def fulfill(
    ctx: typer.Context,
    reservation_id: ReservationId = None,
    line_item: LineItem = None,
    order: Annotated[int | None, typer.Option("--order", help="Every line of the order with this number (#N, its display id).")] = None,
    repair: Annotated[bool, typer.Option("--repair", help="Write back stock Medusa lowered where nothing shipped.")] = False,
    reason: OptionalReason = None,
    json: Json = False,
    wait: Wait = 0.0,
) -> None:
    """Ship reserved units. An order's reservations go through Medusa's order fulfilment (the order
    shows fulfilled; a re-run is a no-op); a manual one: lower stocked and remove it, resumable."""
    with writer_client(ctx, "fulfill", wait) as client:
        outcomes = operations.fulfill(
            client, audit_log(ctx), reservation_id=reservation_id, line_item_id=line_item, order_number=order, reason=reason, repair=repair
        )
    _show(outcomes, json)


def adjust(
    ctx: typer.Context,
    sku: Sku,
    location: Location,
    delta: Annotated[
        int, typer.Option("--delta", min=-MAX_QUANTITY, max=MAX_QUANTITY, help="Units to add (+N) or remove (-N).")
    ],
    reason: Reason,
    ref: Ref = None,
    json: Json = False,
    wait: Wait = 0.0,
) -> None:
    """Change stocked by a delta; never below zero or below what is reserved (exit 4)."""
    with writer_client(ctx, "adjust", wait) as client:
        outcome = operations.adjust(client, audit_log(ctx), sku, location, delta, reason=reason, ref=ref)
    _show([outcome], json)


def set_(
    ctx: typer.Context,
    sku: Sku,
    location: Location,
    quantity: Annotated[int, typer.Option("--quantity", "-q", min=0, max=MAX_QUANTITY, help="The counted stocked quantity.")],
    reason: Reason,
    ref: Ref = None,
    json: Json = False,
    wait: Wait = 0.0,
) -> None:
    """Set stocked to a counted quantity (cycle count); never below what is reserved (exit 4)."""
    with writer_client(ctx, "set", wait) as client:
        outcome = operations.set_stock(client, audit_log(ctx), sku, location, quantity, reason=reason, ref=ref)
    _show([outcome], json)


def transfer(
    ctx: typer.Context,
    sku: Sku,
    source: Annotated[str, typer.Option("--from", help="Source location id or name.")],
    destination: Annotated[str, typer.Option("--to", help="Destination location id or name.")],
    quantity: Quantity,
    reason: Reason,
    ref: Ref = None,
    json: Json = False,
    wait: Wait = 0.0,
) -> None:
    """Move stocked units between locations; refuses more than is available at the source (exit 4)."""
    with writer_client(ctx, "transfer", wait) as client:
        outcome = operations.transfer(client, audit_log(ctx), sku, source, destination, quantity, reason=reason, ref=ref)
    _show([outcome], json)


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "medusa-sync availability odex_inverters_ODEX-INV-SAJ-3000W -q 5",
            'medusa-sync availability fotus_kits_KP04 --sales-channel "Loja BR"',
        )
    )(availability)
    app.command(
        epilog=examples(
            'medusa-sync reserve solfacil_panels_4 -l "Solfacil CD" -q 2 --ref quote-118',
            'medusa-sync reserve solfacil_panels_4 -l "Solfacil CD" -q 2 --line-item ordli_1',
        )
    )(reserve)
    app.command(
        epilog=examples(
            "medusa-sync release resitem_01JDX8Q7N3",
            "medusa-sync release resitem_01JDX8Q7N3 --quantity 1",
            "medusa-sync release --line-item ordli_01JDX8",
            "medusa-sync release --stale-older-than 7d --dry-run",
        )
    )(release)
    app.command(
        epilog=examples(
            "medusa-sync fulfill --order 1042",
            'medusa-sync fulfill resitem_01JDX8Q7N3 --reason "picked up"',
        )
    )(fulfill)
    app.command(
        epilog=examples(
            'medusa-sync adjust solfacil_panels_4 -l "Solfacil CD" --delta -2 --reason broken',
            'medusa-sync adjust solfacil_panels_4 -l "Solfacil CD" --delta 10 --reason return',
        )
    )(adjust)
    app.command("set", epilog=examples('medusa-sync set solfacil_panels_4 -l "Solfacil CD" -q 42 --reason count'))(set_)
    app.command(
        epilog=examples('medusa-sync transfer solfacil_panels_4 --from "Solfacil CD" --to "Odex CD" -q 5 --reason move')
    )(transfer)
    reports.register(app)
    audit.register(app)
