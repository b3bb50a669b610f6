"""The audit log: appended one line per record, never rewritten; listed and filtered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medusa_sync.audit import AuditLog, current_actor, parse_since, select
from medusa_sync.errors import UsageError

from .medusa_fake import NOW


def test_records_are_appended_and_earlier_bytes_never_change(tmp_path):
    log = AuditLog(tmp_path / "state" / "audit.jsonl", actor="ana", clock=lambda: NOW)
    log.append({"operation": "reserve", "sku": "A", "result": "ok"})
    first = log.path.read_bytes()
    log.append({"operation": "release", "sku": "B", "result": "refused"})
    assert log.path.read_bytes().startswith(first)
    assert log.path.read_bytes().count(b"\n") == 2
    assert list(log.records()) == [
        {"time": "2026-01-10T12:00:00.000+00:00", "actor": "ana", "operation": "reserve", "sku": "A", "result": "ok"},
        {"time": "2026-01-10T12:00:00.000+00:00", "actor": "ana", "operation": "release", "sku": "B", "result": "refused"},
    ]


def test_a_torn_line_is_skipped(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", actor="ana")
    log.append({"operation": "set", "sku": "A"})
    with log.path.open("ab") as stream:
        stream.write(b'{"operation": "se')
    assert [r["sku"] for r in log.records()] == ["A"]


def test_the_actor_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("MEDUSA_SYNC_ACTOR", "warehouse-bot")
    assert current_actor() == "warehouse-bot"
    monkeypatch.delenv("MEDUSA_SYNC_ACTOR")
    assert current_actor()  # the OS user


def test_unfinished_is_the_last_record_of_each_operation_id(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", actor="ana")
    for operation_id, result in [("op_1", "pending"), ("op_2", "pending"), ("op_1", "ok"), ("op_3", "pending")]:
        log.append({"operation": "transfer", "sku": "A" if operation_id != "op_3" else "B", "operation_id": operation_id, "result": result})
    assert [r["operation_id"] for r in log.unfinished("transfer", "A")] == ["op_2"]


def test_select_filters_by_sku_operation_and_time():
    rows = [
        {"time": "2026-01-01T10:00:00.000+00:00", "operation": "reserve", "sku": "A"},
        {"time": "2026-01-05T10:00:00.000+00:00", "operation": "adjust", "sku": "A"},
        {"time": "2026-01-09T10:00:00.000+00:00", "operation": "adjust", "sku": "B"},
    ]
    assert select(iter(rows), sku="A") == rows[:2]
    assert select(iter(rows), operation="adjust", since=datetime(2026, 1, 6, tzinfo=UTC)) == rows[2:]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-03", datetime(2026, 1, 3, tzinfo=UTC)),
        ("2026-01-03T08:30:00+00:00", datetime(2026, 1, 3, 8, 30, tzinfo=UTC)),
        ("7d", datetime(2026, 1, 3, 12, 0, tzinfo=UTC)),
        ("12h", datetime(2026, 1, 10, 0, 0, tzinfo=UTC)),
    ],
)
def test_since_takes_a_date_or_an_age(text, expected):
    assert parse_since(text, now=NOW) == expected


def test_since_rejects_anything_else():
    with pytest.raises(UsageError, match="give an ISO date"):
        parse_since("last tuesday", now=NOW)
