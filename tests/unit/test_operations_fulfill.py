"""fulfill: the order of its steps, and that a re-run after any interruption lowers stock once."""

from __future__ import annotations

import pytest

from medusa_sync.errors import GuardError, NotFoundError, StoreChangedError
from medusa_sync.operations import fulfill
from medusa_sync.cli.exit_codes import exit_code_of

from .medusa_fake import item_call, level_call, locations_call, reservation_call, reservations_call

MARKER = "medusa_sync_fulfill"


@pytest.fixture
def reserved(fake):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 4, line_item="li_1", metadata={"order": "42"})
    return "resitem_1"


def _marked(fake, step):
    """The reservation's metadata with its fulfilment marker at `step`."""
    metadata = fake.reservations["resitem_1"]["metadata"]
    return {**metadata, MARKER: {**metadata[MARKER], "step": step}}


def test_fulfill_marks_lowers_marks_deletes_in_that_order(fake, client, audit, reserved, monkeypatch):
    monkeypatch.setattr("medusa_sync.operations.fulfilment.new_operation_id", lambda: "op_1")
    [outcome] = fulfill(client, audit, reservation_id=reserved, reason="shipped")
    intent = {"operation_id": "op_1", "quantity": 4, "stocked_before": 10, "stocked_after": 6}
    assert fake.calls == [
        reservation_call("GET", "resitem_1"),
        locations_call(),
        item_call("iitem_pnl"),
        reservation_call("POST", "resitem_1", {"metadata": {"order": "42", MARKER: {**intent, "step": "lowering"}}}),
        item_call("iitem_pnl"),  # re-read right before the write
        level_call("iitem_pnl", "sloc_a", 6),
        reservation_call("POST", "resitem_1", {"metadata": {"order": "42", MARKER: {**intent, "step": "lowered"}}}),
        reservation_call("DELETE", "resitem_1"),
        item_call("iitem_pnl"),
    ]
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 6, "reserved": 0}
    assert "resitem_1" not in fake.reservations
    assert [(r["result"], r["operation_id"], r["after"]) for r in audit.records()] == [
        ("pending", "op_1", None),
        ("ok", "op_1", {"stocked": 6, "reserved": 0, "available": 6}),
    ]
    assert outcome.before == {"stocked": 10, "reserved": 4, "available": 6}


def test_interrupted_before_lowering_a_re_run_lowers_once(fake, client, audit, reserved):
    fake.fail_next("POST", "/admin/inventory-items/iitem_pnl/location-levels/sloc_a", "boom")
    with pytest.raises(Exception, match="boom") as stopped:
        fulfill(client, audit, reservation_id=reserved)
    assert stopped.value.hint == "run the same command again: it completes what is missing"
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 10, "reserved": 4}
    assert [r["result"] for r in audit.records()] == ["pending", "pending"]

    expected_mark = _marked(fake, "lowered")
    fake.calls.clear()
    fulfill(client, audit, reservation_id=reserved)
    assert fake.writes() == [
        level_call("iitem_pnl", "sloc_a", 6),
        reservation_call("POST", "resitem_1", {"metadata": expected_mark}),
        reservation_call("DELETE", "resitem_1"),
    ]
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 6, "reserved": 0}
    assert len({r["operation_id"] for r in list(audit.records())}) == 1
    assert list(audit.records())[-1]["result"] == "ok"


def test_interrupted_after_lowering_a_re_run_does_not_lower_again(fake, client, audit, reserved):
    intent = {"operation_id": "op_9", "quantity": 4, "stocked_before": 10, "stocked_after": 6, "step": "lowering"}
    fake.reservations["resitem_1"]["metadata"] = {MARKER: intent}
    fake.level("iitem_pnl", "sloc_a", stocked=6, reserved=4)  # lowered, then the process died
    fulfill(client, audit, reservation_id=reserved)
    assert fake.writes() == [
        reservation_call("POST", "resitem_1", {"metadata": {MARKER: {**intent, "step": "lowered"}}}),
        reservation_call("DELETE", "resitem_1"),
    ]
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 6, "reserved": 0}
    assert [(r["operation_id"], r["result"]) for r in audit.records()] == [("op_9", "ok")]


def test_a_marked_lowered_reservation_is_only_deleted(fake, client, audit, reserved):
    fake.reservations["resitem_1"]["metadata"] = {
        MARKER: {"operation_id": "op_9", "quantity": 4, "stocked_before": 12, "stocked_after": 8, "step": "lowered"}
    }
    [outcome] = fulfill(client, audit, reservation_id=reserved)
    assert fake.writes() == [reservation_call("DELETE", "resitem_1")]
    assert outcome.operation_id == "op_9"


def test_a_level_changed_meanwhile_stops_with_the_numbers(fake, client, audit, reserved):
    fake.reservations["resitem_1"]["metadata"] = {
        MARKER: {"operation_id": "op_9", "quantity": 4, "stocked_before": 12, "stocked_after": 8, "step": "lowering"}
    }
    with pytest.raises(StoreChangedError, match="stocked is 10, neither 12 .before this operation. nor 8 .after it.") as stopped:
        fulfill(client, audit, reservation_id=reserved)
    assert exit_code_of(stopped.value) == 5
    assert fake.writes() == []
    assert list(audit.records())[-1]["result"] == "failed"


def test_fulfill_refuses_more_than_is_stocked(fake, client, audit):
    fake.level("iitem_inv", "sloc_b", stocked=1)
    fake.reservation("resitem_2", "iitem_inv", "sloc_b", 2)  # stock was lowered below it
    with pytest.raises(GuardError, match=r"fulfill 2 of INV-1 at Solfacil CD \(reservation resitem_2\): only 1 stocked there"):
        fulfill(client, audit, reservation_id="resitem_2")
    assert fake.writes() == []
    assert [r["result"] for r in audit.records()] == ["refused"]


def test_fulfill_a_line_item_reads_each_item_fresh(fake, client, audit):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 4, line_item="li_1")
    fake.reservation("resitem_2", "iitem_pnl", "sloc_a", 2, line_item="li_1")
    fulfill(client, audit, line_item_id="li_1")
    assert fake.calls[0] == reservations_call(line_item_id="li_1")
    assert [call for call in fake.calls if call[1].endswith("location-levels/sloc_a")] == [
        level_call("iitem_pnl", "sloc_a", 6),
        level_call("iitem_pnl", "sloc_a", 4),
    ]
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 4, "reserved": 0}


def test_a_fulfilled_reservation_is_gone(fake, client, audit):
    with pytest.raises(NotFoundError):
        fulfill(client, audit, reservation_id="resitem_1")


# ---- no write from a stale read -------------------------------------------------------------


def test_fulfill_lowers_from_the_re_read_and_marks_again(fake, client, audit, reserved, monkeypatch):
    """A sync sets 10 → 8 between the first read and the re-read: 8 − 4 is written, not 10 − 4."""
    monkeypatch.setattr("medusa_sync.operations.fulfilment.new_operation_id", lambda: "op_1")
    fake.interleave("GET", "/admin/inventory-items/iitem_pnl", lambda: fake.level("iitem_pnl", "sloc_a", stocked=8, reserved=4), skip=1)
    [outcome] = fulfill(client, audit, reservation_id=reserved, reason="shipped")
    first = {"operation_id": "op_1", "quantity": 4, "stocked_before": 10, "stocked_after": 6, "step": "lowering"}
    again = {**first, "stocked_before": 8, "stocked_after": 4}
    assert fake.calls[3:] == [
        reservation_call("POST", "resitem_1", {"metadata": {"order": "42", MARKER: first}}),
        item_call("iitem_pnl"),  # 8
        reservation_call("POST", "resitem_1", {"metadata": {"order": "42", MARKER: again}}),
        level_call("iitem_pnl", "sloc_a", 4),
        reservation_call("POST", "resitem_1", {"metadata": {"order": "42", MARKER: {**again, "step": "lowered"}}}),
        reservation_call("DELETE", "resitem_1"),
        item_call("iitem_pnl"),
    ]
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 4, "reserved": 0}
    assert [(r["result"], r["message"]) for r in audit.records()] == [
        ("pending", "lowering stocked 10 → 6"),
        ("pending", "lowering stocked 8 → 4"),
        ("ok", None),
    ]
    assert outcome.message is None


def test_fulfill_refused_on_the_re_read_takes_its_marker_off(fake, client, audit, reserved):
    fake.interleave("GET", "/admin/inventory-items/iitem_pnl", lambda: fake.level("iitem_pnl", "sloc_a", stocked=3, reserved=4), skip=1)
    with pytest.raises(GuardError, match=r"re-read\): only 3 stocked there, cannot ship 4"):
        fulfill(client, audit, reservation_id=reserved)
    assert [w for w in fake.writes() if w[0] != "POST" or "location-levels" in w[1]] == []
    assert fake.writes()[-1] == reservation_call("POST", "resitem_1", {"metadata": {"order": "42", MARKER: ""}})
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 3, "reserved": 4}
    assert [r["result"] for r in audit.records()] == ["pending", "refused"]
