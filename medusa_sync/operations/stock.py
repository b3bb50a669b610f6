"""`adjust` (by a delta) and `set` (a cycle count): write one level's stocked quantity, never
below zero and never below what is reserved there.

Requests: GET locations · GET item by SKU · GET item (re-read) · POST level (absolute; creates the
level when the item is not stocked there yet) · GET item (verify): 5.

No write from a stale read: the target is computed again from the re-read made right before the
write (after the `pending` record), so an adjust by -2 of a level someone set from 100 to 50
meanwhile writes 48, not 98; the guards (not below 0, not below reserved) are checked again on
those numbers. The read after the write must show the stocked written; if it does not (another
writer landed in between), the outcome's note says so.

With `ref` (--ref KEY) the operation is idempotent: a `pending` record with the level before and
the target is written first; a re-run with the key returns `already done` when it ended `ok`
(no request), or completes it when it stopped at `pending`, writing only when the store still
shows the level before (`steps.still_to_do`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from medusa_sync.audit import AuditLog, new_operation_id
from medusa_sync.errors import GuardError
from medusa_sync.store import Locations, StockItem, item_by_id, item_by_sku, numbers, write_stocked

from .outcome import Outcome, already_done, recorded, start_pending
from .steps import fresh_level, still_to_do, unexpected

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


def adjust(
    client: MedusaClient, audit: AuditLog, sku: str, location: str, delta: int, *, reason: str, ref: str | None = None
) -> Outcome:
    return _write(client, audit, "adjust", sku, location, delta, reason, ref, lambda stocked: stocked + delta)


def set_stock(
    client: MedusaClient, audit: AuditLog, sku: str, location: str, stocked: int, *, reason: str, ref: str | None = None
) -> Outcome:
    return _write(client, audit, "set", sku, location, stocked, reason, ref, lambda _: stocked)


def _write(
    client: MedusaClient,
    audit: AuditLog,
    operation: str,
    sku: str,
    location: str,
    amount: int,
    reason: str,
    ref: str | None,
    new_stocked: Callable[[int], int],
) -> Outcome:
    outcome = Outcome(operation, sku, quantity=amount, reason=reason, ref=ref)
    done = already_done(audit, outcome)
    if done is not None:
        return done
    with recorded(audit, outcome):
        locations = Locations.read(client)
        outcome.location_id = locations.resolve(location)
        outcome.location = locations.name(outcome.location_id)
        item = item_by_sku(client, sku)
        pending = _pending(audit, ref)
        if pending is not None:
            _complete(client, outcome, item, pending)
            return outcome
        before = outcome.before = numbers(item.level(outcome.location_id))
        change = f"{operation} {sku} at {outcome.location} " + (f"by {amount:+d}" if operation == "adjust" else f"to {amount}")
        if operation == "adjust" and amount == 0:
            raise GuardError(f"{_what(change, before)}: a delta of 0 changes nothing")
        stocked = _checked(change, before, new_stocked)
        if ref is not None:
            outcome.after = {"stocked": stocked}  # a pending record's `after` is its target
            start_pending(audit, outcome, new_operation_id(), f"{_what(change, before)}: writing stocked {stocked}")
        item, now = fresh_level(client, item.id, outcome.location_id)
        if now != before:  # another writer landed since the first read: recompute from what is there
            try:
                stocked = _checked(f"{change} (re-read)", now, new_stocked)
            except GuardError:
                outcome.result = "refused"  # nothing was written: no pending run to complete
                raise
            outcome.before = now
            if ref is not None:  # the pending record names the numbers the write is made from
                outcome.after = {"stocked": stocked}
                start_pending(audit, outcome, outcome.operation_id or "", f"{_what(change, now)} (re-read): writing stocked {stocked}")
        write_stocked(client, item, outcome.location_id, stocked)
        outcome.after = numbers(item_by_id(client, item.id).level(outcome.location_id))
        outcome.message = unexpected(f"{operation} {sku} at {outcome.location}", stocked, outcome.after)
    return outcome


def _what(change: str, level: dict[str, int]) -> str:
    return f"{change}: stocked {level['stocked']}, reserved {level['reserved']}"


def _checked(change: str, level: dict[str, int], new_stocked: Callable[[int], int]) -> int:
    """The stocked quantity to write on `level`; GuardError below 0 or below what is reserved."""
    stocked = new_stocked(level["stocked"])
    what = _what(change, level)
    if stocked < 0:
        raise GuardError(f"{what}: stocked would be {stocked}, below 0")
    if stocked < level["reserved"]:
        raise GuardError(f"{what}: stocked would be {stocked}, below the {level['reserved']} reserved")
    return stocked


def _pending(audit: AuditLog, ref: str | None) -> dict[str, Any] | None:
    """The `pending` record of the run with key `ref` that stopped between its record and its end."""
    records = audit.with_ref(ref) if ref is not None else []
    return records[-1] if records and records[-1].get("result") == "pending" else None


def _complete(client: MedusaClient, outcome: Outcome, item: StockItem, pending: dict[str, Any]) -> None:
    """Finish a run stopped after its `pending` record: write its target unless the store has it."""
    outcome.operation_id, outcome.result, outcome.before = pending["operation_id"], "pending", pending["before"]
    before = pending["before"]["stocked"]
    target = pending["after"]["stocked"]
    what = f"{outcome.operation} {outcome.sku} at {outcome.location}"
    current = numbers(item.level(outcome.location_id))["stocked"]
    if still_to_do(current, before, target, what=what):
        write_stocked(client, item, outcome.location_id, target)
    outcome.after = numbers(item_by_id(client, item.id).level(outcome.location_id))
