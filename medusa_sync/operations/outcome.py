"""What one stock operation did, and the one place that turns it into an audit record."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

from medusa_sync.audit import AuditLog
from medusa_sync.client import MedusaAPIError
from medusa_sync.errors import GuardError, MedusaSyncError, StoreChangedError, UsageError


@dataclass
class Outcome:
    """Filled in as the operation learns it; recorded as one audit line (see medusa_sync.audit)."""

    operation: str
    sku: str
    location: str | None = None
    location_id: str | None = None
    quantity: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    reference: str | None = None
    line_item: str | None = None
    result: str = "ok"
    message: str | None = None
    operation_id: str | None = None
    destination: str | None = None
    destination_id: str | None = None
    order: str | None = None  # "#12": the order whose reservation this was
    ref: str | None = None  # --ref: the idempotency key; a second run with it writes nothing

    def record(self) -> dict[str, Any]:
        return asdict(self)


def _result_of(error: MedusaSyncError, outcome: Outcome) -> str:
    if isinstance(error, StoreChangedError):
        return "failed"  # a re-run could not tell what was applied either: a person must look
    if outcome.result == "pending":
        return "pending"  # stopped mid-way; a re-run completes it
    if isinstance(error, MedusaAPIError):
        return "failed"
    return "refused"  # a guard, an unknown SKU or location, arguments that cannot work


@contextlib.contextmanager
def recorded(audit: AuditLog, outcome: Outcome) -> Iterator[Outcome]:
    """Record `outcome` when the block ends: `ok`, or `refused` / `failed` / `pending` with the
    error's message when it raises (the error is raised on)."""
    try:
        yield outcome
    except MedusaSyncError as error:
        outcome.result = _result_of(error, outcome)
        message = str(error)
        if outcome.result == "pending":
            again = f"the same command again with --ref {outcome.ref}" if outcome.ref else "the same command again"
            message = f"stopped mid-way: {error}; run {again} to complete it"
            error.hint = error.hint or f"run {again}: it completes what is missing"
        outcome.message = f"{outcome.message}; {message}" if outcome.message else message
        audit.append(outcome.record())
        raise
    outcome.result = "ok"
    audit.append(outcome.record())


def already_done(audit: AuditLog, outcome: Outcome) -> Outcome | None:
    """The earlier run with `outcome.ref` when it ended `ok`, as an outcome whose result is
    `already done` (nothing is written or recorded); None when there is none. The key must name
    the same operation: reusing it for another is a usage error."""
    if outcome.ref is None:
        return None
    records = audit.with_ref(outcome.ref)
    if not records:
        return None
    first = records[0]
    asked = (outcome.operation, outcome.sku, outcome.quantity)
    if (first.get("operation"), first.get("sku"), first.get("quantity")) != asked:
        raise UsageError(
            f"--ref {outcome.ref} was used for {first.get('operation')} {first.get('quantity')} of {first.get('sku')}, "
            f"not {outcome.operation} {outcome.quantity} of {outcome.sku}: give a new key"
        )
    finished = [record for record in records if record.get("result") == "ok"]
    if not finished:
        return None
    done = Outcome(**{name: finished[-1].get(name) for name in Outcome.__dataclass_fields__})
    done.result = "already done"
    done.message = f"already done at {finished[-1].get('time')} (--ref {outcome.ref}); nothing written"
    return done


def start_pending(audit: AuditLog, outcome: Outcome, operation_id: str, message: str) -> None:
    """Record the start of a multi-step operation; until its end record it counts as unfinished."""
    outcome.operation_id = operation_id
    outcome.result = "pending"
    outcome.message = message
    audit.append(outcome.record())
    outcome.message = None


def refuse(audit: AuditLog, outcome: Outcome, message: str) -> NoReturn:
    """Record a refusal and raise it; for checks made outside a `recorded` block."""
    outcome.result = "refused"
    outcome.message = message
    audit.append(outcome.record())
    raise GuardError(message)
