"""reserve, release and the stale sweeper: request sequences, refusals, audit records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from medusa_sync.client.resources.reservations import DEFAULT_FIELDS
from medusa_sync.errors import GuardError, NotFoundError, UsageError
from medusa_sync.operations import release, reserve, sweep_stale
from medusa_sync.cli.exit_codes import exit_code_of

from .medusa_fake import (
    NOW,
    item_by_sku_call,
    item_call,
    items_by_ids_call,
    locations_call,
    reservation_call,
    reservations_call,
)

BEFORE = {"stocked": 10, "reserved": 0, "available": 10}


def test_reserve_checks_then_creates_then_re_reads(fake, client, audit):
    outcome = reserve(client, audit, "PNL-1", "Odex CD", 4, line_item_id="li_1", note="order 1")

    assert fake.calls == [
        locations_call(),
        item_by_sku_call("PNL-1"),
        (
            "POST",
            "/admin/reservations",
            {"fields": DEFAULT_FIELDS},
            {"location_id": "sloc_a", "inventory_item_id": "iitem_pnl", "quantity": 4, "line_item_id": "li_1", "description": "order 1"},
        ),
        item_call("iitem_pnl"),
    ]
    assert list(audit.records()) == [
        {
            "time": "2026-01-10T12:00:00.000+00:00",
            "actor": "tester",
            "operation": "reserve",
            "sku": "PNL-1",
            "location": "Odex CD",
            "location_id": "sloc_a",
            "quantity": 4,
            "before": BEFORE,
            "after": {"stocked": 10, "reserved": 4, "available": 6},
            "reason": "order 1",
            "reference": "resitem_new1",
            "line_item": "li_1",
            "result": "ok",
            "message": None,
            "operation_id": None,
            "destination": None,
            "destination_id": None,
            "order": None,
            "ref": None,
        }
    ]
    assert outcome.reference == "resitem_new1"


def test_reserve_takes_a_location_id_or_a_name_ignoring_case(fake, client, audit):
    reserve(client, audit, "INV-1", "sloc_b", 1)
    reserve(client, audit, "INV-1", "solfacil cd", 1)
    assert fake.stock("iitem_inv", "sloc_b") == {"stocked": 2, "reserved": 2}


@pytest.mark.parametrize(
    ("amount", "location", "message"),
    [
        (0, "Odex CD", "reserve 0 of PNL-1 at Odex CD: the quantity must be a positive whole number, got 0"),
        (-3, "Odex CD", "reserve -3 of PNL-1 at Odex CD: the quantity must be a positive whole number, got -3"),
        (11, "Odex CD", "reserve 11 of PNL-1 at Odex CD: only 10 available (stocked 10, reserved 0)"),
        (1, "Solfacil CD", "reserve 1 of PNL-1 at Solfacil CD: the item is not stocked there (no stock level, 0 available)"),
    ],
)
def test_reserve_refusals_give_the_numbers_and_write_nothing(fake, client, audit, amount, location, message):
    with pytest.raises(GuardError) as refused:
        reserve(client, audit, "PNL-1", location, amount)
    assert str(refused.value) == message
    assert exit_code_of(refused.value) == 4
    assert fake.writes() == []
    assert [(r["result"], r["message"], r["quantity"]) for r in audit.records()] == [("refused", message, amount)]


def test_reserve_counts_existing_reservations(fake, client, audit):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 7)
    with pytest.raises(GuardError, match=r"only 3 available \(stocked 10, reserved 7\)"):
        reserve(client, audit, "PNL-1", "Odex CD", 4)
    assert fake.writes() == []


def test_unknown_sku_and_location_are_not_found(fake, client, audit):
    with pytest.raises(NotFoundError, match="no inventory item with SKU 'NOPE'"):
        reserve(client, audit, "NOPE", "Odex CD", 1)
    with pytest.raises(NotFoundError, match=r"no stock location 'Nowhere' \(known: Odex CD, Solfacil CD\)"):
        reserve(client, audit, "PNL-1", "Nowhere", 1)
    assert fake.writes() == []
    assert [r["result"] for r in audit.records()] == ["refused", "refused"]


def test_release_all_of_one_reservation(fake, client, audit):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 4, line_item="li_1")
    [outcome] = release(client, audit, reservation_id="resitem_1", reason="order cancelled")
    assert fake.calls == [
        reservation_call("GET", "resitem_1"),
        locations_call(),
        items_by_ids_call("iitem_pnl"),
        reservation_call("DELETE", "resitem_1"),
        items_by_ids_call("iitem_pnl"),
    ]
    assert (outcome.quantity, outcome.before, outcome.after) == (
        4,
        {"stocked": 10, "reserved": 4, "available": 6},
        BEFORE,
    )
    assert [(r["operation"], r["reference"], r["line_item"], r["reason"]) for r in audit.records()] == [
        ("release", "resitem_1", "li_1", "order cancelled")
    ]


def test_release_part_of_a_reservation_updates_its_quantity(fake, client, audit):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 4)
    release(client, audit, reservation_id="resitem_1", amount=3)
    assert fake.writes() == [reservation_call("POST", "resitem_1", {"quantity": 1})]
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 10, "reserved": 1}


def test_release_a_line_items_reservations_reads_once_for_all(fake, client, audit):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 4, line_item="li_1")
    fake.reservation("resitem_2", "iitem_inv", "sloc_b", 1, line_item="li_1")
    outcomes = release(client, audit, line_item_id="li_1")
    assert fake.calls == [
        reservations_call(line_item_id="li_1"),
        locations_call(),
        items_by_ids_call("iitem_inv", "iitem_pnl"),
        reservation_call("DELETE", "resitem_1"),
        reservation_call("DELETE", "resitem_2"),
        items_by_ids_call("iitem_inv", "iitem_pnl"),
    ]
    assert [(o.sku, o.location, o.after["reserved"]) for o in outcomes] == [("PNL-1", "Odex CD", 0), ("INV-1", "Solfacil CD", 0)]
    assert len(list(audit.records())) == 2


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (5, "release 5 of PNL-1 at Odex CD (reservation resitem_1 holds 4): cannot release more than the reservation holds"),
        (0, "release 0 of PNL-1 at Odex CD (reservation resitem_1 holds 4): the quantity must be a positive whole number"),
    ],
)
def test_release_refusals_write_nothing(fake, client, audit, amount, message):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 4)
    with pytest.raises(GuardError) as refused:
        release(client, audit, reservation_id="resitem_1", amount=amount)
    assert str(refused.value) == message
    assert fake.writes() == []
    assert [r["result"] for r in audit.records()] == ["refused"]


def test_release_part_of_a_line_item_with_several_reservations_is_a_usage_error(fake, client, audit):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 4, line_item="li_1")
    fake.reservation("resitem_2", "iitem_inv", "sloc_b", 1, line_item="li_1")
    with pytest.raises(UsageError, match=r"resitem_1 \(4\), resitem_2 \(1\)"):
        release(client, audit, line_item_id="li_1", amount=1)
    assert fake.writes() == []


def test_release_of_an_unknown_reservation_is_not_found(fake, client, audit):
    with pytest.raises(NotFoundError):
        release(client, audit, reservation_id="resitem_gone")
    with pytest.raises(NotFoundError, match="no reservations for line item 'li_9'"):
        release(client, audit, line_item_id="li_9")
    assert fake.writes() == []


def test_a_failed_release_records_what_was_applied_and_what_failed(fake, client, audit):
    fake.reservation("resitem_1", "iitem_pnl", "sloc_a", 4, line_item="li_1")
    fake.reservation("resitem_2", "iitem_inv", "sloc_b", 1, line_item="li_1")
    fake.fail_next("DELETE", "/admin/reservations/resitem_2", "no")
    with pytest.raises(Exception, match="no"):
        release(client, audit, line_item_id="li_1")
    assert [(r["reference"], r["result"]) for r in audit.records()] == [("resitem_1", "ok"), ("resitem_2", "failed")]


def _aged(fake):
    fake.reservation("resitem_old", "iitem_pnl", "sloc_a", 2, created_at="2025-12-01T08:00:00.000Z")
    fake.reservation("resitem_new", "iitem_pnl", "sloc_a", 1, created_at="2026-01-09T08:00:00.000Z")
    fake.reservation(
        "resitem_shipping", "iitem_inv", "sloc_a", 1, created_at="2025-12-02T08:00:00.000Z",
        metadata={"medusa_sync_fulfill": {"operation_id": "op_1", "step": "lowering"}},
    )


def test_sweeper_dry_run_lists_and_writes_nothing(fake, client, audit):
    _aged(fake)
    sweep = sweep_stale(client, audit, timedelta(days=7), dry_run=True, now=NOW)
    assert fake.calls == [
        reservations_call(),
        locations_call(),
        items_by_ids_call("iitem_inv", "iitem_pnl"),
    ]
    assert [r.id for r in sweep.stale] == ["resitem_old"]
    assert [r.id for r in sweep.skipped] == ["resitem_shipping"]
    assert sweep.released == [] and list(audit.records()) == []


def test_sweeper_releases_stale_reservations_but_not_ones_being_fulfilled(fake, client, audit):
    _aged(fake)
    sweep = sweep_stale(client, audit, timedelta(days=7), dry_run=False, now=NOW)
    assert fake.writes() == [reservation_call("DELETE", "resitem_old")]
    assert set(fake.reservations) == {"resitem_new", "resitem_shipping"}
    assert [(r["operation"], r["reference"], r["reason"]) for r in audit.records()] == [
        ("release", "resitem_old", "stale: created more than 7d ago, or orphaned")
    ]
    assert sweep.released[0].after == {"stocked": 10, "reserved": 1, "available": 9}


def test_medusas_own_refusal_of_a_concurrent_over_reservation_is_a_refusal_with_the_numbers(fake, client, audit):
    """Another reservation lands between the check and the create: Medusa refuses with
    `400 not_allowed: Not enough stock`, shown as the tool's own refusal (exit 4)."""
    create = client.reservations.create

    def competing_create(*args, **kwargs):
        fake.reservation("resitem_other", "iitem_pnl", "sloc_a", 6)
        return create(*args, **kwargs)

    client.reservations.create = competing_create
    message = (
        "reserve 6 of PNL-1 at Odex CD: Medusa refused it, not enough stock: only 4 available now "
        "(stocked 10, reserved 6); another reservation took the units meanwhile"
    )
    with pytest.raises(GuardError) as refused:
        reserve(client, audit, "PNL-1", "Odex CD", 6)
    assert str(refused.value) == message
    assert exit_code_of(refused.value) == 4
    assert fake.stock("iitem_pnl", "sloc_a") == {"stocked": 10, "reserved": 6}
    assert [(r["result"], r["message"], r["before"], r["after"]) for r in audit.records()] == [
        ("refused", message, BEFORE, {"stocked": 10, "reserved": 6, "available": 4})
    ]


def test_reserve_with_a_ref_keeps_it_in_the_reservation_and_a_re_run_reserves_nothing(fake, client, audit, monkeypatch):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # dies after the create, before its `ok` record

    with monkeypatch.context() as patch:
        patch.setattr("medusa_sync.operations.reservations.item_by_id", killed)
        with pytest.raises(KeyboardInterrupt):
            reserve(client, audit, "PNL-1", "Odex CD", 4, ref="R-1")
    [made] = fake.reservations.values()
    assert made["metadata"] == {"medusa_sync_ref": "R-1"}
    assert list(audit.records()) == []

    fake.calls.clear()
    outcome = reserve(client, audit, "PNL-1", "Odex CD", 4, ref="R-1")
    assert fake.calls == [
        locations_call(),
        item_by_sku_call("PNL-1"),
        reservations_call(inventory_item_id="iitem_pnl", location_id="sloc_a"),
    ]
    assert len(fake.reservations) == 1 and outcome.reference == made["id"]
    fake.calls.clear()
    assert reserve(client, audit, "PNL-1", "Odex CD", 4, ref="R-1").result == "already done"
    assert fake.calls == []
