"""`fulfill`: ship reserved units. An open order's reservation goes through Medusa's order
fulfilment (medusa_sync.operations.order_fulfilment); an orphaned one is refused (release it);
a manual one (made with `reserve`) takes the path below: remove the reservation AND lower
stocked by its quantity, safe to interrupt.

Order, per reservation; the reservation's own metadata (`medusa_sync_fulfill`) carries the state:
  1. mark    POST /admin/reservations/:id  metadata {operation_id, quantity, stocked_before,
             stocked_after, step: "lowering"}; the audit log gets a `pending` record
  2. lower   POST /admin/inventory-items/:item/location-levels/:location {stocked_quantity:
             stocked_after}: an absolute value, so sending it twice lowers the stock once
  3. mark    the same metadata with step "lowered"
  4. delete  DELETE /admin/reservations/:id; re-read the level; the audit log gets the `ok` record
Between 2 and 4 the units count as shipped and as reserved: availability is under-stated for a
moment, never over-stated. Deleting first would be the unsafe order: a crash then would forget
that stock must still be lowered.

A re-run of the same command reads the marker and completes what is missing:
  - no marker: starts at 1;
  - "lowering": stocked = stocked_before → lowers; = stocked_after → already lowered, goes on;
    anything else → StoreChangedError (exit 5), giving the numbers: the level was changed by
    someone else meanwhile, and whether it was lowered cannot be told;
  - "lowered": goes straight to 4;
  - the reservation is gone: it was fulfilled (NotFoundError, exit 9; see `medusa-sync audit`).

No write from a stale read: right before step 2 the item is read again. When this run just
marked the reservation and the level moved since (a sync wrote 50 where 100 was read), the
target is computed again from that read (50 − 7 = 43, not 93), the stock check made again, and the
marker and `pending` record rewritten with those numbers (one more POST, only then) before the
write. The read after step 4 must show the stocked written; otherwise the outcome's note says so.

Requests per reservation: GET reservation (or the line item's) · GET locations · GET item ·
POST mark · GET item (re-read) · (POST mark again, when the level moved) · POST level · POST mark
· DELETE · GET item (verify). A re-run skips what is done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medusa_sync.audit import AuditLog, new_operation_id
from medusa_sync.errors import GuardError, NotFoundError, UsageError
from medusa_sync.store import (
    FULFILL_MARKER,
    ORDER,
    ORPHANED,
    Locations,
    OrderLine,
    Reserved,
    StockContext,
    StockItem,
    item_by_id,
    numbers,
    order_by_number,
    order_lines,
)

from .order_fulfilment import fulfil_order_lines
from .outcome import Outcome, recorded, start_pending
from .reservations import reservation_outcome, reservations_for
from .steps import fresh_level, still_to_do, unexpected

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


def fulfill(
    client: MedusaClient,
    audit: AuditLog,
    *,
    reservation_id: str | None = None,
    line_item_id: str | None = None,
    order_number: int | None = None,
    reason: str | None = None,
    repair: bool = False,
) -> list[Outcome]:
    """Fulfil a reservation, a line item's reservations, or (`order_number`) every line of an
    order. A re-run of an order's fulfilment reports it as already fulfilled and changes nothing.
    `repair`: write back stock Medusa lowered where nothing shipped (see order_fulfilment)."""
    if order_number is not None:
        if reservation_id is not None or line_item_id is not None:
            raise UsageError("give a reservation id, --line-item or --order, only one")
        lines = order_by_number(client, order_number)
        if not lines:
            raise NotFoundError(f"no order #{order_number}")
        context = StockContext(Locations.read(client), {}, {line.line_item_id: line for line in lines})
        return fulfil_order_lines(client, audit, lines, context, reason=reason, repair=repair)
    try:
        rows = reservations_for(client, reservation_id, line_item_id)
    except NotFoundError:
        done = _fulfilled_lines(client, audit, reservation_id, line_item_id)
        if not done:
            raise
        return fulfil_order_lines(client, audit, done, StockContext(Locations.read(client), {}), reason=reason, repair=repair)
    # classified without reading the items: the manual path reads each item fresh itself
    context = StockContext(Locations.read(client), {}, order_lines(client, (row.get("line_item_id") for row in rows)))
    reservations = [context.describe(row) for row in rows]
    for reserved in reservations:
        if reserved.kind == ORPHANED:
            raise GuardError(
                f"fulfill {reserved.sku} at {reserved.location} (reservation {reserved.id}): it is {reserved.whose}, "
                "so nothing will ship against it; nothing was changed",
                hint=f"release it: `medusa-sync release {reserved.id}`",
            )
    lines = list({r.order.line_item_id: r.order for r in reservations if r.kind == ORDER and r.order}.values())
    outcomes = fulfil_order_lines(client, audit, lines, context, reason=reason, repair=repair) if lines else []
    return outcomes + [
        _fulfill_one(client, audit, context.locations, row, reason)
        for row, reserved in zip(rows, reservations)
        if reserved.kind != ORDER
    ]


def _fulfilled_lines(
    client: MedusaClient, audit: AuditLog, reservation_id: str | None, line_item_id: str | None
) -> list[OrderLine]:
    """The order lines a gone reservation or line item belonged to, when they are fulfilled: the
    line item itself, or for a reservation id its `fulfill` record in the audit log."""
    if line_item_id is None:
        line_item_id = next(
            (
                record.get("line_item")
                for record in audit.records()
                if record.get("operation") == "fulfill" and record.get("reference") == reservation_id and record.get("order")
            ),
            None,
        )
    lines = order_lines(client, [line_item_id])
    return [line for line in lines.values() if line.remaining == 0]


def _fulfill_one(
    client: MedusaClient, audit: AuditLog, locations: Locations, row: dict[str, Any], reason: str | None
) -> Outcome:
    item = item_by_id(client, row["inventory_item_id"])  # fresh: an earlier fulfilment may have moved it
    context = StockContext(locations, {item.id: item})
    reserved = context.describe(row)
    level = item.level(reserved.location_id)
    outcome = reservation_outcome("fulfill", reserved, context, amount=reserved.quantity, reason=reason)
    with recorded(audit, outcome):
        marker = reserved.fulfilling
        started = marker is None
        if marker is None:
            marker = _start(client, audit, reserved, outcome, level.stocked if level else None)
        else:
            outcome.operation_id, outcome.result = marker.get("operation_id"), "pending"
            outcome.quantity = int(marker["quantity"])
        if marker["step"] == "lowering":
            item, now = fresh_level(client, item.id, reserved.location_id)
            if started and now["stocked"] != marker["stocked_before"]:
                marker = _restart(client, audit, reserved, outcome, now["stocked"])
            _lower(client, reserved, item, marker)
            _mark(client, reserved, {**marker, "step": "lowered"})
        client.reservations.delete(reserved.id)
        outcome.after = numbers(item_by_id(client, item.id).level(reserved.location_id))
        outcome.message = unexpected(
            f"fulfill {reserved.sku} at {reserved.location} (reservation {reserved.id})", int(marker["stocked_after"]), outcome.after
        )
    return outcome


def _start(
    client: MedusaClient, audit: AuditLog, reserved: Reserved, outcome: Outcome, stocked: int | None
) -> dict[str, Any]:
    what = f"fulfill {reserved.quantity} of {reserved.sku} at {reserved.location} (reservation {reserved.id})"
    if reserved.quantity <= 0:
        raise GuardError(f"{what}: a reservation of {reserved.quantity} ships nothing; release it instead")
    _check_stocked(what, reserved, stocked)
    return _marked(client, audit, reserved, outcome, new_operation_id(), stocked or 0)


def _restart(client: MedusaClient, audit: AuditLog, reserved: Reserved, outcome: Outcome, stocked: int) -> dict[str, Any]:
    """The level moved between the first read and the re-read: mark again from the re-read."""
    what = f"fulfill {reserved.quantity} of {reserved.sku} at {reserved.location} (reservation {reserved.id}, re-read)"
    try:
        _check_stocked(what, reserved, stocked)
    except GuardError:
        outcome.result = "refused"  # nothing was lowered: take the marker off (Medusa drops a key set to "")
        client.reservations.update(reserved.id, metadata={**reserved.metadata, FULFILL_MARKER: ""})
        raise
    return _marked(client, audit, reserved, outcome, outcome.operation_id or new_operation_id(), stocked)


def _check_stocked(what: str, reserved: Reserved, stocked: int | None) -> None:
    if stocked is None or stocked < reserved.quantity:
        raise GuardError(f"{what}: only {stocked or 0} stocked there, cannot ship {reserved.quantity}")


def _marked(
    client: MedusaClient, audit: AuditLog, reserved: Reserved, outcome: Outcome, operation_id: str, stocked: int
) -> dict[str, Any]:
    marker = {
        "operation_id": operation_id,
        "quantity": reserved.quantity,
        "stocked_before": stocked,
        "stocked_after": stocked - reserved.quantity,
        "step": "lowering",
    }
    _mark(client, reserved, marker)
    start_pending(audit, outcome, operation_id, f"lowering stocked {stocked} → {marker['stocked_after']}")
    return marker


def _lower(client: MedusaClient, reserved: Reserved, item: StockItem, marker: dict[str, Any]) -> None:
    level = item.level(reserved.location_id)
    current = level.stocked if level else 0
    what = f"fulfill {reserved.sku} at {reserved.location} (reservation {reserved.id})"
    if still_to_do(current, int(marker["stocked_before"]), int(marker["stocked_after"]), what=what):
        client.inventory_items.update_level(item.id, reserved.location_id, stocked_quantity=int(marker["stocked_after"]))


def _mark(client: MedusaClient, reserved: Reserved, marker: dict[str, Any]) -> None:
    client.reservations.update(reserved.id, metadata={**reserved.metadata, FULFILL_MARKER: marker})
