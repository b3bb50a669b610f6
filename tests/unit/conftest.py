"""Fixtures of the operations, reports and audit tests: a fake Medusa, a client on it, an audit
log; and of the plan's: the items whose feed digest was computed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from medusa_sync.audit import AuditLog
from medusa_sync.client import MedusaClient
from medusa_sync.plan import desired

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


@pytest.fixture
def digested(monkeypatch) -> list[str]:
    """The SKU of each item whose feed digest is computed, in order."""
    skus: list[str] = []
    digest = desired.item_digest

    def recorded(item):
        skus.append(item.sku)
        return digest(item)

    monkeypatch.setattr(desired, "item_digest", recorded)
    return skus
