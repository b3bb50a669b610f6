"""`fulfill` of an order's reservations: through Medusa's order fulfilment, so that Medusa lowers
each component's stock and removes the reservations once, and the order shows as fulfilled.

Medusa reserves each component of a line item where it finds stock, so a kit's components may be
reserved at different locations, and `POST /admin/orders/:id/fulfillments` with a `location_id`
lowers every component *at that location* — lowering some before answering 404 for a component
with no level there (docs/operations.md, "Fulfilling an order"). So, per order line:

  1. the location: the one holding all its reservations; else one where every component has a
     level with enough available (its own reservation there counted), the fewest units to move
     first; the other reservations are moved there by DELETE + POST (a location update on a
     reservation corrupts reserved_quantity; the create checks availability, Medusa's move
     does not); no such location: fulfil without `location_id` when every component is stocked
     where it is reserved (Medusa then lowers each there); else refused, nothing changed;
  2. `POST /admin/orders/:id/fulfillments {items:[{id, quantity}], location_id?}`;
  3. re-read the levels: any stocked that moved other than by the reservations' quantities at
     their locations is reported; with `repair` it is written back to what it was.

A line with nothing left to fulfil and no reservation is reported as already fulfilled (a re-run
is a no-op). So is a line fulfilled by someone else between the read and step 2: Medusa refuses
that fulfilment (2.21: `400 No stock reservation found for item …`; 2.8.8: `500 unknown_error`),
and the order, read again, shows the line fulfilled with no reservation left.

Medusa 2.3.0 fulfils one reservation per line item: it lowers that one component (by the line's
quantity) and leaves the kit's other reservations. When Medusa accepted the fulfilment, the
order reads the line fulfilled and reservations of it are left, medusa-sync finishes the job:
it deletes the leftovers and sets each of the line's levels to what the shipment leaves (said in
the outcomes; no `--repair` needed, as nothing but the shipment is written).

Requests per line: GET items · (DELETE + POST per moved reservation) · POST fulfilment · GET
items · GET reservations of the line · GET orders (re-read; 2.3.0: + DELETE per leftover
reservation and a level write per wrong level).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from medusa_sync.audit import AuditLog
from medusa_sync.client import MedusaAPIError
from medusa_sync.errors import GuardError, MedusaSyncError
from medusa_sync.store import (
    OrderLine,
    Reserved,
    StockContext,
    items_by_ids,
    numbers,
    order_lines,
    read_reservations,
    write_stocked,
)

from .outcome import Outcome

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


@dataclass(frozen=True)
class Plan:
    """Where one order line is fulfilled: `location_id` None lowers each component where reserved."""

    location_id: str | None
    moves: list[Reserved]  # reservations to move to location_id first


def already_fulfilled(line: OrderLine, audit: AuditLog, refusal: MedusaSyncError | None = None) -> Outcome:
    """The outcome of a line with nothing left to fulfil; `refusal`: Medusa's answer to this
    run's fulfilment of it (someone fulfilled it in between)."""
    meanwhile = f" (fulfilled meanwhile; Medusa refused this run's fulfilment: {refusal})" if refusal else ""
    outcome = Outcome(
        "fulfill",
        line.sku or line.line_item_id,
        quantity=0,
        line_item=line.line_item_id,
        order=line.number,
        message=f"order {line.number} line {line.line_item_id} ({line.sku}) is already fulfilled "
        f"({line.fulfilled} of {line.quantity}){meanwhile}; nothing done",
    )
    audit.append(outcome.record())
    return outcome


def plan_location(line: OrderLine, reservations: list[Reserved], context: StockContext) -> Plan:
    """Step 1 of the module docstring; GuardError naming each component when nothing works."""
    needed: dict[str, int] = defaultdict(int)
    held: dict[tuple[str, str], int] = defaultdict(int)
    for reserved in reservations:
        needed[reserved.item_id] += reserved.quantity
        held[(reserved.item_id, reserved.location_id)] += reserved.quantity
    places = {reserved.location_id for reserved in reservations}
    if len(places) == 1:
        (only,) = places
        _check_stocked(line, reservations, context)
        return Plan(only, [])
    candidates = []
    for location_id in context.locations.names:
        levels = {item_id: context.items[item_id].level(location_id) for item_id in needed if item_id in context.items}
        if len(levels) == len(needed) and all(
            level is not None and level.available + held[(item_id, location_id)] >= needed[item_id]
            for item_id, level in levels.items()
        ):
            to_move = [reserved for reserved in reservations if reserved.location_id != location_id]
            candidates.append((sum(r.quantity for r in to_move), context.locations.name(location_id), location_id, to_move))
    if candidates:
        _, _, location_id, to_move = min(candidates)
        return Plan(location_id, to_move)
    _check_stocked(line, reservations, context)
    return Plan(None, [])


def _check_stocked(line: OrderLine, reservations: list[Reserved], context: StockContext) -> None:
    short = []
    for reserved in reservations:
        item = context.items.get(reserved.item_id)
        level = item.level(reserved.location_id) if item else None
        if level is None or level.stocked < reserved.quantity:
            short.append(f"{reserved.sku} at {reserved.location}: {level.stocked if level else 0} stocked, {reserved.quantity} reserved")
    if short:
        raise GuardError(
            f"fulfill order {line.number} line {line.line_item_id} ({line.sku}): not enough stock where it is reserved "
            f"({'; '.join(short)}), and no location has every component; nothing was changed",
            hint="transfer stock (`medusa-sync transfer`) or correct the count (`medusa-sync set`), then run fulfill again",
        )


def move(client: MedusaClient, reserved: Reserved, location_id: str) -> None:
    """Move a reservation by DELETE + POST (same item, quantity and line item); if the create is
    refused, the reservation is re-created where it was and the error raised."""
    client.reservations.delete(reserved.id)
    try:
        client.reservations.create(
            location_id, reserved.item_id, reserved.quantity, line_item_id=reserved.line_item_id, description=reserved.description
        )
    except MedusaSyncError:
        client.reservations.create(
            reserved.location_id, reserved.item_id, reserved.quantity, line_item_id=reserved.line_item_id, description=reserved.description
        )
        raise


def fulfil_line(
    client: MedusaClient,
    audit: AuditLog,
    line: OrderLine,
    reservations: list[Reserved],
    context: StockContext,
    *,
    reason: str | None,
    repair: bool,
) -> list[Outcome]:
    """Fulfil one order line through Medusa (steps 1-3 of the module docstring); one outcome per
    reservation, each recorded."""
    plan = plan_location(line, reservations, context)
    outcomes = [_outcome(line, reserved, context, reason) for reserved in reservations]
    for reserved in plan.moves:
        assert plan.location_id is not None
        move(client, reserved, plan.location_id)
    shipped_at = {reserved.id: plan.location_id or reserved.location_id for reserved in reservations}
    for reserved, outcome in zip(reservations, outcomes):
        item = context.items.get(reserved.item_id)
        outcome.before = numbers(item.level(shipped_at[reserved.id]) if item else None)  # as read before any move
    expected: dict[tuple[str, str], int] = {}
    for item in context.items.values():
        for location_id, level in item.levels.items():
            expected[(item.id, location_id)] = level.stocked
    before = dict(expected)
    failure: MedusaSyncError | None = None
    try:
        client.orders.fulfil(line.order_id, {line.line_item_id: line.remaining}, location_id=plan.location_id)
        for reserved in reservations:
            expected[(reserved.item_id, shipped_at[reserved.id])] -= reserved.quantity
    except MedusaSyncError as error:
        failure = error
    left = read_reservations(client, line_item_id=line.line_item_id)
    if failure is not None and not left and (done := _fulfilled_meanwhile(client, line, failure)) is not None:
        return [already_fulfilled(done, audit, failure)]
    one_per_line = failure is None and bool(left) and _fulfilled_by_medusa(client, line)
    for row in left if one_per_line else []:
        client.reservations.delete(row["id"])
    after = context.reread(client)
    wrong = {
        key: (before[key], stocked)
        for item in after.items.values()
        for location_id, level in item.levels.items()
        if (key := (item.id, location_id)) in expected and (stocked := level.stocked) != expected[key]
    }
    completed = []
    if one_per_line:
        shipped = {(reserved.item_id, shipped_at[reserved.id]) for reserved in reservations}
        completed = _complete(client, context, after, {key: wrong.pop(key) for key in sorted(shipped & wrong.keys())}, expected, len(left))
        left = []
        after = context.reread(client)
    notes = completed + _discrepancies(client, context, after, wrong, expected, repair=repair)
    for reserved, outcome in zip(reservations, outcomes):
        item = after.items.get(reserved.item_id)
        outcome.location_id = shipped_at[reserved.id]
        outcome.location = context.locations.name(outcome.location_id)
        outcome.after = numbers(item.level(outcome.location_id) if item else None)
        moved = f", reservation moved from {reserved.location}" if reserved in plan.moves else ""
        outcome.message = f"order {line.number} fulfilled by Medusa at {outcome.location}{moved}"
        if failure is not None or left:
            outcome.result = "failed"
            outcome.message = f"order {line.number}: Medusa's fulfilment failed: {failure or f'{len(left)} reservations left'}"
        if notes:
            outcome.message += "; " + "; ".join(notes)
        audit.append(outcome.record())
    if failure is not None:
        if notes:
            failure.hint = "; ".join(notes)
        raise failure
    if len(notes) > len(completed) and not repair:
        raise GuardError(
            f"order {line.number} was fulfilled, but stock moved where nothing shipped: {'; '.join(notes)}",
            hint="check the levels; `medusa-sync fulfill … --repair` writes them back, or correct them with `medusa-sync set`",
        )
    return outcomes


def _fulfilled_meanwhile(client: MedusaClient, line: OrderLine, failure: MedusaSyncError) -> OrderLine | None:
    """The line as read again after Medusa refused its fulfilment (an answer, 400 or 500, not an
    outage), when it has nothing left to fulfil; else None."""
    if not isinstance(failure, MedusaAPIError) or failure.status not in (400, 500):
        return None
    return _fully_fulfilled_now(client, line)


def _fulfilled_by_medusa(client: MedusaClient, line: OrderLine) -> bool:
    """Does the order, read again after Medusa accepted the fulfilment, show the line fulfilled?
    Then reservations of the line still held are ones Medusa left: Medusa 2.3.0 fulfils one
    reservation per line item (the last it reads), lowering that component by the line's
    quantity instead of the reservation's, and leaves the kit's other components reserved and
    not lowered (2.21 fulfils every reservation of the line)."""
    return _fully_fulfilled_now(client, line) is not None


def _fully_fulfilled_now(client: MedusaClient, line: OrderLine) -> OrderLine | None:
    """The line read again (one request) when it has nothing left to fulfil; else None."""
    fresh = order_lines(client, [line.line_item_id]).get(line.line_item_id)
    return fresh if fresh is not None and fresh.remaining == 0 else None


def _complete(
    client: MedusaClient,
    context: StockContext,
    after: StockContext,
    wrong: dict[tuple[str, str], tuple[int, int]],
    expected: dict[tuple[str, str], int],
    released: int,
) -> list[str]:
    """Finish what Medusa left of a fulfilled line (see _fulfilled_by_medusa): its leftover
    reservations are already deleted; each of the line's own levels is set to what the shipment
    leaves. Returns what was done, for the outcomes' messages."""
    for (item_id, location_id) in wrong:
        write_stocked(client, after.items[item_id], location_id, expected[(item_id, location_id)])
    levels = "; ".join(
        f"{after.items[item_id].sku} at {context.locations.name(location_id)}: stocked {now} → {expected[(item_id, location_id)]}"
        for (item_id, location_id), (_, now) in wrong.items()
    )
    return [f"Medusa fulfilled one reservation of the line and left {released}: medusa-sync released them and set {levels or 'no level (each was right)'}"]


def _discrepancies(
    client: MedusaClient,
    context: StockContext,
    after: StockContext,
    wrong: dict[tuple[str, str], tuple[int, int]],
    expected: dict[tuple[str, str], int],
    *,
    repair: bool,
) -> list[str]:
    notes = []
    for (item_id, location_id), (was, now) in sorted(wrong.items()):
        item = after.items[item_id]
        text = f"{item.sku} at {context.locations.name(location_id)}: stocked {was} → {now}, expected {expected[(item_id, location_id)]}"
        if repair:
            write_stocked(client, item, location_id, expected[(item_id, location_id)])
            text += " (repaired)"
        notes.append(text)
    return notes


def _outcome(line: OrderLine, reserved: Reserved, context: StockContext, reason: str | None) -> Outcome:
    item = context.items.get(reserved.item_id)
    return Outcome(
        "fulfill",
        reserved.sku,
        location=reserved.location,
        location_id=reserved.location_id,
        quantity=reserved.quantity,
        before=numbers(item.level(reserved.location_id) if item else None),
        reason=reason,
        reference=reserved.id,
        line_item=reserved.line_item_id,
        order=line.number,
    )


def fulfil_order_lines(
    client: MedusaClient,
    audit: AuditLog,
    lines: list[OrderLine],
    context: StockContext,
    *,
    reason: str | None,
    repair: bool,
) -> list[Outcome]:
    """Each line: already fulfilled, or fulfilled through Medusa with all its reservations (a
    line is fulfilled whole: Medusa fulfils line items, not components)."""
    outcomes: list[Outcome] = []
    for line in lines:
        if not line.is_open:
            raise GuardError(
                f"fulfill order {line.number}: it is {line.status}, nothing will ship; nothing was changed",
                hint="release what it still holds: `medusa-sync release --line-item …` (orphaned reservations are also swept)",
            )
        rows = read_reservations(client, line_item_id=line.line_item_id)
        if not rows:
            if line.remaining == 0:
                outcomes.append(already_fulfilled(line, audit))
                continue
            raise GuardError(
                f"fulfill order {line.number} line {line.line_item_id} ({line.sku}): {line.remaining} of "
                f"{line.quantity} not fulfilled but no reservation is held for it; nothing was changed",
                hint="fulfil it in the Medusa admin, choosing the location",
            )
        fresh = StockContext(context.locations, items_by_ids(client, {row["inventory_item_id"] for row in rows}), {line.line_item_id: line})
        reservations = [fresh.describe(row) for row in rows]
        outcomes += fulfil_line(client, audit, line, reservations, fresh, reason=reason, repair=repair)
    return outcomes
