"""The reservation sweeper: `release --stale-older-than 7d [--dry-run]`.

Releases the manual reservations created before the cutoff and the orphaned ones (their order
is canceled, archived or gone) of any age. Never an open order's reservation, however old: a B2B
order may wait weeks for delivery, and without its reservations Medusa cannot fulfil it; those
are listed as spared, by order. Reservations whose fulfilment is in progress are left alone too
(a re-run of `fulfill` ends them).

Requests: GET reservations · GET locations · GET their items by id · GET orders (trimmed, only
when a reservation has an order line item) · unless a dry run: DELETE per reservation · GET
items by id (re-read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from medusa_sync.audit import AuditLog, utc_now
from medusa_sync.durations import format_age
from medusa_sync.store import MANUAL, ORDER, ORPHANED, Reserved, StockContext, read_reservations

from .outcome import Outcome
from .reservations import release_reservations

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


@dataclass
class Sweep:
    """What the sweeper found before `cutoff` and what it released."""

    now: datetime
    cutoff: datetime
    older_than: str
    dry_run: bool
    stale: list[Reserved] = field(default_factory=list)  # to release: stale manual ones and orphaned ones
    skipped: list[Reserved] = field(default_factory=list)  # a fulfilment in progress
    spared: list[Reserved] = field(default_factory=list)  # open orders' reservations older than the cutoff
    released: list[Outcome] = field(default_factory=list)


def sweep_stale(
    client: MedusaClient,
    audit: AuditLog,
    older_than: timedelta,
    *,
    dry_run: bool,
    now: datetime | None = None,
) -> Sweep:
    """Release the manual reservations created more than `older_than` before `now`, and the
    orphaned ones; spare open orders' reservations."""
    now = now or utc_now()
    cutoff = now - older_than
    rows = read_reservations(client)
    context = StockContext.read(client, rows)
    found = sorted((context.describe(row) for row in rows), key=lambda r: (r.created_at or cutoff, r.id))
    sweep = Sweep(now=now, cutoff=cutoff, older_than=format_age(older_than), dry_run=dry_run)
    for reserved in found:
        old = reserved.created_at is None or reserved.created_at < cutoff
        if reserved.kind == ORDER:
            if old:
                sweep.spared.append(reserved)
        elif reserved.fulfilling and (old or reserved.kind == ORPHANED):
            sweep.skipped.append(reserved)
        elif reserved.kind == ORPHANED or (reserved.kind == MANUAL and old):
            sweep.stale.append(reserved)
    sweep.spared.sort(key=lambda r: (r.order.display_id if r.order else 0, r.sku, r.id))
    if sweep.stale and not dry_run:
        reason = f"stale: created more than {sweep.older_than} ago, or orphaned"
        sweep.released = release_reservations(client, audit, context, sweep.stale, amount=None, reason=reason)
    return sweep
