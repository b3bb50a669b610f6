"""What the live-store commands share: a client for the configured store, the audit log."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer

from medusa_sync.audit import AuditLog
from medusa_sync.cli.state import state
from medusa_sync.client import MedusaClient
from medusa_sync.lease import writer_lease


@contextlib.contextmanager
def store_client(ctx: typer.Context) -> Iterator[MedusaClient]:
    with MedusaClient.from_settings(state(ctx).settings) as client:
        yield client


@contextlib.contextmanager
def writer_client(ctx: typer.Context, command: str, wait: float) -> Iterator[MedusaClient]:
    """A client for a command that writes, under the writer lease (medusa_sync.lease)."""
    settings = state(ctx).settings
    with MedusaClient.from_settings(settings) as client, writer_lease(settings, command, wait=wait, signed_in=client):
        yield client


def audit_log(ctx: typer.Context) -> AuditLog:
    return AuditLog(state(ctx).settings.audit_log)
