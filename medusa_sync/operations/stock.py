"""`adjust` (by a delta) and `set` (a cycle count): write one level's stocked quantity, never
below zero and never below what is reserved there.

Requests: GET locations · GET item by SKU · POST level (absolute; creates the level when the item
is not stocked there yet) · GET item (re-read).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from medusa_sync.audit import AuditLog
from medusa_sync.errors import GuardError
from medusa_sync.store import Locations, item_by_id, item_by_sku, numbers, write_stocked

from .outcome import Outcome, recorded

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


def adjust(client: MedusaClient, audit: AuditLog, sku: str, location: str, delta: int, *, reason: str) -> Outcome:
    return _write(client, audit, "adjust", sku, location, delta, reason, lambda stocked: stocked + delta)


def set_stock(client: MedusaClient, audit: AuditLog, sku: str, location: str, stocked: int, *, reason: str) -> Outcome:
    return _write(client, audit, "set", sku, location, stocked, reason, lambda _: stocked)


def _write(
    client: MedusaClient,
    audit: AuditLog,
    operation: str,
    sku: str,
    location: str,
    amount: int,
    reason: str,
    new_stocked: Callable[[int], int],
) -> Outcome:
    outcome = Outcome(operation, sku, quantity=amount, reason=reason)
    with recorded(audit, outcome):
        locations = Locations.read(client)
        outcome.location_id = locations.resolve(location)
        outcome.location = locations.name(outcome.location_id)
        item = item_by_sku(client, sku)
        before = outcome.before = numbers(item.level(outcome.location_id))
        stocked = new_stocked(before["stocked"])
        change = f"by {amount:+d}" if operation == "adjust" else f"to {amount}"
        what = f"{operation} {sku} at {outcome.location} {change}: stocked {before['stocked']}, reserved {before['reserved']}"
        if operation == "adjust" and amount == 0:
            raise GuardError(f"{what}: a delta of 0 changes nothing")
        if stocked < 0:
            raise GuardError(f"{what}: stocked would be {stocked}, below 0")
        if stocked < before["reserved"]:
            raise GuardError(f"{what}: stocked would be {stocked}, below the {before['reserved']} reserved")
        write_stocked(client, item, outcome.location_id, stocked)
        outcome.after = numbers(item_by_id(client, item.id).level(outcome.location_id))
    return outcome
