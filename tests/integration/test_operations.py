"""Stock operations, availability and reports against the real Medusa server.

Each test makes its own locations, items and kit under a unique SKU prefix (the store is shared
with other tests, so nothing here resets it or touches data it did not make).
"""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from medusa_sync.cli.exit_codes import exit_code_of
from medusa_sync.audit import AuditLog, utc_now
from medusa_sync.cli.main import main
from medusa_sync.client import MedusaClient
from medusa_sync.client.requestor import Requestor
from medusa_sync.errors import GuardError
from medusa_sync.operations import reserve, sweep_stale

from .conftest import use_store
from .raw import RawAdmin

pytestmark = pytest.mark.integration


@dataclass
class Shop:
    """What one test made: SKUs and location names under its own prefix."""

    prefix: str
    north: str
    south: str
    items: dict[str, str]  # SKU → item id
    audit_log: Path
    raw: RawAdmin  # plain-HTTP reads, to check the client's

    def sku(self, name: str) -> str:
        return f"{self.prefix}-{name}"


@pytest.fixture
def client(medusa_server):
    with MedusaClient(medusa_server.url, email=medusa_server.email, password=medusa_server.password) as medusa:
        yield medusa


@pytest.fixture
def shop(medusa_server, client, raw_admin, monkeypatch, tmp_path) -> Iterator[Shop]:
    """Two locations; PANEL 10 at North; INV 3 at North and 1 at South; KIT = 2 PANEL + 1 INV."""
    prefix = f"OPS{uuid.uuid4().hex[:6].upper()}"
    north = client.stock_locations.create(f"{prefix} North")["id"]
    south = client.stock_locations.create(f"{prefix} South")["id"]
    items = {}
    for name, levels in (("PANEL", {north: 10}), ("INV", {north: 3, south: 1})):
        item = client.inventory_items.create(
            {
                "sku": f"{prefix}-{name}",
                "title": f"{name.title()} of {prefix}",
                "metadata": {"distributor": "odex"},
                "location_levels": [{"location_id": loc, "stocked_quantity": n} for loc, n in levels.items()],
            }
        )
        items[item["sku"]] = item["id"]
    product = client.products.create(
        {
            "title": f"Kit {prefix}",
            "options": [{"title": "Default", "values": ["Default"]}],
            "variants": [
                {
                    "title": f"Kit {prefix}",
                    "sku": f"{prefix}-KIT",
                    "options": {"Default": "Default"},
                    "prices": [],
                    "inventory_items": [
                        {"inventory_item_id": items[f"{prefix}-PANEL"], "required_quantity": 2},
                        {"inventory_item_id": items[f"{prefix}-INV"], "required_quantity": 1},
                    ],
                }
            ],
        }
    )
    use_store(monkeypatch, medusa_server, tmp_path)
    monkeypatch.setenv("MEDUSA_SYNC_ACTOR", "it-tester")
    yield Shop(prefix, f"{prefix} North", f"{prefix} South", items, tmp_path / "audit.jsonl", raw_admin)
    _remove(client, product["id"], items.values(), (north, south))


def _remove(client: MedusaClient, product_id: str, item_ids, location_ids) -> None:
    """Leave the shared store as it was: reservations first (they block deleting an item)."""
    for item_id in item_ids:
        for row in client.reservations.iter(inventory_item_id=item_id):
            client.reservations.delete(row["id"])
    client.products.delete(product_id)
    for item_id in item_ids:
        client.inventory_items.delete(item_id)
    for location_id in location_ids:
        client.stock_locations.delete(location_id)


def run(capsys, *args: str) -> tuple[int, object]:
    capsys.readouterr()
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def state(client: MedusaClient, shop: Shop) -> dict:
    """Every level and reservation of the shop's items, as the store has them now: read by the
    project's client and checked against plain HTTP, so a read bug cannot hide a write bug."""
    items = client.inventory_items.list_by_ids(
        shop.items.values(), fields="id,sku,location_levels.location_id,location_levels.stocked_quantity,location_levels.reserved_quantity"
    )
    levels = {
        (item["sku"], level["location_id"]): (level["stocked_quantity"], level["reserved_quantity"])
        for item in items
        for level in item["location_levels"]
    }
    reservations = sorted(
        (row["id"], row["inventory_item_id"], row["location_id"], row["quantity"])
        for item_id in shop.items.values()
        for row in client.reservations.iter(inventory_item_id=item_id)
    )
    assert shop.raw.levels(shop.items.values()) == levels
    assert shop.raw.reservations(shop.items.values()) == reservations
    return {"levels": levels, "reservations": reservations}


def level(client: MedusaClient, shop: Shop, name: str, location: str) -> tuple[int, int]:
    locations = {loc["name"]: loc["id"] for loc in client.stock_locations.list(fields="id,name", name=location)}
    return state(client, shop)["levels"][(shop.sku(name), locations[location])]


def test_reserve_report_fulfill(shop, client, capsys, tmp_path):
    line_item = f"li_{shop.prefix}"
    code, [reserved] = run(capsys, "reserve", shop.sku("PANEL"), "-l", shop.north, "-q", "4", "--line-item", line_item, "--note", "order 1")
    assert code == 0 and reserved["after"] == {"stocked": 10, "reserved": 4, "available": 6}

    code, report = run(capsys, "report", "reservations", "--out", str(tmp_path / "out"), "--sku-prefix", shop.prefix)
    assert code == 0
    [row] = report["reservations"]
    assert (row["id"], row["sku"], row["location"], row["quantity"], row["line_item_id"], row["description"]) == (
        reserved["reference"], shop.sku("PANEL"), shop.north, 4, line_item, "order 1",
    )
    assert report["levels"] == [
        {"location_id": row["location_id"], "location": shop.north, "sku": shop.sku("PANEL"), "title": f"Panel of {shop.prefix}",
         "stocked": 10, "reserved": 4, "available": 6, "incoming": 0, "allocation": "covered"}
    ]
    assert [(kit["sku"], kit["buildable"], kit["limited_by"]) for kit in report["kits"]] == [(shop.sku("KIT"), 3, shop.sku("PANEL"))]
    markdown = (tmp_path / "out" / "inventory_reservations_report.md").read_text()
    assert f"| {shop.sku('PANEL')} | Panel of {shop.prefix} | 4 | manual | — | — | — | {line_item} | order 1 |" in markdown

    code, [fulfilled] = run(capsys, "fulfill", "--line-item", line_item)
    assert code == 0 and fulfilled["after"] == {"stocked": 6, "reserved": 0, "available": 6}
    assert level(client, shop, "PANEL", shop.north) == (6, 0)
    assert state(client, shop)["reservations"] == []

    code, _ = run(capsys, "fulfill", "--line-item", line_item)  # a re-run: nothing left, stock not lowered again
    assert code == 9
    assert level(client, shop, "PANEL", shop.north) == (6, 0)
    results = [(r["operation"], r["result"]) for r in AuditLog(shop.audit_log).records()]
    assert results == [("reserve", "ok"), ("fulfill", "pending"), ("fulfill", "ok")]


def test_a_fulfilment_interrupted_after_lowering_is_completed_once(shop, client, capsys):
    north = client.stock_locations.list(fields="id", name=shop.north)[0]["id"]
    item_id = shop.items[shop.sku("PANEL")]
    reservation = client.reservations.create(north, item_id, 3, line_item_id=f"li_{shop.prefix}")
    # what a run that died right after lowering the stock leaves behind
    marker = {"operation_id": "op_died", "quantity": 3, "stocked_before": 10, "stocked_after": 7, "step": "lowering"}
    client.reservations.update(reservation["id"], metadata={"medusa_sync_fulfill": marker})
    client.inventory_items.update_level(item_id, north, stocked_quantity=7)

    code, [done] = run(capsys, "fulfill", reservation["id"])
    assert code == 0 and done["operation_id"] == "op_died"
    assert level(client, shop, "PANEL", shop.north) == (7, 0)
    assert state(client, shop)["reservations"] == []


@pytest.mark.parametrize("quantity", ["11", "0", "-2"])
def test_over_zero_and_negative_reservations_are_refused_with_the_store_unchanged(shop, client, capsys, quantity):
    run(capsys, "reserve", shop.sku("PANEL"), "-l", shop.north, "-q", "2")
    before = state(client, shop)
    code, out = run(capsys, "reserve", shop.sku("PANEL"), "-l", shop.north, "-q", quantity)
    assert (code, out) == (4, None)
    assert state(client, shop) == before
    last = list(AuditLog(shop.audit_log).records())[-1]
    assert (last["result"], last["quantity"], last["before"]) == ("refused", int(quantity), {"stocked": 10, "reserved": 2, "available": 8})


@pytest.mark.parametrize("trial", range(3))
def test_two_concurrent_reservations_never_oversell_and_the_loser_is_a_refusal(shop, medusa_server, trial):
    """Two `reserve 6` on stocked 10 pass the client-side check together (a barrier holds both
    until each has read available 10); Medusa refuses the second under its lock with
    `400 not_allowed: Not enough stock`, which must be exit 4 with the numbers, not a raw error."""
    barrier = threading.Barrier(2, timeout=30)

    def one(audit: AuditLog):
        with MedusaClient(medusa_server.url, email=medusa_server.email, password=medusa_server.password) as own:
            create = own.reservations.create

            def together(*args, **kwargs):
                barrier.wait()
                return create(*args, **kwargs)

            own.reservations.create = together
            try:
                return reserve(own, audit, shop.sku("PANEL"), shop.north, 6)
            except GuardError as refused:
                return refused

    audit = AuditLog(shop.audit_log)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, [audit, audit]))
    refusals = [r for r in results if isinstance(r, GuardError)]
    assert len(refusals) == 1, results
    [refused] = refusals
    assert exit_code_of(refused) == 4
    assert str(refused) == (
        f"reserve 6 of {shop.sku('PANEL')} at {shop.north}: Medusa refused it, not enough stock: "
        "only 4 available now (stocked 10, reserved 6); another reservation took the units meanwhile"
    )
    with MedusaClient(medusa_server.url, email=medusa_server.email, password=medusa_server.password) as check:
        assert level(check, shop, "PANEL", shop.north) == (10, 6)
    assert sorted(r["result"] for r in audit.records()) == ["ok", "refused"]


def test_transfer_moves_stock_and_creates_the_destination_level(shop, client, capsys):
    code, [moved] = run(capsys, "transfer", shop.sku("INV"), "--from", shop.north, "--to", shop.south, "-q", "2", "--reason", "rebalance")
    assert code == 0
    assert moved["after"]["source"]["stocked"] == 1 and moved["after"]["destination"]["stocked"] == 3
    assert level(client, shop, "INV", shop.north) == (1, 0) and level(client, shop, "INV", shop.south) == (3, 0)

    code, _ = run(capsys, "transfer", shop.sku("PANEL"), "--from", shop.north, "--to", shop.south, "-q", "4", "--reason", "open south")
    assert code == 0
    assert level(client, shop, "PANEL", shop.north) == (6, 0) and level(client, shop, "PANEL", shop.south) == (4, 0)

    before = state(client, shop)
    code, _ = run(capsys, "transfer", shop.sku("INV"), "--from", shop.north, "--to", shop.south, "-q", "2", "--reason", "too many")
    assert code == 4
    assert state(client, shop) == before
    results = [(r["operation"], r["result"]) for r in AuditLog(shop.audit_log).records()]
    assert results == [("transfer", "pending"), ("transfer", "ok"), ("transfer", "pending"), ("transfer", "ok"), ("transfer", "refused")]


def test_a_transfer_re_run_with_its_ref_writes_nothing(shop, client, capsys, monkeypatch):
    """The reported bug: a transfer killed after it recorded `ok`, run again, moved the units again."""
    command = ("transfer", shop.sku("INV"), "--from", shop.north, "--to", shop.south, "-q", "2", "--reason", "rebalance")
    code, [moved] = run(capsys, *command, "--ref", f"{shop.prefix}-T1")
    assert code == 0 and moved["result"] == "ok"
    after_first = state(client, shop)
    assert level(client, shop, "INV", shop.north) == (1, 0) and level(client, shop, "INV", shop.south) == (3, 0)

    stock_writes = []
    send = Requestor.request

    def counted(self, method, path, *args, **kwargs):
        body = kwargs.get("json")
        changes = any(body.get(name) for name in ("create", "update", "delete")) if path.endswith("/batch") else True
        if method != "GET" and changes and ("/admin/inventory-items" in path or "/admin/reservations" in path):
            stock_writes.append((method, path, body))
        return send(self, method, path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Requestor, "request", counted)
        code, [again] = run(capsys, *command, "--ref", f"{shop.prefix}-T1")
    assert stock_writes == []  # (the client's capability probe sends an empty level batch)
    assert code == 0 and again["result"] == "already done"
    assert state(client, shop) == after_first
    results = [(r["result"], r["ref"]) for r in AuditLog(shop.audit_log).records()]
    assert results == [("pending", f"{shop.prefix}-T1"), ("ok", f"{shop.prefix}-T1")]


def test_a_reserve_re_run_with_its_ref_reserves_once(shop, client, capsys):
    command = ("reserve", shop.sku("PANEL"), "-l", shop.north, "-q", "3", "--ref", f"{shop.prefix}-R1")
    assert run(capsys, *command)[0] == 0
    AuditLog(shop.audit_log).path.unlink()  # as if killed before its audit record: the store holds the key
    code, [again] = run(capsys, *command)
    assert code == 0 and again["message"].startswith("already done: reservation ")
    assert level(client, shop, "PANEL", shop.north) == (10, 3)
    assert len(state(client, shop)["reservations"]) == 1


def test_adjust_and_set_below_reserved_are_refused(shop, client, capsys):
    assert run(capsys, "reserve", shop.sku("INV"), "-l", shop.north, "-q", "3")[0] == 0
    before = state(client, shop)
    assert run(capsys, "adjust", shop.sku("INV"), "-l", shop.north, "--delta", "-1", "--reason", "damaged")[0] == 4
    assert run(capsys, "set", shop.sku("INV"), "-l", shop.north, "-q", "2", "--reason", "count")[0] == 4
    assert state(client, shop) == before
    code, [adjusted] = run(capsys, "adjust", shop.sku("INV"), "-l", shop.north, "--delta", "+2", "--reason", "found")
    assert code == 0 and adjusted["after"] == {"stocked": 5, "reserved": 3, "available": 2}


def test_kit_availability_names_the_limiting_component(shop, client, capsys):
    code, everywhere = run(capsys, "availability", shop.sku("KIT"), "-q", "4")
    assert code == 0
    assert (everywhere["available"], everywhere["limiting"]["sku"]) == (4, shop.sku("INV"))
    assert [loc["location"] for loc in everywhere["limiting"]["locations"]] == [shop.north, shop.south]
    medusa_says = client.product_variants.list_by_skus([shop.sku("KIT")], fields="id,sku,manage_inventory,inventory_quantity")
    assert medusa_says[0]["inventory_quantity"] == everywhere["available"]

    code, north = run(capsys, "availability", shop.sku("KIT"), "-q", "4", "--location", shop.north)
    assert code == 1
    assert (north["available"], north["limiting"]["sku"], north["locations"]) == (3, shop.sku("INV"), [shop.north])

    code, item = run(capsys, "availability", shop.sku("INV"), "-q", "4")
    assert (code, item["available"]) == (0, 4)


def test_the_sweeper_dry_run_lists_old_reservations_and_changes_nothing(shop, client, tmp_path):
    north = client.stock_locations.list(fields="id", name=shop.north)[0]["id"]
    reservation = client.reservations.create(north, shop.items[shop.sku("PANEL")], 2)
    before = state(client, shop)
    audit = AuditLog(shop.audit_log)
    sweep = sweep_stale(client, audit, timedelta(days=7), dry_run=True, now=utc_now() + timedelta(days=8))
    assert reservation["id"] in {reserved.id for reserved in sweep.stale}
    assert sweep.released == []
    assert state(client, shop) == before
    assert list(audit.records()) == []
    not_yet = sweep_stale(client, audit, timedelta(days=7), dry_run=True)
    assert reservation["id"] not in {reserved.id for reserved in not_yet.stale}
