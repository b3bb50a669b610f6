"""No write from a stale read (issue 11, point 3), on the real server.

The lease keeps medusa-sync's own commands apart, so these tests force the interleaving the lease
exists to prevent (what another integration, the admin UI or a stalled lease holder could cause)
with a loopback proxy (`slow_proxy.Gate`): an operation runs in-process through the proxy, which
holds one of its reads or writes while a sync or a reservation lands directly on the server.

- adjust --delta -2 reads 100, a sync writes the feed's 50, adjust writes: 48, not 98;
- fulfill of 7 reads 100, a sync writes 50, fulfill lowers: 43, not 93;
- a sync plans 100 → 5, a reservation of 40 lands before its level write: stocked ≥ reserved,
  the repair (or clamp) reported.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from medusa_sync.audit import AuditLog
from medusa_sync.cli.main import main
from medusa_sync.client import MedusaClient
from medusa_sync.operations import adjust, fulfill, reserve
from medusa_sync.store.watch import CHANGED_FIELDS

from .slow_proxy import Gate, SlowProxy
from .test_drift import ODEX, SKU, feeds, location_id, set_feed_stock  # noqa: F401  (fixtures)
from .test_sync import client, imported_samples  # noqa: F401  (fixtures)

pytestmark = pytest.mark.integration

GATE_S = 60.0


def level_of(client: MedusaClient, sku: str, location: str) -> tuple[int, int]:
    """(stocked, reserved) of `sku` at `location`, read directly."""
    where = location_id(client, location)
    [item] = client.inventory_items.list_by_skus(
        [sku], fields="id,location_levels.location_id,location_levels.stocked_quantity,location_levels.reserved_quantity"
    )
    [level] = [lv for lv in item["location_levels"] if lv["location_id"] == where]
    return level["stocked_quantity"], level["reserved_quantity"]


def item_id(client: MedusaClient, sku: str) -> str:
    return client.inventory_items.list_by_skus([sku], fields="id")[0]["id"]


def in_thread(work) -> tuple[threading.Thread, dict]:
    """Run `work()` in a thread; the dict gets its `result` or `error`."""
    box: dict = {}

    def run() -> None:
        try:
            box["result"] = work()
        except Exception as error:  # noqa: BLE001 - handed to the test
            box["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def sync_to(root: Path, tmp_path: Path, quantity: int) -> None:
    set_feed_stock(root, SKU, quantity)
    assert main(["sync", str(root), "--quiet", "--out", str(tmp_path / "sync-out")]) == 0


@pytest.mark.parametrize("trial", range(2))
def test_adjust_interleaved_with_a_sync_ends_at_the_feed_value_minus_2(feeds, store, client, tmp_path, trial) -> None:
    assert level_of(client, SKU, ODEX) == (100, 0)
    started = time.monotonic()
    # adjust's first read of the item (by SKU) is answered with 100 and held; the sync runs then
    gate = Gate("after", "GET", "/admin/inventory-items")
    with SlowProxy(store.url, gates=(gate,)) as proxy, MedusaClient(proxy.url, email=store.email, password=store.password) as via_proxy:
        audit = AuditLog(tmp_path / "ops-audit.jsonl", actor="ana")
        thread, box = in_thread(lambda: adjust(via_proxy, audit, SKU, ODEX, -2, reason="broken in transit"))
        assert gate.wait_reached(GATE_S)
        sync_to(feeds, tmp_path, 50)
        assert level_of(client, SKU, ODEX) == (50, 0)
        gate.open()
        thread.join(GATE_S)
    assert "error" not in box, box.get("error")
    final = level_of(client, SKU, ODEX)
    print(f"\nadjust -2 interleaved with a sync to 50: final {final}, {time.monotonic() - started:.1f} s")
    assert final == (48, 0)
    assert box["result"].after == {"stocked": 48, "reserved": 0, "available": 48}


@pytest.mark.parametrize("trial", range(2))
def test_fulfil_interleaved_with_a_sync_ends_at_the_feed_value_minus_7(feeds, store, client, tmp_path, trial) -> None:
    audit = AuditLog(tmp_path / "ops-audit.jsonl", actor="ana")
    reserved = reserve(client, audit, SKU, ODEX, 7, note="pick-up")
    assert level_of(client, SKU, ODEX) == (100, 7)
    started = time.monotonic()
    # fulfil reads the item by id (100 stocked) and is held; the sync writes 50 meanwhile
    gate = Gate("after", "GET", f"/admin/inventory-items/{item_id(client, SKU)}")
    with SlowProxy(store.url, gates=(gate,)) as proxy, MedusaClient(proxy.url, email=store.email, password=store.password) as via_proxy:
        thread, box = in_thread(lambda: fulfill(via_proxy, audit, reservation_id=reserved.reference, reason="shipped"))
        assert gate.wait_reached(GATE_S)
        sync_to(feeds, tmp_path, 50)
        assert level_of(client, SKU, ODEX) == (50, 7)
        gate.open()
        thread.join(GATE_S)
    assert "error" not in box, box.get("error")
    final = level_of(client, SKU, ODEX)
    print(f"\nfulfil 7 interleaved with a sync to 50: final {final}, {time.monotonic() - started:.1f} s")
    assert final == (43, 0)


def admin_reserve(url: str, token: str, location: str, item: str, quantity: int) -> None:
    response = httpx.post(
        f"{url}/admin/reservations",
        json={"location_id": location, "inventory_item_id": item, "quantity": quantity},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("trial", range(2))
def test_a_reservation_landing_before_the_syncs_level_write_is_repaired_and_reported(
    feeds, store, client, tmp_path, capsys, monkeypatch, trial
) -> None:
    """The sync has planned 100 → 5 from a read with nothing reserved; 40 are reserved while its
    level batch is on the wire. The batch writes 5; the check after it finds 5 < 40, sets 40."""
    set_feed_stock(feeds, SKU, 5)
    # the first batch POST is the client's probe of the route (an empty batch): hold the second
    gate = Gate("before", "POST", "/admin/inventory-items/location-levels/batch", skip=1)
    started = time.monotonic()
    with SlowProxy(store.url, gates=(gate,)) as proxy:
        monkeypatch.setenv("MEDUSA_URL", proxy.url)
        capsys.readouterr()
        thread, box = in_thread(lambda: main(["sync", str(feeds), "--out", str(tmp_path / "sync-out")]))
        assert gate.wait_reached(GATE_S)
        admin_reserve(store.url, store.login(), location_id(client, ODEX), item_id(client, SKU), 40)
        assert level_of(client, SKU, ODEX) == (100, 40)
        gate.open()
        thread.join(GATE_S)
    out = capsys.readouterr()
    assert "error" not in box, box.get("error")
    final = level_of(client, SKU, ODEX)
    print(f"\nreservation of 40 during the sync's write of 5: exit {box['result']}, final {final}, {time.monotonic() - started:.1f} s")
    assert final == (40, 40)
    assert box["result"] == 0
    assert f"{SKU} @ {ODEX}: stocked 5 < reserved 40 after the write; set to 40" in out.out + out.err
    runs = (tmp_path / "runs.jsonl").read_text(encoding="utf-8")
    assert '"repaired"' in runs and SKU in runs


def test_a_reservation_landing_before_the_syncs_re_read_is_clamped_and_reported(
    feeds, store, client, tmp_path, capsys, monkeypatch
) -> None:
    """The same, the reservation landing before the check the sync makes right before the
    chunk (the reservations changed since its read; the levels they touch are read again): the
    chunk writes 40 itself, no repair."""
    set_feed_stock(feeds, SKU, 5)
    gate = Gate("before", "GET", "/admin/reservations", fields=CHANGED_FIELDS)
    started = time.monotonic()
    with SlowProxy(store.url, gates=(gate,)) as proxy:
        monkeypatch.setenv("MEDUSA_URL", proxy.url)
        capsys.readouterr()
        thread, box = in_thread(lambda: main(["sync", str(feeds), "--out", str(tmp_path / "sync-out")]))
        assert gate.wait_reached(GATE_S)
        admin_reserve(store.url, store.login(), location_id(client, ODEX), item_id(client, SKU), 40)
        gate.open()
        thread.join(GATE_S)
    out = capsys.readouterr()
    assert "error" not in box, box.get("error")
    final = level_of(client, SKU, ODEX)
    print(f"\nreservation of 40 before the sync's re-read: exit {box['result']}, final {final}, {time.monotonic() - started:.1f} s")
    assert (box["result"], final) == (0, (40, 40))
    assert f"{SKU} @ {ODEX}: clamped to reserved 40 (the plan says 5; reserved re-read before writing)" in out.err
    assert "after the write" not in out.err  # nothing to repair
