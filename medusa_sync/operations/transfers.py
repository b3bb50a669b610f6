"""`transfer`: move stock of one item from one location to another.

Order: record `pending` (with both levels before) · lower the source (absolute write) · raise
the destination (absolute; its level is created when missing) · re-read · record `ok`.
Between the two writes the units are in neither place: availability is under-stated for a
moment, never counted twice.

When Medusa refuses the destination write, the source is written back to its old value
(compensation) and the record says `failed`: nothing moved. When that is impossible, or the
outcome of a write is unknown (connection lost), or the process dies, the last record stays
`pending`. Running the same transfer again finds it in the audit log and completes it, skipping
each write the store already shows (`steps.still_to_do`); a different transfer of that SKU is
refused until then. If the levels moved meanwhile so that it cannot be told what was applied,
the re-run stops with StoreChangedError (exit 5), records `failed`, and gives the numbers.

With `ref` (--ref KEY) a re-run with the key whose run ended `ok` returns `already done`
without a request or a write (a killed run that recorded `ok` is not moved twice); one that
stopped at `pending` is completed as above. Without a key each run is a new transfer.

No write from a stale read: after the `pending` record the item is read again, and both targets
are computed from that read (source − amount, destination + amount), the available check made
again on it; when it differs from the first read, the `pending` record is written again with the
numbers the writes are made from (so a re-run can tell what was applied). The read after the
writes must show exactly those targets; otherwise the outcome's note says what another writer did.

Requests: GET locations · GET item by SKU · GET item (re-read) · POST source level · POST (or
create) destination level · GET item (verify): 6; a compensation adds one POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from medusa_sync.audit import AuditLog, new_operation_id
from medusa_sync.client import MedusaUnavailableError
from medusa_sync.errors import GuardError, MedusaSyncError, StoreChangedError, UsageError
from medusa_sync.store import Locations, StockItem, item_by_id, item_by_sku, numbers, write_stocked

from .outcome import Outcome, already_done, recorded, start_pending
from .reservations import check_positive
from .steps import fresh_level, still_to_do, unexpected

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


def transfer(
    client: MedusaClient,
    audit: AuditLog,
    sku: str,
    source: str,
    destination: str,
    amount: int,
    *,
    reason: str,
    ref: str | None = None,
) -> Outcome:
    outcome = Outcome("transfer", sku, quantity=amount, reason=reason, ref=ref)
    done = already_done(audit, outcome)
    if done is not None:
        return done
    with recorded(audit, outcome):
        locations = Locations.read(client)
        route = Route(locations.resolve(source), locations.resolve(destination), amount)
        outcome.location_id, outcome.destination_id = route.source_id, route.destination_id
        outcome.location, outcome.destination = locations.name(route.source_id), locations.name(route.destination_id)
        what = f"transfer {amount} of {sku} from {outcome.location} to {outcome.destination}"
        if route.source_id == route.destination_id:
            raise UsageError(f"{what}: --from and --to are the same location")
        item = item_by_sku(client, sku)
        outcome.before = route.levels(item)
        check_positive(amount, what)
        before, resumed = _resume_or_start(audit, outcome, route, what)
        item, _ = fresh_level(client, item.id, route.source_id)
        if not resumed and route.levels(item) != before:
            before = _restart(audit, outcome, route, item, what)
        _move(client, outcome, route, item, before, what)
        outcome.after = route.levels(item_by_id(client, item.id))
        outcome.message = _verify(outcome, route, before, what)
    return outcome


def _restart(audit: AuditLog, outcome: Outcome, route: Route, item: StockItem, what: str) -> dict[str, dict[str, int]]:
    """The level moved between the first read and the re-read: check again and record the
    `pending` start anew with the re-read numbers, which the writes are computed from."""
    levels = route.levels(item)
    try:
        _check_available(route, levels, what, outcome.location, re_read=True)
    except GuardError:
        outcome.result = "refused"  # nothing was written: no pending run to complete
        raise
    outcome.before = levels
    start_pending(audit, outcome, outcome.operation_id or "", f"{what} (re-read)")
    return levels


def _verify(outcome: Outcome, route: Route, before: dict[str, dict[str, int]], what: str) -> str | None:
    after = outcome.after or {}
    notes = [
        unexpected(f"{what}, {side}", target, after[side])
        for side, target in (
            ("source", before["source"]["stocked"] - route.amount),
            ("destination", before["destination"]["stocked"] + route.amount),
        )
    ]
    return "; ".join(note for note in notes if note) or None


@dataclass(frozen=True)
class Route:
    source_id: str
    destination_id: str
    amount: int

    def levels(self, item: StockItem) -> dict[str, dict[str, int]]:
        return {"source": numbers(item.level(self.source_id)), "destination": numbers(item.level(self.destination_id))}


def _resume_or_start(
    audit: AuditLog, outcome: Outcome, route: Route, what: str
) -> tuple[dict[str, dict[str, int]], bool]:
    """Take over this transfer's unfinished record, or check the source and record the start;
    returns the levels before the transfer (an unfinished one's: from its record) and whether
    it resumes one."""
    unfinished = audit.unfinished("transfer", outcome.sku)
    if unfinished:
        previous = unfinished[-1]
        if (previous.get("location_id"), previous.get("destination_id"), previous.get("quantity")) != (
            route.source_id,
            route.destination_id,
            route.amount,
        ):
            raise GuardError(
                f"{what}: transfer {previous['operation_id']} of {previous['quantity']} from "
                f"{previous['location']} to {previous['destination']} stopped mid-way; run it again to complete it first"
            )
        outcome.operation_id, outcome.result, outcome.before = previous["operation_id"], "pending", previous["before"]
        return previous["before"], True
    levels = outcome.before or {}
    _check_available(route, levels, what, outcome.location)
    start_pending(audit, outcome, new_operation_id(), what)
    return levels, False


def _check_available(
    route: Route, levels: dict[str, dict[str, int]], what: str, location: str | None, *, re_read: bool = False
) -> None:
    """GuardError when the source has less available than the transfer moves (`re_read`: the
    numbers are those of the read made right before writing)."""
    source = levels["source"]
    if route.amount > source["available"]:
        raise GuardError(
            f"{what}: only {source['available']} available at {location}{' now' if re_read else ''} "
            f"(stocked {source['stocked']}, reserved {source['reserved']}{'; re-read before writing' if re_read else ''})"
        )


def _move(
    client: MedusaClient, outcome: Outcome, route: Route, item: StockItem, before: dict[str, dict[str, int]], what: str
) -> None:
    now = route.levels(item)
    source_before = before["source"]["stocked"]
    if still_to_do(now["source"]["stocked"], source_before, source_before - route.amount, what=f"{what}, source"):
        if now["source"]["available"] < route.amount:
            raise StoreChangedError(
                f"{what}: since it started, available at {outcome.location} fell to {now['source']['available']}; nothing was moved"
            )
        try:
            client.inventory_items.update_level(item.id, route.source_id, stocked_quantity=source_before - route.amount)
        except MedusaSyncError as error:
            if not isinstance(error, MedusaUnavailableError):
                outcome.result = "failed"  # refused by Medusa: nothing moved, nothing to complete
            raise
    destination_before = before["destination"]["stocked"]
    target = destination_before + route.amount
    if still_to_do(now["destination"]["stocked"], destination_before, target, what=f"{what}, destination"):
        try:
            write_stocked(client, item, route.destination_id, target)
        except MedusaSyncError as error:
            if isinstance(error, MedusaUnavailableError):
                raise  # it may have been applied: stays pending, and a re-run looks at the store
            _compensate(client, outcome, route, item, source_before)
            raise


def _compensate(client: MedusaClient, outcome: Outcome, route: Route, item: StockItem, source_before: int) -> None:
    """Medusa refused the destination write: put the source back, so nothing moved."""
    try:
        client.inventory_items.update_level(item.id, route.source_id, stocked_quantity=source_before)
    except MedusaSyncError as restore_error:
        outcome.message = f"writing {outcome.location} back to {source_before} failed too: {restore_error}"
        return
    outcome.result = "failed"
    outcome.message = f"compensated: {outcome.location} written back to {source_before}; nothing moved"
