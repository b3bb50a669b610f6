"""`fulfill`: remove a reservation AND lower stocked by its quantity, safe to interrupt.

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

Requests per reservation: GET reservation (or the line item's) · GET locations · GET item ·
POST mark · POST level · POST mark · DELETE · GET item (re-read). A re-run skips what is done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medusa_sync.audit import AuditLog, new_operation_id
from medusa_sync.errors import GuardError
from medusa_sync.store import FULFILL_MARKER, Locations, Reserved, StockContext, StockItem, item_by_id, numbers

from .outcome import Outcome, recorded, start_pending
from .reservations import reservation_outcome, reservations_for
from .steps import still_to_do

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


def fulfill(
    client: MedusaClient,
    audit: AuditLog,
    *,
    reservation_id: str | None = None,
    line_item_id: str | None = None,
    reason: str | None = None,
) -> list[Outcome]:
    rows = reservations_for(client, reservation_id, line_item_id)
    locations = Locations.read(client)
    return [_fulfill_one(client, audit, locations, row, reason) for row in rows]


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
        if marker is None:
            marker = _start(client, audit, reserved, outcome, level.stocked if level else None)
        else:
            outcome.operation_id, outcome.result = marker.get("operation_id"), "pending"
            outcome.quantity = int(marker["quantity"])
        if marker["step"] == "lowering":
            _lower(client, reserved, item, marker)
            _mark(client, reserved, {**marker, "step": "lowered"})
        client.reservations.delete(reserved.id)
        outcome.after = numbers(item_by_id(client, item.id).level(reserved.location_id))
    return outcome


def _start(
    client: MedusaClient, audit: AuditLog, reserved: Reserved, outcome: Outcome, stocked: int | None
) -> dict[str, Any]:
    what = f"fulfill {reserved.quantity} of {reserved.sku} at {reserved.location} (reservation {reserved.id})"
    if reserved.quantity <= 0:
        raise GuardError(f"{what}: a reservation of {reserved.quantity} ships nothing; release it instead")
    if stocked is None or stocked < reserved.quantity:
        raise GuardError(f"{what}: only {stocked or 0} stocked there, cannot ship {reserved.quantity}")
    marker = {
        "operation_id": new_operation_id(),
        "quantity": reserved.quantity,
        "stocked_before": stocked,
        "stocked_after": stocked - reserved.quantity,
        "step": "lowering",
    }
    _mark(client, reserved, marker)
    start_pending(audit, outcome, marker["operation_id"], f"lowering stocked {stocked} → {marker['stocked_after']}")
    return marker


def _lower(client: MedusaClient, reserved: Reserved, item: StockItem, marker: dict[str, Any]) -> None:
    level = item.level(reserved.location_id)
    current = level.stocked if level else 0
    what = f"fulfill {reserved.sku} at {reserved.location} (reservation {reserved.id})"
    if still_to_do(current, int(marker["stocked_before"]), int(marker["stocked_after"]), what=what):
        client.inventory_items.update_level(item.id, reserved.location_id, stocked_quantity=int(marker["stocked_after"]))


def _mark(client: MedusaClient, reserved: Reserved, marker: dict[str, Any]) -> None:
    client.reservations.update(reserved.id, metadata={**reserved.metadata, FULFILL_MARKER: marker})
