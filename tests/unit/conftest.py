"""Fixtures of the operations, reports and audit tests: a fake Medusa, a client on it, an audit log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from medusa_sync.audit import AuditLog
from medusa_sync.client import MedusaClient

from .medusa_fake import NOW, FakeMedusa, standard_store


@pytest.fixture
def fake() -> FakeMedusa:
    return standard_store()


@pytest.fixture
def client(fake: FakeMedusa) -> Iterator[MedusaClient]:
    with fake.client() as medusa:
        yield medusa


@pytest.fixture
def audit(tmp_path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl", actor="tester", clock=lambda: NOW)
