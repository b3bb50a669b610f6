"""adjust, set and transfer: request sequences, the below-zero / below-reserved guards,
transfer's compensation and its re-run."""

from __future__ import annotations

import pytest

from medusa_sync.errors import GuardError, StoreChangedError, UsageError
from medusa_sync.operations import adjust, set_stock, transfer

from .medusa_fake import item_by_sku_call, item_call, level_call, locations_call


def test_adjust_writes_the_absolute_result_and_re_reads(fake, client, audit):
    outcome = adjust(client, audit, "PNL-1", "Odex CD", -4, reason="damaged")
    assert fake.calls == [
        locations_call(),
        item_by_sku_call("PNL-1"),
        item_call("iitem_pnl"),  # re-read right before the write
        level_call("iitem_pnl", "sloc_a", 6),
        item_call("iitem_pnl"),
    ]
    assert (outcome.before["stocked"], outcome.after["stocked"]) == (10, 6)
    [record] = list(audit.records())
    assert (record["operation"], record["quantity"], record["reason"], record["result"]) == ("adjust", -4, "damaged", "ok")


def test_set_at_a_location_without_a_level_creates_it(fake, client, audit):
    set_stock(client, audit, "PNL-1", "sloc_b", 7, reason="cycle count")
    assert fake.writes() == [
        ("POST", "/admin/inventory-items/iitem_pnl/location-levels", {}, {"location_id": "sloc_b", "stocked_quantity": 7})
    ]
    assert fake.stock("iitem_pnl", "sloc_b") == {"stocked": 7, "reserved": 0}


@pytest.mark.parametrize(
    ("operation", "amount", "message"),
    [
        (adjust, -11, "adjust PNL-1 at Odex CD by -11: stocked 10, reserved 6: stocked would be -1, below 0"),
        (adjust, -5, "adjust PNL-1 at Odex CD by -5: stocked 10, reserved 6: stocked would be 5, below the 6 reserved"),
        (adjust, 0, "adjust PNL-1 at Odex CD by +0: stocked 10, reserved 6: a delta of 0 changes nothing"),
        (set_stock, 5, "set PNL-1 at Odex CD to 5: stocked 10, reserved 6: stocked would be 5, below the 6 reserved"),
        (set_stock, -1, "set PNL-1 at Odex CD to -1: stocked 10, reserved 6: stocked would be -1, below 0"),
    ],
)
def test_stock_never_goes_below_zero_or_reserved(fake, client, audit, operation, amount, message):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 6)
    with pytest.raises(GuardError) as refused:
        operation(client, audit, "PNL-1", "Odex CD", amount, reason="count")
    assert str(refused.value) == message
    assert fake.writes() == []
    assert [(r["result"], r["message"]) for r in audit.records()] == [("refused", message)]


def test_transfer_lowers_the_source_then_raises_the_destination(fake, client, audit, monkeypatch):
    monkeypatch.setattr("medusa_sync.operations.transfers.new_operation_id", lambda: "op_t")
    outcome = transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance")
    assert fake.calls == [
        locations_call(),
        item_by_sku_call("INV-1"),
        item_call("iitem_inv"),  # re-read right before the writes
        level_call("iitem_inv", "sloc_a", 1),
        level_call("iitem_inv", "sloc_b", 4),
        item_call("iitem_inv"),
    ]
    assert outcome.after == {
        "source": {"stocked": 1, "reserved": 0, "available": 1},
        "destination": {"stocked": 4, "reserved": 0, "available": 4},
    }
    assert [(r["result"], r["operation_id"], r["location"], r["destination"]) for r in audit.records()] == [
        ("pending", "op_t", "Odex CD", "Solfacil CD"),
        ("ok", "op_t", "Odex CD", "Solfacil CD"),
    ]


def test_transfer_creates_a_missing_destination_level(fake, client, audit):
    transfer(client, audit, "PNL-1", "sloc_a", "sloc_b", 4, reason="rebalance")
    assert fake.writes() == [
        level_call("iitem_pnl", "sloc_a", 6),
        ("POST", "/admin/inventory-items/iitem_pnl/location-levels", {}, {"location_id": "sloc_b", "stocked_quantity": 4}),
    ]


def test_transfer_refuses_more_than_available_at_the_source(fake, client, audit):
    fake.reservation("resitem_1", "iitem_inv", "sloc_a", 2)
    with pytest.raises(GuardError) as refused:
        transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance")
    assert str(refused.value) == (
        "transfer 2 of INV-1 from Odex CD to Solfacil CD: only 1 available at Odex CD (stocked 3, reserved 2)"
    )
    assert fake.writes() == []
    assert [(r["result"], r["before"]["source"]) for r in audit.records()] == [
        ("refused", {"stocked": 3, "reserved": 2, "available": 1})
    ]


@pytest.mark.parametrize(("amount", "source"), [(0, "Odex CD"), (-2, "Odex CD"), (1, "Solfacil CD")])
def test_transfer_refuses_non_positive_or_same_place(fake, client, audit, amount, source):
    with pytest.raises((GuardError, UsageError)):
        transfer(client, audit, "INV-1", source, "Solfacil CD", amount, reason="x")
    assert fake.writes() == []


def test_a_refused_destination_write_is_compensated(fake, client, audit):
    fake.fail_next("POST", "/admin/inventory-items/iitem_inv/location-levels/sloc_b", "no")
    with pytest.raises(Exception, match="no"):
        transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance")
    assert fake.writes() == [
        level_call("iitem_inv", "sloc_a", 1),
        level_call("iitem_inv", "sloc_b", 4),
        level_call("iitem_inv", "sloc_a", 3),
    ]
    assert fake.stock("iitem_inv", "sloc_a")["stocked"] == 3 and fake.stock("iitem_inv", "sloc_b")["stocked"] == 2
    last = list(audit.records())[-1]
    assert last["result"] == "failed"
    assert last["message"].startswith("compensated: Odex CD written back to 3; nothing moved")


def _stop_half_way(fake, client, audit):
    """The source is lowered; the destination refuses, and so does writing the source back."""
    fake.fail_next("POST", "/admin/inventory-items/iitem_inv/location-levels/sloc_b", "no")
    fake.fail_next("POST", "/admin/inventory-items/iitem_inv/location-levels/sloc_a", "nor", skip=1)
    with pytest.raises(Exception, match="no") as stopped:
        transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance")
    return stopped.value


def test_a_transfer_stopped_half_way_is_completed_by_a_re_run(fake, client, audit):
    stopped = _stop_half_way(fake, client, audit)
    assert "run the same command again" in stopped.hint
    assert fake.stock("iitem_inv", "sloc_a")["stocked"] == 1 and fake.stock("iitem_inv", "sloc_b")["stocked"] == 2
    assert [r["result"] for r in audit.records()] == ["pending", "pending"]
    assert "writing Odex CD back to 3 failed too" in list(audit.records())[-1]["message"]

    fake.calls.clear()
    transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance")
    assert fake.writes() == [level_call("iitem_inv", "sloc_b", 4)]
    assert fake.stock("iitem_inv", "sloc_a")["stocked"] == 1 and fake.stock("iitem_inv", "sloc_b")["stocked"] == 4
    assert list(audit.records())[-1]["result"] == "ok"
    assert len({r["operation_id"] for r in list(audit.records())}) == 1


def test_another_transfer_of_the_sku_waits_for_the_unfinished_one(fake, client, audit):
    _stop_half_way(fake, client, audit)
    fake.calls.clear()
    with pytest.raises(GuardError, match=r"transfer op_\w+ of 2 from Odex CD to Solfacil CD stopped mid-way; run it again"):
        transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 1, reason="other")
    assert fake.writes() == []


def test_a_re_run_that_cannot_tell_what_was_applied_stops_with_the_numbers(fake, client, audit):
    _stop_half_way(fake, client, audit)
    fake.level("iitem_inv", "sloc_a", stocked=7)  # someone counted the source meanwhile
    with pytest.raises(StoreChangedError, match="stocked is 7, neither 3 .before this operation. nor 1 .after it."):
        transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance")
    assert list(audit.records())[-1]["result"] == "failed"
    # the transfer is closed: a new one may start
    transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance")


def test_a_transfer_re_run_with_its_ref_writes_nothing(fake, client, audit):
    first = transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance", ref="T-1")
    assert first.result == "ok"
    fake.calls.clear()
    again = transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance", ref="T-1")
    assert fake.calls == []
    assert again.result == "already done" and again.message.startswith("already done at ")
    assert (fake.stock("iitem_inv", "sloc_a")["stocked"], fake.stock("iitem_inv", "sloc_b")["stocked"]) == (1, 4)
    assert [(r["result"], r["ref"]) for r in audit.records()] == [("pending", "T-1"), ("ok", "T-1")]


def test_without_a_ref_each_transfer_is_a_new_one(fake, client, audit):
    transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 1, reason="rebalance")
    transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 1, reason="rebalance")
    assert (fake.stock("iitem_inv", "sloc_a")["stocked"], fake.stock("iitem_inv", "sloc_b")["stocked"]) == (1, 4)


def test_a_ref_reused_for_another_operation_is_a_usage_error(fake, client, audit):
    adjust(client, audit, "PNL-1", "Odex CD", -4, reason="damaged", ref="K")
    fake.calls.clear()
    with pytest.raises(UsageError, match="--ref K was used for adjust -4 of PNL-1, not set 3 of PNL-1: give a new key"):
        set_stock(client, audit, "PNL-1", "Odex CD", 3, reason="count", ref="K")
    assert fake.calls == []


def test_an_adjust_killed_after_its_write_is_completed_once_by_a_re_run_with_its_ref(fake, client, audit, monkeypatch):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies between the write and its `ok` record

    with monkeypatch.context() as patch:
        patch.setattr("medusa_sync.operations.stock.item_by_id", killed)
        with pytest.raises(KeyboardInterrupt):
            adjust(client, audit, "PNL-1", "Odex CD", -4, reason="damaged", ref="A-1")
    assert fake.stock("iitem_pnl", "sloc_a")["stocked"] == 6
    assert [(r["result"], r["after"]) for r in audit.records()] == [("pending", {"stocked": 6})]

    fake.calls.clear()
    outcome = adjust(client, audit, "PNL-1", "Odex CD", -4, reason="damaged", ref="A-1")
    assert fake.calls == [locations_call(), item_by_sku_call("PNL-1"), item_call("iitem_pnl")]
    assert fake.stock("iitem_pnl", "sloc_a")["stocked"] == 6
    assert (outcome.result, outcome.before["stocked"], outcome.after["stocked"]) == ("ok", 10, 6)

    fake.calls.clear()
    assert adjust(client, audit, "PNL-1", "Odex CD", -4, reason="damaged", ref="A-1").result == "already done"
    assert fake.calls == []


def test_an_adjust_stopped_before_its_write_writes_it_on_the_re_run(fake, client, audit, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr("medusa_sync.operations.stock.write_stocked", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            adjust(client, audit, "PNL-1", "Odex CD", -4, reason="damaged", ref="A-2")
    fake.calls.clear()
    adjust(client, audit, "PNL-1", "Odex CD", -4, reason="damaged", ref="A-2")
    assert fake.writes() == [level_call("iitem_pnl", "sloc_a", 6)]
    assert [r["result"] for r in audit.records()] == ["pending", "ok"]


# ---- no write from a stale read -------------------------------------------------------------


def _sync_writes(fake, item_id: str, location_id: str, stocked: int):
    """Another writer (a sync) sets the level between the operation's first read and its re-read."""
    return lambda: fake.level(item_id, location_id, stocked=stocked, reserved=fake.stock(item_id, location_id)["reserved"])


def test_adjust_recomputes_from_the_re_read(fake, client, audit):
    fake.interleave("GET", "/admin/inventory-items/iitem_pnl", _sync_writes(fake, "iitem_pnl", "sloc_a", 5))
    outcome = adjust(client, audit, "PNL-1", "Odex CD", -2, reason="damaged")
    assert fake.calls == [
        locations_call(),
        item_by_sku_call("PNL-1"),  # 10
        item_call("iitem_pnl"),  # 5: another writer landed
        level_call("iitem_pnl", "sloc_a", 3),  # 5 − 2, not 10 − 2
        item_call("iitem_pnl"),
    ]
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 3, "reserved": 0}
    assert (outcome.before, outcome.after, outcome.message) == (
        {"stocked": 5, "reserved": 0, "available": 5},
        {"stocked": 3, "reserved": 0, "available": 3},
        None,
    )


def test_adjust_re_checks_reserved_on_the_re_read_and_writes_nothing(fake, client, audit):
    fake.interleave("GET", "/admin/inventory-items/iitem_pnl", lambda: fake.reservation("resitem_9", "iitem_pnl", "sloc_a", 9))
    with pytest.raises(GuardError, match=r"\(re-read\): stocked 10, reserved 9: stocked would be 8, below the 9 reserved"):
        adjust(client, audit, "PNL-1", "Odex CD", -2, reason="damaged", ref="K1")
    assert fake.writes() == []
    assert [r["result"] for r in audit.records()] == ["pending", "refused"]


def test_adjust_with_ref_re_records_pending_with_the_re_read_numbers(fake, client, audit):
    fake.interleave("GET", "/admin/inventory-items/iitem_pnl", _sync_writes(fake, "iitem_pnl", "sloc_a", 5))
    adjust(client, audit, "PNL-1", "Odex CD", -2, reason="damaged", ref="K2")
    records = list(audit.records())
    assert [(r["result"], r["before"]["stocked"], r["after"]["stocked"]) for r in records] == [
        ("pending", 10, 8),
        ("pending", 5, 3),
        ("ok", 5, 3),
    ]
    assert len({r["operation_id"] for r in records}) == 1


def test_set_re_checks_reserved_on_the_re_read(fake, client, audit):
    fake.interleave("GET", "/admin/inventory-items/iitem_pnl", lambda: fake.reservation("resitem_9", "iitem_pnl", "sloc_a", 6))
    with pytest.raises(GuardError, match="stocked would be 4, below the 6 reserved"):
        set_stock(client, audit, "PNL-1", "Odex CD", 4, reason="count")
    assert fake.writes() == []


def test_a_write_overtaken_before_the_verify_is_reported(fake, client, audit):
    fake.interleave("GET", "/admin/inventory-items/iitem_pnl", _sync_writes(fake, "iitem_pnl", "sloc_a", 50), skip=1)
    outcome = adjust(client, audit, "PNL-1", "Odex CD", -4, reason="damaged")
    assert outcome.result == "ok"
    assert outcome.after["stocked"] == 50
    assert outcome.message == (
        "adjust PNL-1 at Odex CD: stocked is 50 right after writing 6; another writer changed it meanwhile, check the level"
    )
    assert list(audit.records())[-1]["message"] == outcome.message


def test_transfer_recomputes_both_targets_from_the_re_read(fake, client, audit, monkeypatch):
    monkeypatch.setattr("medusa_sync.operations.transfers.new_operation_id", lambda: "op_t")
    fake.interleave("GET", "/admin/inventory-items/iitem_inv", _sync_writes(fake, "iitem_inv", "sloc_b", 20))
    outcome = transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance")
    assert fake.writes() == [level_call("iitem_inv", "sloc_a", 1), level_call("iitem_inv", "sloc_b", 22)]
    assert outcome.message is None
    assert [(r["result"], r["before"]["destination"]["stocked"]) for r in audit.records()] == [
        ("pending", 2),
        ("pending", 20),
        ("ok", 20),
    ]


def test_transfer_re_checks_available_on_the_re_read(fake, client, audit):
    fake.interleave("GET", "/admin/inventory-items/iitem_inv", _sync_writes(fake, "iitem_inv", "sloc_a", 1))
    with pytest.raises(GuardError, match=r"only 1 available at Odex CD now \(stocked 1, reserved 0; re-read before writing\)"):
        transfer(client, audit, "INV-1", "Odex CD", "Solfacil CD", 2, reason="rebalance")
    assert fake.writes() == []
    assert [r["result"] for r in audit.records()] == ["pending", "refused"]
