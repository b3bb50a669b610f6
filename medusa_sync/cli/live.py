"""What the live-store commands share: a client for the configured store, the audit log."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import typer

from medusa_sync import pipeline
from medusa_sync.audit import AuditLog
from medusa_sync.cli.state import state
from medusa_sync.lease import writer_lease

if TYPE_CHECKING:
    from medusa_sync.client import MedusaClient


@contextlib.contextmanager
def store_client(ctx: typer.Context) -> Iterator[MedusaClient]:
    with pipeline.open_client(state(ctx).settings) as client:
        yield client


@contextlib.contextmanager
def writer_client(ctx: typer.Context, command: str, wait: float) -> Iterator[MedusaClient]:
    """A client for a command that writes, under the writer lease (medusa_sync.lease)."""
    settings = state(ctx).settings
    with writer_lease(settings, command, wait=wait), pipeline.open_client(settings) as client:
        yield client


def audit_log(ctx: typer.Context) -> AuditLog:
    return AuditLog(state(ctx).settings.audit_log)
