"""The audit trail of stock operations: one JSON object per line, appended, never rewritten.

Path: `MEDUSA_SYNC_AUDIT_LOG`, default `~/.local/state/medusa-sync/audit.jsonl` (under
`$XDG_STATE_HOME` when set), readable by its owner only (0600). Each record is written with a
single `write` on a file opened with O_APPEND, so concurrent writers never interleave inside a
record. A record:

    time          UTC ISO-8601, milliseconds
    actor         $MEDUSA_SYNC_ACTOR, else the OS user
    operation     reserve | release | fulfill | adjust | set | transfer
    operation_id  ties the `pending` record of a multi-step operation to its end record
    sku, location, location_id, destination, destination_id
    quantity      the units the operation is about (adjust: the signed delta)
    before, after {stocked, reserved, available} of the level (transfer: {source, destination});
                  a `pending` adjust/set record's `after` is its target {stocked}
    reason        --reason / --note
    reference     the reservation id
    line_item     the line item of the reservation, if any
    ref           --ref KEY, the idempotency key (a second run with it writes nothing)
    result        ok | refused | failed | pending
    message       why it was refused or failed, or what a pending step left to do

An operation whose last record is `pending` is unfinished: a re-run of it completes it.
"""

from __future__ import annotations

import getpass
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from medusa_sync.durations import parse_duration
from medusa_sync.errors import UsageError
from medusa_sync.runlog import append_private, read_records

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def current_actor() -> str:
    return os.environ.get("MEDUSA_SYNC_ACTOR") or getpass.getuser()


def new_operation_id() -> str:
    return f"op_{uuid.uuid4().hex[:16]}"


class AuditLog:
    def __init__(self, path: Path, *, actor: str | None = None, clock: Clock = utc_now) -> None:
        self.path = path
        self.actor = actor or current_actor()
        self._clock = clock

    def append(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Append one record (time and actor added) and return it."""
        record = {"time": self._clock().isoformat(timespec="milliseconds"), "actor": self.actor, **fields}
        append_private(self.path, orjson.dumps(record, default=str) + b"\n")
        return record

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record in order; a line that is not JSON (a torn write) is skipped."""
        return read_records(self.path)

    def with_ref(self, ref: str) -> list[dict[str, Any]]:
        """Every record of the operation run under idempotency key `ref`, in order."""
        return [record for record in self.records() if record.get("ref") == ref]

    def unfinished(self, operation: str, sku: str) -> list[dict[str, Any]]:
        """The last record of each `operation` on `sku` that stopped at `pending`."""
        last: dict[str, dict[str, Any]] = {}
        for record in self.records():
            if record.get("operation") == operation and record.get("sku") == sku and record.get("operation_id"):
                last[record["operation_id"]] = record
        return [record for record in last.values() if record.get("result") == "pending"]


STOCK_WRITES = frozenset({"set", "adjust", "transfer", "fulfill"})
"""The operations that change a level's stocked quantity."""


def last_stock_changes(records: Iterator[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(SKU, location id) → who last changed that level's stock and when, e.g.
    "set by ana at 2026-11-25T21:40:00.000+00:00 (cycle count)": what the plan shows for a
    drifted level. Only operations that ended `ok`; a transfer counts for both its levels."""
    last: dict[tuple[str, str], str] = {}
    for record in records:
        if record.get("operation") not in STOCK_WRITES or record.get("result") != "ok" or not record.get("sku"):
            continue
        reason = f" ({record['reason']})" if record.get("reason") else ""
        text = f"{record['operation']} by {record.get('actor')} at {record.get('time')}{reason}"
        for key in ("location_id", "destination_id"):
            if record.get(key):
                last[(record["sku"], record[key])] = text
    return last


def select(
    records: Iterator[dict[str, Any]],
    *,
    sku: str | None = None,
    operation: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """The records matching every filter given."""
    chosen = []
    for record in records:
        if sku is not None and record.get("sku") != sku:
            continue
        if operation is not None and record.get("operation") != operation:
            continue
        if since is not None and _time(record) < since:
            continue
        chosen.append(record)
    return chosen


def _time(record: Mapping[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(record["time"])
    except (KeyError, TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """`--since`: an ISO date or time (UTC when no zone is given), or an age such as 7d, 12h, 30m."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            return (now or utc_now()) - parse_duration(text)
        except UsageError:
            raise UsageError(f"--since {text!r}: give an ISO date (2026-01-31) or an age (7d, 12h, 30m)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
