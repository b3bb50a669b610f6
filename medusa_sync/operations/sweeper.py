"""The reservation sweeper: `release --stale-older-than 7d [--dry-run]`.

Requests: GET reservations created before the cutoff (Medusa filters) · GET locations · GET
their items by id · unless a dry run: DELETE per reservation · GET items by id (re-read).
Reservations whose fulfilment is in progress are left alone (a re-run of `fulfill` ends them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from medusa_sync.audit import AuditLog, utc_now
from medusa_sync.durations import format_age
from medusa_sync.store import Reserved, StockContext, read_reservations

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
    stale: list[Reserved] = field(default_factory=list)
    skipped: list[Reserved] = field(default_factory=list)  # a fulfilment in progress
    released: list[Outcome] = field(default_factory=list)


def sweep_stale(
    client: MedusaClient,
    audit: AuditLog,
    older_than: timedelta,
    *,
    dry_run: bool,
    now: datetime | None = None,
) -> Sweep:
    """Release every reservation created more than `older_than` before `now`."""
    now = now or utc_now()
    cutoff = now - older_than
    rows = read_reservations(client, **{"created_at[$lt]": cutoff.isoformat()})
    context = StockContext.read(client, {row["inventory_item_id"] for row in rows})
    found = sorted((context.describe(row) for row in rows), key=lambda r: (r.created_at or cutoff, r.id))
    sweep = Sweep(now=now, cutoff=cutoff, older_than=format_age(older_than), dry_run=dry_run)
    sweep.stale = [reserved for reserved in found if not reserved.fulfilling]
    sweep.skipped = [reserved for reserved in found if reserved.fulfilling]
    if sweep.stale and not dry_run:
        reason = f"stale: created more than {sweep.older_than} ago"
        sweep.released = release_reservations(client, audit, context, sweep.stale, amount=None, reason=reason)
    return sweep
