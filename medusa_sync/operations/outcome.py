"""What one stock operation did, and the one place that turns it into an audit record."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

from medusa_sync.audit import AuditLog
from medusa_sync.client import MedusaAPIError
from medusa_sync.errors import GuardError, MedusaSyncError, StoreChangedError


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
            message = f"stopped mid-way: {error}; run the same command again to complete it"
            error.hint = error.hint or "run the same command again: it completes what is missing"
        outcome.message = f"{outcome.message}; {message}" if outcome.message else message
        audit.append(outcome.record())
        raise
    outcome.result = "ok"
    audit.append(outcome.record())


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
