"""`audit`: list and filter the audit log of stock operations."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from medusa_sync.audit import parse_since, select
from medusa_sync.cli import operations_render as show
from medusa_sync.cli.live import audit_log
from medusa_sync.cli.options import Json, examples
from medusa_sync.cli.render import print_json


class Operation(StrEnum):
    """The operations the audit log records; click rejects any other value, listing these (exit 64)."""

    RESERVE = "reserve"
    RELEASE = "release"
    FULFILL = "fulfill"
    ADJUST = "adjust"
    SET = "set"
    TRANSFER = "transfer"


def audit(
    ctx: typer.Context,
    sku: Annotated[str | None, typer.Option("--sku", help="Only this SKU.")] = None,
    operation: Annotated[Operation | None, typer.Option("--operation", help="Only this kind of operation.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only records since an ISO date/time or an age (7d, 12h).")] = None,
    json: Json = False,
) -> None:
    """List the audit log ($MEDUSA_SYNC_AUDIT_LOG), oldest first."""
    log = audit_log(ctx)
    records = select(log.records(), sku=sku, operation=operation and operation.value, since=parse_since(since) if since else None)
    if json:
        print_json(records)
    else:
        show.print_audit(records)


def register(app: typer.Typer) -> None:
    app.command(
        "audit",
        epilog=examples(
            "medusa-sync audit --sku odex_inverters_ODEX-INV-SAJ-3000W --since 7d",
            "medusa-sync audit --operation fulfill --json",
        ),
    )(audit)
