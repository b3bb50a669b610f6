"""`reserve`, and `release` (one reservation, a line item's, or part of one).

Requests:
    reserve   GET locations · GET item by SKU · POST /admin/reservations · GET item (re-read)
    release   GET the reservation (or the line item's) · GET locations · GET items by id ·
              DELETE (all) or POST quantity (part) per reservation · GET items by id (re-read)

With `ref` (--ref KEY) the key is kept in the reservation's metadata (`medusa_sync_ref`), written
with it in one request: a re-run with the key finds it in the audit log (`ok`) or, when the run
died before recording, among the item's reservations at the location, and reserves nothing.

Before/after in the audit records of a release are the level as read before and after the
whole command (one re-read for all its reservations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from medusa_sync.audit import AuditLog
from medusa_sync.client.errors import NotAllowedError, ResourceNotFoundError
from medusa_sync.errors import GuardError, MedusaSyncError, NotFoundError, UsageError
from medusa_sync.store import ORDER, Locations, Reserved, StockContext, item_by_id, item_by_sku, numbers, read_reservations

from .outcome import Outcome, already_done, recorded, refuse

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


_NOT_ENOUGH_STOCK = re.compile(r"not enough stock", re.IGNORECASE)
"""Medusa's refusal of a reservation beyond available (400 not_allowed), checked under its lock."""


REF_KEY = "medusa_sync_ref"
"""The reservation metadata key holding a `reserve --ref` idempotency key."""


def check_positive(amount: int, what: str) -> None:
    if amount <= 0:
        raise GuardError(f"{what}: the quantity must be a positive whole number, got {amount}")


def reserve(
    client: MedusaClient,
    audit: AuditLog,
    sku: str,
    location: str,
    amount: int,
    *,
    line_item_id: str | None = None,
    note: str | None = None,
    ref: str | None = None,
) -> Outcome:
    """Reserve `amount` units at a location; refuses ≤ 0 and more than is available there."""
    outcome = Outcome("reserve", sku, quantity=amount, reason=note, line_item=line_item_id, ref=ref)
    done = already_done(audit, outcome)
    if done is not None:
        return done
    with recorded(audit, outcome):
        locations = Locations.read(client)
        outcome.location_id = locations.resolve(location)
        outcome.location = locations.name(outcome.location_id)
        item = item_by_sku(client, sku)
        level = item.level(outcome.location_id)
        outcome.before = numbers(level)
        if ref is not None:
            made = _reserved_with_ref(client, item.id, outcome.location_id, ref)
            if made is not None:
                outcome.reference, outcome.after = made["id"], outcome.before
                outcome.message = f"already done: reservation {made['id']} has --ref {ref}; nothing written"
                return outcome
        what = f"reserve {amount} of {sku} at {outcome.location}"
        check_positive(amount, what)
        if level is None:
            raise GuardError(f"{what}: the item is not stocked there (no stock level, 0 available)")
        if amount > level.available:
            raise GuardError(
                f"{what}: only {level.available} available (stocked {level.stocked}, reserved {level.reserved})"
            )
        try:
            reservation = client.reservations.create(
                outcome.location_id,
                item.id,
                amount,
                line_item_id=line_item_id,
                description=note,
                metadata={REF_KEY: ref} if ref is not None else None,
            )
        except NotAllowedError as error:
            if not _NOT_ENOUGH_STOCK.search(error.message):
                raise
            now = item_by_id(client, item.id).level(outcome.location_id)
            outcome.after = numbers(now)
            available = f"only {now.available} available now (stocked {now.stocked}, reserved {now.reserved})" if now else "no stock level now"
            raise GuardError(
                f"{what}: Medusa refused it, not enough stock: {available}; another reservation took the units meanwhile"
            ) from None
        outcome.reference = reservation["id"]
        outcome.after = numbers(item_by_id(client, item.id).level(outcome.location_id))
    return outcome


def _reserved_with_ref(client: MedusaClient, item_id: str, location_id: str, ref: str) -> dict | None:
    """The reservation of the item at the location that carries idempotency key `ref`, if any."""
    for row in read_reservations(client, inventory_item_id=item_id, location_id=location_id):
        if (row.get("metadata") or {}).get(REF_KEY) == ref:
            return row
    return None


def reservations_for(client: MedusaClient, reservation_id: str | None, line_item_id: str | None) -> list[dict]:
    """The reservation with this id, or every reservation of the line item (NotFoundError: none)."""
    if (reservation_id is None) == (line_item_id is None):
        raise UsageError("give either a reservation id or --line-item")
    if reservation_id is not None:
        try:
            return [client.reservations.retrieve(reservation_id)]
        except ResourceNotFoundError:
            raise NotFoundError(
                f"no reservation {reservation_id!r} (it may have been released or fulfilled: see `medusa-sync audit`)"
            ) from None
    rows = read_reservations(client, line_item_id=line_item_id)
    if not rows:
        raise NotFoundError(f"no reservations for line item {line_item_id!r}")
    return rows


def reservation_outcome(
    operation: str, reserved: Reserved, context: StockContext, *, amount: int, reason: str | None
) -> Outcome:
    item = context.items.get(reserved.item_id)
    return Outcome(
        operation,
        reserved.sku,
        location=reserved.location,
        location_id=reserved.location_id,
        quantity=amount,
        before=numbers(item.level(reserved.location_id) if item else None),
        reason=reason,
        reference=reserved.id,
        line_item=reserved.line_item_id,
    )


def release(
    client: MedusaClient,
    audit: AuditLog,
    *,
    reservation_id: str | None = None,
    line_item_id: str | None = None,
    amount: int | None = None,
    reason: str | None = None,
    force: bool = False,
) -> list[Outcome]:
    """Release a reservation, or every reservation of a line item; `amount` releases part of one.
    An open order's reservation is refused unless `force`: its order could not be fulfilled."""
    rows = reservations_for(client, reservation_id, line_item_id)
    if amount is not None and len(rows) > 1:
        listed = ", ".join(f"{row['id']} ({row.get('quantity')})" for row in rows)
        raise UsageError(f"line item {line_item_id} has {len(rows)} reservations ({listed}): release part of one by its id")
    context = StockContext.read(client, rows)
    reservations = [context.describe(row) for row in rows]
    return release_reservations(client, audit, context, reservations, amount=amount, reason=reason, force=force)


def release_reservations(
    client: MedusaClient,
    audit: AuditLog,
    context: StockContext,
    reservations: list[Reserved],
    *,
    amount: int | None,
    reason: str | None,
    force: bool = False,
) -> list[Outcome]:
    """Check every release, apply them, re-read the levels once, record one line each."""
    outcomes = [
        reservation_outcome("release", reserved, context, amount=reserved.quantity if amount is None else amount, reason=reason)
        for reserved in reservations
    ]
    for reserved, outcome in zip(reservations, outcomes):
        _check_release(audit, reserved, outcome, force=force)
    applied: list[Outcome] = []
    failure: MedusaSyncError | None = None
    for reserved, outcome in zip(reservations, outcomes):
        try:
            _apply_release(client, reserved, outcome.quantity or 0)
        except MedusaSyncError as error:
            failure = error
            break
        applied.append(outcome)
    after = context.reread(client)
    for reserved, outcome in zip(reservations, applied):
        item = after.items.get(reserved.item_id)
        outcome.after = numbers(item.level(reserved.location_id) if item else None)
        audit.append(outcome.record())
    if failure is not None:
        failed = outcomes[len(applied)]
        failed.result, failed.message = "failed", str(failure)
        audit.append(failed.record())
        raise failure
    return outcomes


def _check_release(audit: AuditLog, reserved: Reserved, outcome: Outcome, *, force: bool) -> None:
    amount = outcome.quantity or 0
    what = f"release {amount} of {reserved.sku} at {reserved.location} (reservation {reserved.id} holds {reserved.quantity})"
    if reserved.kind == ORDER and reserved.order is not None:
        order = reserved.order
        if not force:
            refuse(
                audit,
                outcome,
                f"{what}: it is held for open order {order.number} ({order.status}, {order.fulfillment_status}, "
                f"{order.sku}); releasing it would leave the order unfulfillable in Medusa. Cancel order "
                f"{order.number} in Medusa (that releases its reservations), ship it with `medusa-sync fulfill "
                f"--order {order.display_id}`, or add --force",
            )
        outcome.message = f"forced: held for open order {order.number}"
    if amount <= 0:
        refuse(audit, outcome, f"{what}: the quantity must be a positive whole number")
    if amount > reserved.quantity:
        refuse(audit, outcome, f"{what}: cannot release more than the reservation holds")
    marker = reserved.fulfilling
    if marker:
        outcome.message = f"its fulfilment {marker.get('operation_id')} was in progress; stock was not lowered by this release"


def _apply_release(client: MedusaClient, reserved: Reserved, amount: int) -> None:
    if amount == reserved.quantity:
        client.reservations.delete(reserved.id)
    else:
        client.reservations.update(reserved.id, quantity=reserved.quantity - amount)
